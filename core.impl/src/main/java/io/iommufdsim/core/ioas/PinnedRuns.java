package io.iommufdsim.core.ioas;

import io.iommufdsim.api.IommufdException;
import io.iommufdsim.core.mem.RunList;

/**
 * The pinned pages of one {@link IoptPages}: a counting interval map from page index to (pfn, users).
 * A page index is pinned exactly once however many holders need it (an area filled into the IOAS's
 * domains, an access pin range), and unpinned when its last holder goes — the kernel's pinned_pfns
 * xarray plus its domains_itree/access_itree (pages.c header comment), kept here as runs: each run is a
 * block of consecutive indices with one holder count and physically contiguous PFNs, so the cost of
 * every operation is per run, never per page.
 *
 * <p>The runs live in a {@link RunList} (primitive arrays, binary search) borrowed from the machine's
 * {@link RunList.Cache} while anything is pinned and given back when nothing is, so a MAP that follows an
 * UNMAP of the same shape allocates nothing. One {@link #acquire} or {@link #release} writes the new
 * content of the runs it touches as one edit, spliced in once, and hands the frames it pins or unpins to
 * FramePins as one batch: O(log n + runs touched + tail moved), not a splice per run.
 */
final class PinnedRuns {
    /** Resolves the pages of a gap and reports each physically contiguous run to {@link PinnedRuns#insertPinned}, ascending. */
    interface GapFiller {
        void fill(long index, long count, PinnedRuns target) throws IommufdException;
    }

    /** Pins the frame batch of an edit (FramePins.pinBatch): all of it, or nothing and an exception. */
    interface Pinner {
        void pin(RunList batch) throws IommufdException;
    }

    /** Releases the frame batch of an edit (FramePins.unpinBatch). */
    interface Unpinner {
        void unpin(RunList batch);
    }

    /** Receives maximal physically contiguous runs of a range. */
    interface RunVisitor {
        void run(long index, long pfn, long count) throws IommufdException;
    }

    private final RunList.Cache cache;
    /** Null while nothing is pinned. */
    private RunList runs;
    private long pinnedPages;
    /** During {@link #acquire}: the end of the gap prefix reported so far, and the pages reported. */
    private long doneEnd;
    private long newPages;

    /** With a private cache (tests). */
    PinnedRuns() {
        this(new RunList.Cache());
    }

    PinnedRuns(RunList.Cache cache) {
        this.cache = cache;
    }

    /** iopt_pages::npinned: pages pinned now. */
    long pinnedPages() {
        return pinnedPages;
    }

    int runCount() {
        return runs == null ? 0 : runs.size();
    }

    /**
     * Takes one hold on every page of [first, last], resolving the pages that had none through
     * {@code filler} and pinning them through {@code pinner} in one batch. Returns how many pages were
     * newly pinned. On failure nothing changed (nothing is pinned before the batch, and the batch pins
     * all or nothing) and the exception is rethrown.
     */
    long acquire(long first, long last, GapFiller filler, Pinner pinner) throws IommufdException {
        if (runs == null) {
            runs = cache.borrow();
        }
        RunList r = runs;
        int lo = r.firstEndingAfter(first);
        int hi = lo;
        while (hi < r.size() && r.start(hi) <= last) {
            hi++;
        }
        r.beginEdit();
        r.clearBatch();
        newPages = 0;
        try {
            long cur = first;
            for (int i = lo; i < hi; i++) {
                long s = r.start(i);
                long e = r.end(i);
                long b = r.base(i);
                long v = r.value(i);
                if (s > cur) {
                    fillGap(filler, cur, s - cur);
                }
                r.append(s, first - s, b, v); // the part before first, if any
                long a = Math.max(s, first);
                long z = Math.min(e, last + 1);
                r.append(a, z - a, b + (a - s), v + 1);
                r.append(z, e - z, b + (z - s), v); // the part after last, if any
                cur = z;
            }
            if (cur <= last) {
                fillGap(filler, cur, last + 1 - cur);
            }
            pinner.pin(r);
        } catch (IommufdException | RuntimeException e) {
            r.beginEdit();
            r.clearBatch();
            giveBackIfEmpty();
            throw e;
        }
        r.splice(lo, hi);
        r.clearBatch();
        pinnedPages += newPages;
        return newPages;
    }

