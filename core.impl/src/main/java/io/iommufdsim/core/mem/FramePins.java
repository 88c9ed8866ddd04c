package io.iommufdsim.core.mem;

import io.iommufdsim.api.IommufdException;

/**
 * The pin count of every physical frame (the FOLL_PIN count Linux keeps in the folio: the
 * GUP_PIN_COUNTING_BIAS part of the refcount, or _pincount for large folios), as a counting interval
 * map: maximal runs of consecutive PFNs with the same non-zero count, in a {@link RunList} (primitive
 * arrays, binary search). Pinning 1 GiB folio is one run; a batch of N frame runs
 * ({@link #pinBatch}, {@link #unpinBatch}) is sorted and swept against the map once, so it costs
 * O(N log N + runs in the batch's PFN span), never a step per page and never N splices.
 *
 * <p>Allocates nothing once its arrays have grown to the largest map and batch seen.
 *
 * <p>Thread safe (this object's lock, a leaf: it calls nothing while holding it except
 * {@link FaultInjection}).
 */
public final class FramePins {
    private final FaultInjection faults;
    private final RunList runs = new RunList();
    private final RunList.Cache holderRuns = new RunList.Cache();
    private long pinnedFrames;
    /** The batch being applied: first PFNs and end PFNs, each sorted on its own. */
    private long[] batchStart = new long[16];
    private long[] batchEnd = new long[16];

    public FramePins(FaultInjection faults) {
        this.faults = faults;
    }

    /**
     * Where the pin holders of this machine (each iopt_pages) borrow the run lists that record their
     * pinned pages, so a MAP after an UNMAP of the same size allocates nothing.
     */
    public RunList.Cache holderRuns() {
        return holderRuns;
    }

    /** Adds one pin to each of the {@code count} frames from {@code pfn}; ENOMEM only when injected. */
    public synchronized void pin(long pfn, long count) throws IommufdException {
        checkRange(pfn, count);
        faults.check(FaultInjection.Kind.PIN);
        batchStart[0] = pfn;
        batchEnd[0] = pfn + count;
        apply(1, 1);
    }

    /**
     * Adds one pin to each frame of every run of {@code batch}'s frame batch. The PIN failure point is
     * checked once per run, all before anything changes: an injected ENOMEM pins nothing.
     */
    public synchronized void pinBatch(RunList batch) throws IommufdException {
        int n = batch.batchSize();
        if (n == 0) {
            return;
        }
        for (int i = 0; i < n; i++) {
            checkRange(batch.batchPfn(i), batch.batchCount(i));
        }
        for (int i = 0; i < n; i++) {
            faults.check(FaultInjection.Kind.PIN);
        }
        load(batch);
        apply(n, 1);
    }

    /**
     * Drops one pin from each of the {@code count} frames from {@code pfn}. Unpinning a frame that
     * is not pinned is a bug of the caller (the kernel WARNs): it throws IllegalStateException and
     * changes nothing.
     */
    public synchronized void unpin(long pfn, long count) {
        checkRange(pfn, count);
        batchStart[0] = pfn;
        batchEnd[0] = pfn + count;
        apply(1, -1);
    }

    /** Drops one pin from each frame of every run of {@code batch}'s frame batch; as {@link #unpin}. */
    public synchronized void unpinBatch(RunList batch) {
        int n = batch.batchSize();
        if (n == 0) {
            return;
        }
        for (int i = 0; i < n; i++) {
            checkRange(batch.batchPfn(i), batch.batchCount(i));
        }
        load(batch);
        apply(n, -1);
    }

    /** The pin count of one frame. */
    public synchronized long pinCount(long pfn) {
        int i = runs.find(pfn);
        return i < 0 ? 0 : runs.value(i);
    }

