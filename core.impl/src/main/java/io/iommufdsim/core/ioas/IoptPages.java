package io.iommufdsim.core.ioas;

import io.iommufdsim.api.Errno;
import io.iommufdsim.api.IommufdException;
import io.iommufdsim.core.mem.FramePins;
import io.iommufdsim.core.mem.PinSource;
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
    private final long sourceFirstPage;
    private final FramePins framePins;
    private final PhysicalMemory memory;
    private final PinnedRuns runs = new PinnedRuns();
    private final Map<AccessRange, int[]> accesses = new HashMap<>();
    private final PinnedRuns.Unpinner unpinner;
    private final PinnedRuns.GapFiller filler;
    private PinAccount account;
    /** iopt_pages::last_npinned: pages charged so far. */
    private long lastNpinned;
    /** kref: areas and in-flight COPY lists holding these pages. */
    private int refs;

    /**
     * @param sourceStart the page-aligned user address (USER) or file offset (FILE) of page index 0
     * @param source resolves page {@code sourceFirstPage + i} for page index i
     */
    IoptPages(Type type, long sourceStart, long npages, boolean writable, PinSource source,
              long sourceFirstPage, FramePins framePins, PhysicalMemory memory, PinAccount account) {
        this.type = type;
        this.sourceStart = sourceStart;
        this.npages = npages;
        this.writable = writable;
        this.source = source;
        this.sourceFirstPage = sourceFirstPage;
        this.framePins = framePins;
        this.memory = memory;
        this.account = account;
        this.unpinner = framePins::unpin;
        this.filler = (index, count, target) -> this.source.resolve(this.sourceFirstPage + index, count,
                this.writable, (page, pfn, n) -> {
                    this.framePins.pin(pfn, n);
                    target.insertPinned(page - this.sourceFirstPage, pfn, n);
                });
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
        runs.acquire(first, last, filler, unpinner);
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
     * iopt_pages_rw_access, through pinned PFNs (the kernel's rw slow path, consistent with what a
     * device sees): pages not pinned are pinned for the copy and unpinned after it, without a charge.
     */
    synchronized void rw(long startByte, byte[] data, int offset, int length, boolean write)
            throws IommufdException {
        if (write && !writable) {
            throw new IommufdException(Errno.EPERM);
        }
        long first = Iova.pageIndex(startByte);
        long last = Iova.pageIndex(startByte + length - 1);
        runs.acquire(first, last, filler, unpinner);
        try {
            long byteAt = startByte;
            int done = 0;
            while (done < length) {
                long pfn = runs.pfnAt(Iova.pageIndex(byteAt));
                int inPage = (int) Iova.pageOffset(byteAt);
                int n = (int) Math.min(length - done, Iova.PAGE_SIZE - inPage);
                long pa = (pfn << Iova.PAGE_SHIFT) + inPage;
                if (write) {
                    memory.write(pa, data, offset + done, n);
                } else {
                    memory.read(pa, data, offset + done, n);
                }
                done += n;
                byteAt += n;
            }
        } finally {
            runs.release(first, last, unpinner);
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