    private void fillGap(GapFiller filler, long index, long count) throws IommufdException {
        doneEnd = index;
        filler.fill(index, count, this);
        if (doneEnd != index + count) {
            throw new IllegalStateException("pin source left a hole at page " + doneEnd);
        }
    }

    /** Records a run a {@link GapFiller} has just resolved; it gets one holder once the batch is pinned. */
    void insertPinned(long index, long pfn, long count) {
        if (index != doneEnd) {
            throw new IllegalStateException("pin source reported page " + index + ", expected " + doneEnd);
        }
        runs.append(index, count, pfn, 1);
        runs.addToBatch(pfn, count);
        newPages += count;
        doneEnd = index + count;
    }

    /**
     * Drops one hold on every page of [first, last] (which must all be held, else IllegalStateException
     * and nothing changes); pages left without holders are unpinned in one batch. Returns how many pages
     * were unpinned.
     */
    long release(long first, long last, Unpinner unpinner) {
        if (!covers(first, last)) {
            throw new IllegalStateException("release of unpinned pages in [" + first + ", " + last + "]");
        }
        RunList r = runs;
        int lo = r.firstEndingAfter(first);
        int hi = lo;
        while (hi < r.size() && r.start(hi) <= last) {
            hi++;
        }
        r.beginEdit();
        r.clearBatch();
        long freed = 0;
        for (int i = lo; i < hi; i++) {
            long s = r.start(i);
            long e = r.end(i);
            long b = r.base(i);
            long v = r.value(i);
            r.append(s, first - s, b, v);
            long a = Math.max(s, first);
            long z = Math.min(e, last + 1);
            if (v == 1) {
                r.addToBatch(b + (a - s), z - a);
                freed += z - a;
            } else {
                r.append(a, z - a, b + (a - s), v - 1);
            }
            r.append(z, e - z, b + (z - s), v);
        }
        try {
            unpinner.unpin(r);
        } catch (RuntimeException e) {
            r.beginEdit();
            r.clearBatch();
            throw e;
        }
        r.splice(lo, hi);
        r.clearBatch();
        pinnedPages -= freed;
        giveBackIfEmpty();
        return freed;
    }

    /** True if every page of [first, last] is pinned. */
    boolean covers(long first, long last) {
        if (runs == null) {
            return false;
        }
        int i = runs.find(first);
        if (i < 0) {
            return false;
        }
        while (runs.end(i) <= last) {
            i++;
            if (i >= runs.size() || runs.start(i) != runs.end(i - 1)) {
                return false;
            }
        }
        return true;
    }

    /** The PFN of a pinned page index, or -1. */
    long pfnAt(long index) {
        int i = runs == null ? -1 : runs.find(index);
        return i < 0 ? -1 : runs.base(i) + (index - runs.start(i));
    }

    /**
     * Visits [first, last] (all pinned) as maximal physically contiguous runs, whatever their holder
     * counts — the batches the kernel hands to iommu_map.
     */
    void forEachContiguous(long first, long last, RunVisitor visitor) throws IommufdException {
        int i = runs == null ? -1 : runs.find(first);
        long cur = first;
        long runIndex = -1;
        long runPfn = 0;
        long runCount = 0;
        while (cur <= last) {
            if (i < 0 || i >= runs.size() || runs.start(i) > cur) {
                throw new IllegalStateException("page " + cur + " is not pinned");
            }
            long take = Math.min(runs.end(i), last + 1) - cur;
            long pfn = runs.base(i) + (cur - runs.start(i));
            if (runIndex >= 0 && runPfn + runCount == pfn) {
                runCount += take;
            } else {
                if (runIndex >= 0) {
                    visitor.run(runIndex, runPfn, runCount);
                }
                runIndex = cur;
                runPfn = pfn;
                runCount = take;
            }
            cur += take;
            i++;
        }
        if (runIndex >= 0) {
            visitor.run(runIndex, runPfn, runCount);
        }
    }

    private void giveBackIfEmpty() {
        if (runs != null && runs.size() == 0) {
            RunList r = runs;
            runs = null;
            cache.giveBack(r);
        }
    }
}
