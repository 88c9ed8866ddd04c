package io.iommufdsim.core.ioas;

import io.iommufdsim.api.Errno;
import io.iommufdsim.api.IommufdException;
import io.iommufdsim.api.UserMemory;
import io.iommufdsim.core.mem.FramePins;
import io.iommufdsim.core.mem.PinSource;
import io.iommufdsim.core.mem.ProcessImpl;
import io.iommufdsim.spi.PhysicalMemory;
import java.util.HashMap;
import java.util.Map;

/**
 * The pages behind one MAP or MAP_FILE (pages.c: struct iopt_pages): a page-granular view of a user
 * address range or a memfd range, shared by every area COPY makes from it. Pages are pinned on demand,
 * counted per holder ({@link PinnedRuns}): an area filled into the IOAS's domains holds its page range,
 * and each distinct access pin range holds its range. Pinned PFNs are kept here, so the pages stay
 * pinned — and readable by accesses — after the user unmaps the memory, as in Linux.
 *
 * <p>The net change of pinned pages is charged to the {@link PinAccount} after pinning; a charge that
 * fails (RLIMIT_MEMLOCK → ENOMEM) unpins what was just pinned.
 *
 * <p>Locking: this object's monitor is pages->mutex. Callers may hold their io_pagetable lock; this
 * class calls only down into FramePins, the pin source and physical memory.
 */
public final class IoptPages {
    /** enum iopt_address_type. */
    public enum Type {
        USER,
        FILE
    }

    /** An exact access pin range (iopt_pages_access): first and last page index. */
    private record AccessRange(long first, long last) {
    }

    private final Type type;
    private final long sourceStart;
    private final long npages;
    private final boolean writable;
    private final PinSource source;
    /** pages->source_mm of user pages (whose mm IOAS_CHANGE_PROCESS never moves); null for file pages. */
    private final ProcessImpl sourceProcess;
    private final long sourceFirstPage;
    private final FramePins framePins;
    private final PhysicalMemory memory;
    private final PinnedRuns runs;
    private final Map<AccessRange, int[]> accesses = new HashMap<>();
    private final PinnedRuns.Unpinner unpinner;
    private final PinnedRuns.Pinner pinner;
    private final PinnedRuns.GapFiller filler;
    private PinAccount account;
    /** iopt_pages::last_npinned: pages charged so far. */
    private long lastNpinned;
    /** kref: areas and in-flight COPY lists holding these pages. */
    private int refs;

    /**
     * @param sourceStart the page-aligned user address (USER) or file offset (FILE) of page index 0
     * @param source resolves page {@code sourceFirstPage + i} for page index i
     * @param sourceProcess the process whose memory user pages are; null for file pages
     */
    IoptPages(Type type, long sourceStart, long npages, boolean writable, PinSource source,
              ProcessImpl sourceProcess, long sourceFirstPage, FramePins framePins, PhysicalMemory memory, PinAccount account) {
        this.type = type;
        this.sourceStart = sourceStart;
        this.npages = npages;
        this.writable = writable;
        this.source = source;
        this.sourceProcess = sourceProcess;
        this.sourceFirstPage = sourceFirstPage;
        this.framePins = framePins;
        this.memory = memory;
        this.account = account;
        this.runs = new PinnedRuns(framePins.holderRuns());
        this.unpinner = framePins::unpinBatch;
        this.pinner = framePins::pinBatch;
        // the runs a gap resolves to are pinned together once the whole range is resolved (PinnedRuns.acquire)
        this.filler = (index, count, target) -> this.source.resolve(this.sourceFirstPage + index, count,
                this.writable, (page, pfn, n) -> target.insertPinned(page - this.sourceFirstPage, pfn, n));
    }

    public Type type() {
        return type;
    }

    /** pages->uptr (USER) or pages->start (FILE): the page-aligned source address of index 0. */
    public long sourceStart() {
        return sourceStart;
    }

    public long npages() {
        return npages;
    }

    public boolean writable() {
        return writable;
    }

    synchronized PinAccount account() {
        return account;
    }

    synchronized void setAccount(PinAccount newAccount) {
        account = newAccount;
    }

    /** iopt_pages::npinned. */
    public synchronized long pinnedPages() {
        return runs.pinnedPages();
    }

    synchronized long lastNpinned() {
        return lastNpinned;
    }

    synchronized void get() {
        refs++;
    }