    /** The lowest and highest pin count over {@code count} frames from {@code pfn}, as {@code {min, max}}. */
    public synchronized long[] minMax(long pfn, long count) {
        checkRange(pfn, count);
        long end = pfn + count;
        long min = Long.MAX_VALUE;
        long max = 0;
        long cur = pfn;
        int i = runs.firstEndingAfter(pfn);
        while (cur < end) {
            if (i >= runs.size() || runs.start(i) >= end) {
                min = 0; // a gap up to the end
                break;
            }
            if (runs.start(i) > cur) {
                min = 0; // a gap before this run
            }
            min = Math.min(min, runs.value(i));
            max = Math.max(max, runs.value(i));
            cur = runs.end(i);
            i++;
        }
        return new long[] {min, max};
    }

    /** Frames with a non-zero pin count. */
    public synchronized long pinnedFrames() {
        return pinnedFrames;
    }

    /** Number of runs in the map (tests check that adjacent equal runs merge). */
    public synchronized int runCount() {
        return runs.size();
    }

    private void load(RunList batch) {
        int n = batch.batchSize();
        if (batchStart.length < n) {
            int c = Math.max(n, batchStart.length * 2);
            batchStart = new long[c];
            batchEnd = new long[c];
        }
        for (int i = 0; i < n; i++) {
            long pfn = batch.batchPfn(i);
            batchStart[i] = pfn;
            batchEnd[i] = pfn + batch.batchCount(i);
        }
        LongSort.sort(batchStart, n);
        LongSort.sort(batchEnd, n);
    }

    /**
     * Adds {@code delta} (+1 or -1) for each batch interval to the count of every frame it covers: one
     * sweep over the batch's boundaries and the runs of its PFN span, written as an edit and spliced
     * once. A count that would go negative aborts before anything changed.
     */
    private void apply(int n, int delta) {
        long from = batchStart[0];
        long to = batchEnd[n - 1];
        int lo = runs.firstEndingAfter(from);
        int hi = lo;
        while (hi < runs.size() && runs.start(hi) < to) {
            hi++;
        }
        runs.beginEdit();
        if (lo < hi && runs.start(lo) < from) {
            runs.append(runs.start(lo), from - runs.start(lo), runs.start(lo), runs.value(lo));
        }
        long gained = 0;
        long lost = 0;
        long pos = from;
        int i = lo;
        int p = 0;
        int q = 0;
        long depth = 0;
        while (pos < to) {
            while (p < n && batchStart[p] == pos) {
                depth++;
                p++;
            }
            while (q < n && batchEnd[q] == pos) {
                depth--;
                q++;
            }
            while (i < hi && runs.end(i) <= pos) {
                i++;
            }
            boolean inRun = i < hi && runs.start(i) <= pos;
            long old = inRun ? runs.value(i) : 0;
            long next = to;
            if (p < n && batchStart[p] < next) {
                next = batchStart[p];
            }
            if (q < n && batchEnd[q] < next) {
                next = batchEnd[q];
            }
            if (i < hi) {
                long edge = inRun ? runs.end(i) : runs.start(i);
                if (edge < next) {
                    next = edge;
                }
            }
            long now = old + delta * depth;
            if (now < 0) {
                runs.beginEdit();
                throw new IllegalStateException("unpin of unpinned pfn 0x" + Long.toHexString(pos));
            }
            long len = next - pos;
            if (now > 0) {
                runs.append(pos, len, pos, now);
                if (old == 0) {
                    gained += len;
                }
            } else if (old > 0) {
                lost += len;
            }
            pos = next;
        }
        if (lo < hi && runs.end(hi - 1) > to) {
            runs.append(to, runs.end(hi - 1) - to, to, runs.value(hi - 1));
        }
        runs.splice(lo, hi);
        pinnedFrames += gained - lost;
    }

    private static void checkRange(long pfn, long count) {
        if (pfn < 0 || count <= 0 || pfn + count < pfn) {
            throw new IllegalArgumentException("pfn 0x" + Long.toHexString(pfn) + " count " + count);
        }
    }
}
