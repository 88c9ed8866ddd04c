package io.iommufdsim.core.mem;

import io.iommufdsim.api.IommufdException;
import java.util.Map;
import java.util.TreeMap;

/**
 * The pin count of every physical frame (the FOLL_PIN count Linux keeps in the folio: the
 * GUP_PIN_COUNTING_BIAS part of the refcount, or _pincount for large folios), as a counting interval
 * map: maximal runs of consecutive PFNs with the same non-zero count. Pinning, unpinning and
 * {@link #minMax} cost O(runs touched · log runs), never a step per page, so pinning a 1 GiB folio
 * is one run.
 *
 * <p>Thread safe (this object's lock, a leaf: it calls nothing while holding it except
 * {@link FaultInjection}).
 */
public final class FramePins {
    private static final class Run {
        final long start;
        long end; // exclusive
        long pins;

        Run(long start, long end, long pins) {
            this.start = start;
            this.end = end;
            this.pins = pins;
        }
    }

    private final FaultInjection faults;
    private final TreeMap<Long, Run> runs = new TreeMap<>();
    private long pinnedFrames;

    public FramePins(FaultInjection faults) {
        this.faults = faults;
    }

    /** Adds one pin to each of the {@code count} frames from {@code pfn}; ENOMEM only when injected. */
    public synchronized void pin(long pfn, long count) throws IommufdException {
        checkRange(pfn, count);
        faults.check(FaultInjection.Kind.PIN);
        long end = pfn + count;
        splitAt(pfn);
        splitAt(end);
        long cur = pfn;
        while (cur < end) {
            Map.Entry<Long, Run> e = runs.ceilingEntry(cur);
            if (e == null || e.getKey() >= end) {
                runs.put(cur, new Run(cur, end, 1));
                pinnedFrames += end - cur;
                cur = end;
            } else if (e.getKey() > cur) {
                runs.put(cur, new Run(cur, e.getKey(), 1));
                pinnedFrames += e.getKey() - cur;
                cur = e.getKey();
            } else {
                Run r = e.getValue();
                r.pins++;
                cur = r.end;
            }
        }
        mergeBetween(pfn, end);
    }

    /**
     * Drops one pin from each of the {@code count} frames from {@code pfn}. Unpinning a frame that
     * is not pinned is a bug of the caller (the kernel WARNs): it throws IllegalStateException and
     * changes nothing.
     */
    public synchronized void unpin(long pfn, long count) {
        checkRange(pfn, count);
        long end = pfn + count;
        long cur = pfn;
        while (cur < end) {
            Map.Entry<Long, Run> e = runs.floorEntry(cur);
            if (e == null || e.getValue().end <= cur) {
                throw new IllegalStateException("unpin of unpinned pfn 0x" + Long.toHexString(cur));
            }
            cur = e.getValue().end;
        }
        splitAt(pfn);
        splitAt(end);
        cur = pfn;
        while (cur < end) {
            Run r = runs.get(cur);
            cur = r.end;
            if (--r.pins == 0) {
                runs.remove(r.start);
                pinnedFrames -= r.end - r.start;
            }
        }
        mergeBetween(pfn, end);
    }

    /** The pin count of one frame. */
    public synchronized long pinCount(long pfn) {
        Map.Entry<Long, Run> e = runs.floorEntry(pfn);
        return e != null && e.getValue().end > pfn ? e.getValue().pins : 0;
    }

    /** The lowest and highest pin count over {@code count} frames from {@code pfn}, as {@code {min, max}}. */
    public synchronized long[] minMax(long pfn, long count) {
        checkRange(pfn, count);
        long end = pfn + count;
        long min = Long.MAX_VALUE;
        long max = 0;
        long cur = pfn;
        Map.Entry<Long, Run> e = runs.floorEntry(pfn);
        if (e == null || e.getValue().end <= pfn) {
            e = runs.higherEntry(pfn);
        }
        while (cur < end) {
            if (e == null || e.getKey() >= end) {
                min = 0; // a gap up to the end
                break;
            }
            Run r = e.getValue();
            if (r.start > cur) {
                min = 0; // a gap before this run
            }
            min = Math.min(min, r.pins);
            max = Math.max(max, r.pins);
            cur = r.end;
            e = runs.higherEntry(r.start);
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

    private void splitAt(long x) {
        Map.Entry<Long, Run> e = runs.floorEntry(x);
        if (e == null) {
            return;
        }
        Run r = e.getValue();
        if (r.start < x && x < r.end) {
            runs.put(x, new Run(x, r.end, r.pins));
            r.end = x;
        }
    }

    /** Merges equal adjacent runs from the run before {@code start} through the run at {@code end}. */
    private void mergeBetween(long start, long end) {
        Map.Entry<Long, Run> e = runs.lowerEntry(start);
        if (e == null) {
            e = runs.ceilingEntry(start);
        }
        while (e != null && e.getKey() <= end) {
            Run a = e.getValue();
            Map.Entry<Long, Run> next = runs.higherEntry(a.start);
            if (next == null) {
                return;
            }
            Run b = next.getValue();
            if (a.end == b.start && a.pins == b.pins) {
                a.end = b.end;
                runs.remove(b.start);
            } else {
                e = next;
            }
        }
    }

    private static void checkRange(long pfn, long count) {
        if (pfn < 0 || count <= 0 || pfn + count < pfn) {
            throw new IllegalArgumentException("pfn 0x" + Long.toHexString(pfn) + " count " + count);
        }
    }
}