    /** iopt_put_pages: the last reference must find nothing pinned (iopt_release_pages WARNs). */
    synchronized void put() {
        if (--refs == 0 && (runs.pinnedPages() != 0 || !accesses.isEmpty())) {
            throw new IllegalStateException("iopt_pages released with pinned pages");
        }
    }

    /**
     * Holds [first, last] for the domains of an area (the domains_itree node), pinning what is not pinned
     * yet and charging it. On failure nothing changed.
     */
    synchronized void fill(long first, long last) throws IommufdException {
        runs.acquire(first, last, filler, pinner);
        try {
            updatePinned();
        } catch (IommufdException e) {
            runs.release(first, last, unpinner);
            throw e;
        }
    }

    /** Drops an area's domain hold on [first, last]; pages nobody else holds are unpinned. */
    synchronized void unfill(long first, long last) {
        runs.release(first, last, unpinner);
        updateUnpinned();
    }

    /** Visits the pinned [first, last] as physically contiguous runs (what batch_to_domain maps). */
    synchronized void forEachContiguous(long first, long last, PinnedRuns.RunVisitor visitor)
            throws IommufdException {
        runs.forEachContiguous(first, last, visitor);
    }

    /**
     * iopt_area_add_access: one more pin of the exact range [first, last]; the first pin of a range pins
     * (and charges) its pages. Writes {@code last - first + 1} PFNs to {@code pfns} at {@code offset}.
     * EPERM for a write pin of read-only pages.
     */
    synchronized void addAccess(long first, long last, boolean write, long[] pfns, int offset)
            throws IommufdException {
        if (write && !writable) {
            throw new IommufdException(Errno.EPERM);
        }
        AccessRange key = new AccessRange(first, last);
        int[] users = accesses.get(key);
        if (users == null) {
            fill(first, last);
            accesses.put(key, new int[] {1});
        } else {
            users[0]++;
        }
        copyPfns(first, last, pfns, offset);
    }

    /** iopt_area_remove_access: drops one pin of the exact range; false if there is none. */
    synchronized boolean removeAccess(long first, long last) {
        AccessRange key = new AccessRange(first, last);
        int[] users = accesses.get(key);
        if (users == null) {
            return false;
        }
        if (--users[0] == 0) {
            accesses.remove(key);
            unfill(first, last);
        }
        return true;
    }

    /**
     * iopt_pages_rw_access: copies {@code length} bytes between {@code data} at {@code offset} and the
     * pages from {@code startByte}, as the selftest's IOMMU_TEST_OP_ACCESS_RW does it, on behalf of
     * {@code current} (the calling process; null or exited means no mm). EPERM for a write of read-only
     * pages. Then, as in Linux (IOMMUFD_ACCESS_RW_KTHREAD is never set by the selftest):
     * <ul>
     * <li>file pages always take the slow path ({@link #rwSlow});</li>
     * <li>user pages of another mm: one page → {@link #rwPage}, more → the slow path;</li>
     * <li>user pages of the caller's own mm: copy_to_user/copy_from_user at pages->uptr + start_byte,
     *     ignoring pins ({@link #rwUser}), so a munmapped range is EFAULT even while its pages stay
     *     pinned.</li>
     * </ul>
     */
    void rw(long startByte, byte[] data, int offset, int length, boolean write, ProcessImpl current)
            throws IommufdException {
        long first = Iova.pageIndex(startByte);
        long last = Iova.pageIndex(startByte + length - 1);
        if (write && !writable) {
            throw new IommufdException(Errno.EPERM);
        }
        if (type != Type.USER) {
            rwSlow(first, last, startByte, data, offset, length, write);
            return;
        }
        // current->mm != pages->source_mm; an exited process has no mm any more
        boolean changeMm = current == null || current != sourceProcess || !current.isAlive();
        if (changeMm) {
            if (first == last) {
                rwPage(first, startByte, data, offset, length, write);
            } else {
                rwSlow(first, last, startByte, data, offset, length, write);
            }
            return;
        }
        rwUser(current, sourceStart + startByte, data, offset, length, write);
    }

    /**
     * The fast path of iopt_pages_rw_access in the source mm: copy_to_user/copy_from_user. Any fault is
     * EFAULT; copy_to_user has stored the bytes of the pages before the faulting one by then, and they
     * stay written (the bytes a failed copy_from_user got are never returned to anyone).
     */
    private static void rwUser(ProcessImpl current, long va, byte[] data, int offset, int length, boolean write)
            throws IommufdException {
        UserMemory mm = current.memory();
        try {
            if (write) {
                mm.copyToUser(va, data, offset, length);
            } else {
                mm.copyFromUser(va, data, offset, length);
            }
        } catch (IommufdException e) {
            if (write) {
                storeUpToTheFault(mm, va, data, offset, length);
            }
            throw new IommufdException(Errno.EFAULT);
        }
    }

