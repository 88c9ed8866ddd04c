package io.iommufdsim.core.ioas;

import io.iommufdsim.api.IommufdException;
import java.util.Map;
import java.util.TreeMap;

/**
 * The pinned pages of one {@link IoptPages}: a counting interval map from page index to (pfn, users).
 * A page index is pinned exactly once however many holders need it (an area filled into the IOAS's
 * domains, an access pin range), and unpinned when its last holder goes — the kernel's pinned_pfns
 * xarray plus its domains_itree/access_itree (pages.c header comment), kept here as runs: each run is a
 * block of consecutive indices with one holder count and physically contiguous PFNs, so the cost of
 * every operation is per run, never per page.
 */
final class PinnedRuns {
    /** A run of pinned pages: indices [start, start + count), PFNs [pfn, pfn + count). */
    static final class Run {
        long start;
        long count;
        long pfn;
        int users;

        Run(long start, long count, long pfn, int users) {
            this.start = start;
            this.count = count;
            this.pfn = pfn;
            this.users = users;
        }

        long end() {
            return start + count;
        }
    }

    /** Pins the pages of a gap and hands each pinned run to {@link PinnedRuns#insertPinned}, ascending. */
    interface GapFiller {
        void fill(long index, long count, PinnedRuns target) throws IommufdException;
    }

    /** Releases a run of pinned frames (FramePins.unpin). */
    interface Unpinner {
        void unpin(long pfn, long count);
    }

    /** Receives maximal physically contiguous runs of a range. */
    interface RunVisitor {
        void run(long index, long pfn, long count) throws IommufdException;
    }

    private final TreeMap<Long, Run> runs = new TreeMap<>();
    private long pinnedPages;
    /** During {@link #acquire}: the end of the prefix that has been taken so far. */
    private long doneEnd;

    /** iopt_pages::npinned: pages pinned now. */
    long pinnedPages() {
        return pinnedPages;
    }

    int runCount() {
        return runs.size();
    }

    /**
     * Takes one hold on every page of [first, last], pinning the pages that had none through
     * {@code filler}. Returns how many pages were newly pinned. On failure every hold taken by this call
     * is dropped again (pins included) and the exception is rethrown.
     */
    long acquire(long first, long last, GapFiller filler, Unpinner unpinner) throws IommufdException {
        long before = pinnedPages;
        long cur = first;
        doneEnd = first;
        try {
            while (cur <= last) {
                Run r = containing(cur);
                if (r != null) {
                    r = splitAt(r, cur);
                    if (r.end() > last + 1) {
                        splitAt(r, last + 1);
                    }
                    r.users++;
                    cur = r.end();
                    doneEnd = cur;
                } else {
                    Map.Entry<Long, Run> next = runs.higherEntry(cur);
                    long gapEnd = next == null ? last + 1 : Math.min(next.getKey(), last + 1);
                    filler.fill(cur, gapEnd - cur, this);
                    if (doneEnd != gapEnd) {
                        throw new IllegalStateException("pin source left a hole at page " + doneEnd);
                    }
                    cur = gapEnd;
                }
            }
        } catch (IommufdException | RuntimeException e) {
            if (doneEnd > first) {
                release(first, doneEnd - 1, unpinner);
            }
            throw e;
        }
        mergeAround(first, last);
        return pinnedPages - before;
    }

    /** Records a run a {@link GapFiller} has just pinned, with one holder. */
    void insertPinned(long index, long pfn, long count) {
        if (index != doneEnd) {
            throw new IllegalStateException("pin source reported page " + index + ", expected " + doneEnd);
        }
        runs.put(index, new Run(index, count, pfn, 1));
        pinnedPages += count;
        doneEnd = index + count;
    }

    /**
     * Drops one hold on every page of [first, last] (which must all be held); pages left without holders
     * are unpinned. Returns how many pages were unpinned.
     */
    long release(long first, long last, Unpinner unpinner) {
        long before = pinnedPages;
        long cur = first;
        while (cur <= last) {
            Run r = containing(cur);
            if (r == null) {
                throw new IllegalStateException("release of unpinned page " + cur);
            }
            r = splitAt(r, cur);
            if (r.end() > last + 1) {
                splitAt(r, last + 1);
            }
            cur = r.end();
            if (--r.users == 0) {
                runs.remove(r.start);
                pinnedPages -= r.count;
                unpinner.unpin(r.pfn, r.count);
            }
        }
        mergeAround(first, last);
        return before - pinnedPages;
    }

    /** True if every page of [first, last] is pinned. */
    boolean covers(long first, long last) {
        long cur = first;
        while (cur <= last) {
            Run r = containing(cur);
            if (r == null) {
                return false;
            }
            cur = r.end();
        }
        return true;
    }

    /** The PFN of a pinned page index, or -1. */
    long pfnAt(long index) {
        Run r = containing(index);
        return r == null ? -1 : r.pfn + (index - r.start);
    }

    /**
     * Visits [first, last] (all pinned) as maximal physically contiguous runs, whatever their holder
     * counts — the batches the kernel hands to iommu_map.
     */
    void forEachContiguous(long first, long last, RunVisitor visitor) throws IommufdException {
        long cur = first;
        long runIndex = -1;
        long runPfn = 0;
        long runCount = 0;
        while (cur <= last) {
            Run r = containing(cur);
            if (r == null) {
                throw new IllegalStateException("page " + cur + " is not pinned");
            }
            long take = Math.min(r.end(), last + 1) - cur;
            long pfn = r.pfn + (cur - r.start);
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
        }
        if (runIndex >= 0) {
            visitor.run(runIndex, runPfn, runCount);
        }
    }

    private Run containing(long index) {
        Map.Entry<Long, Run> e = runs.floorEntry(index);
        if (e == null || e.getValue().end() <= index) {
            return null;
        }
        return e.getValue();
    }

    /** Splits {@code r} so that a run starts at {@code at}; returns that run. */
    private Run splitAt(Run r, long at) {
        if (at == r.start) {
            return r;
        }
        long head = at - r.start;
        Run tail = new Run(at, r.count - head, r.pfn + head, r.users);
        r.count = head;
        runs.put(at, tail);
        return tail;
    }

    /** Merges neighbouring runs of equal holders and contiguous PFNs from just before first to just after last. */
    private void mergeAround(long first, long last) {
        Map.Entry<Long, Run> e = runs.floorEntry(first > 0 ? first - 1 : 0);
        if (e == null) {
            e = runs.ceilingEntry(first);
        }
        Run prev = null;
        while (e != null) {
            Run r = e.getValue();
            if (prev != null && prev.end() == r.start && prev.pfn + prev.count == r.pfn
                    && prev.users == r.users) {
                prev.count += r.count;
                runs.remove(r.start);
            } else {
                if (r.start > last + 1) {
                    break;
                }
                prev = r;
            }
            e = runs.higherEntry(prev.start);
        }
    }
}
