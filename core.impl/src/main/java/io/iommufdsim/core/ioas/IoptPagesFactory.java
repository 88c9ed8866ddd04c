package io.iommufdsim.core.ioas;

import io.iommufdsim.api.Capability;
import io.iommufdsim.api.Errno;
import io.iommufdsim.api.IommufdException;
import io.iommufdsim.core.iommufd.AccountMode;
import io.iommufdsim.core.mem.FileDescription;
import io.iommufdsim.core.mem.MachineMemory;
import io.iommufdsim.core.mem.Memfd;
import io.iommufdsim.core.mem.PinSource;
import io.iommufdsim.core.mem.ProcessImpl;

/**
 * Creates the {@link IoptPages} of a MAP or MAP_FILE (pages.c: iopt_alloc_user_pages,
 * iopt_alloc_file_pages, iopt_alloc_pages; io_pagetable.c: iopt_map_common's accounting upgrade).
 */
final class IoptPagesFactory {
    /**
     * memfd_pin_folios refuses files that are neither shmem nor hugetlbfs (mm/gup.c: EINVAL); MAP_FILE
     * does not check the file type, so the error shows when the pages are pinned.
     */
    private static final PinSource NOT_PINNABLE = (firstPage, npages, write, sink) -> {
        throw new IommufdException(Errno.EINVAL);
    };

    private IoptPagesFactory() {
    }

    /**
     * iopt_alloc_user_pages for {@code length} bytes at {@code uptr} of the caller: EOVERFLOW if the
     * range wraps, then iopt_alloc_pages' EINVAL for length 0 or past SIZE_MAX - PAGE_SIZE.
     */
    static IoptPages userPages(ProcessImpl caller, AccountMode contextMode, long uptr, long length,
                               boolean writable) throws IommufdException {
        if (Iova.addOverflows(uptr, length)) {
            throw new IommufdException(Errno.EOVERFLOW);
        }
        long uptrDown = Iova.alignDown(uptr, Iova.PAGE_SIZE);
        long startByte = uptr - uptrDown;
        checkLength(length);
        return new IoptPages(IoptPages.Type.USER, uptrDown, npages(startByte, length), writable,
                caller.userPages(uptrDown), caller, 0, caller.machine().pins(), caller.machine().physical(),
                account(caller, contextMode));
    }

    /**
     * iopt_alloc_file_pages for {@code length} bytes at file offset {@code start} (the caller already
     * checked length 0 and the wrap of start + length - 1).
     */
    static IoptPages filePages(ProcessImpl caller, AccountMode contextMode, FileDescription file, long start,
                               long length, boolean writable) throws IommufdException {
        long startDown = Iova.alignDown(start, Iova.PAGE_SIZE);
        long startByte = start - startDown;
        checkLength(length);
        PinSource source = file instanceof Memfd ? ((Memfd) file).pages() : NOT_PINNABLE;
        MachineMemory machine = caller.machine();
        return new IoptPages(IoptPages.Type.FILE, startDown, npages(startByte, length), writable, source, null,
                startDown >>> Iova.PAGE_SHIFT, machine.pins(), machine.physical(), account(caller, contextMode));
    }

    /** iopt_alloc_pages: the iommu API's size_t length, and DIV_ROUND_UP kept from overflowing. */
    private static void checkLength(long length) throws IommufdException {
        if (length == 0 || Iova.gt(length, Iova.MAX_PAGES_LENGTH)) {
            throw new IommufdException(Errno.EINVAL);
        }
    }

    /** DIV_ROUND_UP(length + start_byte, PAGE_SIZE), without overflow. */
    private static long npages(long startByte, long length) {
        long bytes = length + startByte;
        return (bytes >>> Iova.PAGE_SHIFT) + (Iova.pageOffset(bytes) != 0 ? 1 : 0);
    }

    /**
     * iopt_alloc_pages: NONE with CAP_IPC_LOCK, else USER; iopt_map_common upgrades USER to MM in an
     * mm-mode context.
     */
    private static PinAccount account(ProcessImpl caller, AccountMode contextMode) {
        AccountMode mode = caller.hasCapability(Capability.CAP_IPC_LOCK) ? AccountMode.NONE : AccountMode.USER;
        if (mode == AccountMode.USER && contextMode == AccountMode.MM) {
            mode = AccountMode.MM;
        }
        return new PinAccount(mode, caller);
    }
}