    /** The partial store of a faulting copy_to_user: page by page until the first page that faults. */
    private static void storeUpToTheFault(UserMemory mm, long va, byte[] data, int offset, int length) {
        int done = 0;
        while (done < length) {
            long at = va + done;
            int n = (int) Math.min(length - done, Iova.PAGE_SIZE - Iova.pageOffset(at));
            try {
                mm.copyToUser(at, data, offset + done, n);
            } catch (IommufdException e) {
                return;
            }
            done += n;
        }
    }

    /**
     * iopt_pages_rw_page: one page of a live source mm through pin_user_pages_remote (FOLL_WRITE for a
     * write; GUP's EFAULT for an unmapped, VM_PFNMAP or too weakly protected page), copied through the
     * frame and unpinned; a source mm that is gone (mmget_not_zero fails) takes the slow path.
     */
    private void rwPage(long index, long startByte, byte[] data, int offset, int length, boolean write)
            throws IommufdException {
        if (!sourceProcess.isAlive()) {
            rwSlow(index, index, startByte, data, offset, length, write);
            return;
        }
        long[] frame = {-1};
        source.resolve(sourceFirstPage + index, 1, write, (page, pfn, n) -> {
            framePins.pin(pfn, 1);
            frame[0] = pfn;
        });
        try {
            copyFrame(frame[0], Iova.pageOffset(startByte), data, offset, length, write);
        } finally {
            framePins.unpin(frame[0], 1);
        }
    }

    /**
     * iopt_pages_rw_slow: the pfn_reader path, consistent with what a domain sees. Pages already pinned
     * (by an access or for a domain) are used as they are, even if the user unmapped them; the others
     * are pinned from the source for the copy and unpinned after it, without a charge (the source mm
     * gone → EFAULT, as pfn_reader_user_pin). A selftest copy is at most 16 MiB, so the pfn_reader
     * batch holds all of it: the pages are all pinned before a byte is copied, and a failure copies
     * nothing.
     */
    private synchronized void rwSlow(long first, long last, long startByte, byte[] data, int offset, int length,
                                     boolean write) throws IommufdException {
        runs.acquire(first, last, filler, pinner);
        try {
            long byteAt = startByte;
            int done = 0;
            while (done < length) {
                int inPage = (int) Iova.pageOffset(byteAt);
                int n = (int) Math.min(length - done, Iova.PAGE_SIZE - inPage);
                copyFrame(runs.pfnAt(Iova.pageIndex(byteAt)), inPage, data, offset + done, n, write);
                done += n;
                byteAt += n;
            }
        } finally {
            runs.release(first, last, unpinner);
        }
    }

    /** copy_data_page. */
    private void copyFrame(long pfn, long inPage, byte[] data, int offset, int length, boolean write) {
        long pa = (pfn << Iova.PAGE_SHIFT) + inPage;
        if (write) {
            memory.write(pa, data, offset, length);
        } else {
            memory.read(pa, data, offset, length);
        }
    }

    private void copyPfns(long first, long last, long[] pfns, int offset) throws IommufdException {
        int[] at = {offset};
        runs.forEachContiguous(first, last, (index, pfn, count) -> {
            for (long i = 0; i < count; i++) {
                pfns[at[0]++] = pfn + i;
            }
        });
    }

    /** pfn_reader_user_update_pinned: charge the net growth since the last charge. */
    private void updatePinned() throws IommufdException {
        long npinned = runs.pinnedPages();
        if (npinned > lastNpinned) {
            account.charge(npinned - lastNpinned);
        } else if (npinned < lastNpinned) {
            account.uncharge(lastNpinned - npinned);
        }
        lastNpinned = npinned;
    }

    /** update_unpinned. */
    private void updateUnpinned() {
        long npinned = runs.pinnedPages();
        if (npinned < lastNpinned) {
            account.uncharge(lastNpinned - npinned);
            lastNpinned = npinned;
        }
    }

    @Override
    public synchronized String toString() {
        return "IoptPages[" + type + " 0x" + Long.toHexString(sourceStart) + " npages=" + npages
                + " pinned=" + runs.pinnedPages() + "]";
    }
}
