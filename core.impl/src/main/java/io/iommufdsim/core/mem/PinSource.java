package io.iommufdsim.core.mem;

import io.iommufdsim.api.IommufdException;

/**
 * What iopt_pages pins from: a user address range of a process ({@link ProcessImpl#userPages(long)},
 * pin_user_pages rules) or a memfd ({@link Memfd#pages()}, memfd_pin_folios rules), addressed in 4 KiB
 * page indices from the source's start.
 */
public interface PinSource {
    /**
     * Resolves pages {@code firstPage .. firstPage + npages - 1} to frames, allocating (zeroed) frames
     * on first touch, and reports them in order as maximal physically contiguous runs. It pins nothing:
     * the caller pins what it was told ({@link FramePins}). On an error (EFAULT, EINVAL, ENOMEM) it
     * throws after reporting the runs of the prefix that resolved; the caller unwinds what it did with
     * them. Frames allocated for that prefix stay with the mapping, as Linux's faulted-in pages do.
     *
     * <p>The sink is called with the process's mmap lock held for reading: it must not map or unmap
     * memory of the same process.
     *
     * <p>Runs are maximal: neighbouring folios that happen to be physically contiguous (two THP chunks
     * allocated one after the other, say) are reported as one run, since a run is only a promise of
     * contiguity; scattered 4 KiB frames always come as runs of one page.
     *
     * @param write a FOLL_WRITE pin: refused on a read-only mapping
     */
    void resolve(long firstPage, long npages, boolean write, FrameRunSink sink) throws IommufdException;
}
