package io.iommufdsim.core.mem;

import java.util.Arrays;

/**
 * Sorted, non-overlapping runs of consecutive indices, kept as parallel primitive arrays: run i
 * covers {@code [start(i), start(i) + length(i))}, maps index {@code start(i) + k} to
 * {@code base(i) + k} (a PFN, or the index itself), and carries a count {@code value(i)}. The
 * counting interval maps of pinning ({@link FramePins}, and the per-iopt_pages pinned runs of
 * core.ioas) are algorithms over this.
 *
 * <p>Lookups are binary searches (O(log runs)). Changes are edits: a caller writes the new content of
 * a block of runs into the scratch columns ({@link #beginEdit()}, {@link #append}), and
 * {@link #splice} replaces the block with it in one {@code System.arraycopy} of the tail, merging the
 * seams. So an operation that touches k runs costs O(log n + k + the tail moved), whatever the number
 * of pages, and an edit of N runs in one call is one splice, not N. Capacity doubles when it must
 * grow and never shrinks: once a list has held n runs it holds n runs again without allocating
 * ({@link Cache} carries that capacity from one owner to the next).
 *
 * <p>Not thread safe: the owner's lock guards it.
 */
public final class RunList {
    private long[] start;
    private long[] length;
    private long[] base;
    private long[] value;
    private int size;

    private long[] editStart;
    private long[] editLength;
    private long[] editBase;
    private long[] editValue;
    private int editSize;

    private long[] batchPfn;
    private long[] batchCount;
    private int batchSize;

    public RunList() {
        this(16);
    }

    public RunList(int capacity) {
        int c = Math.max(4, capacity);
        start = new long[c];
        length = new long[c];
        base = new long[c];
        value = new long[c];
        editStart = new long[c];
        editLength = new long[c];
        editBase = new long[c];
        editValue = new long[c];
        batchPfn = new long[c];
        batchCount = new long[c];
    }

    public int size() {
        return size;
    }

    public long start(int i) {
        return start[i];
    }

    public long length(int i) {
        return length[i];
    }

    /** One past the last index of run i. */
    public long end(int i) {
        return start[i] + length[i];
    }

    public long base(int i) {
        return base[i];
    }

    public long value(int i) {
        return value[i];
    }

    /** The run holding {@code index}, or -1. */
    public int find(long index) {
        int i = lastStartingAtOrBefore(index);
        return i >= 0 && end(i) > index ? i : -1;
    }

    /** The last run whose start is at most {@code index}, or -1. */
    public int lastStartingAtOrBefore(long index) {
        int lo = 0;
        int hi = size - 1;
        while (lo <= hi) {
            int mid = (lo + hi) >>> 1;
            if (start[mid] <= index) {
                lo = mid + 1;
            } else {
                hi = mid - 1;
            }
        }
        return hi;
    }

    /** The first run that ends after {@code index} (holds it or lies above it); {@link #size()} if none. */
    public int firstEndingAfter(long index) {
        int i = lastStartingAtOrBefore(index);
        if (i < 0) {
            return 0;
        }
        return end(i) > index ? i : i + 1;
    }

    /** Starts an edit: empties the scratch columns. */
    public void beginEdit() {
        editSize = 0;
    }

    /** Runs written since {@link #beginEdit()} (after merging). */
    public int editSize() {
        return editSize;
    }

    public long editStart(int i) {
        return editStart[i];
    }

    public long editLength(int i) {
        return editLength[i];
    }

    public long editBase(int i) {
        return editBase[i];
    }

    public long editValue(int i) {
        return editValue[i];
    }

    /**
     * Appends a run to the scratch columns, ascending; it merges into the previous one when the indices
     * and bases both continue it and the values are equal. Empty runs are ignored.
     */
    public void append(long runStart, long runLength, long runBase, long runValue) {
        if (runLength <= 0) {
            return;
        }
        int p = editSize - 1;
        if (p >= 0 && editStart[p] + editLength[p] == runStart && editBase[p] + editLength[p] == runBase
                && editValue[p] == runValue) {
            editLength[p] += runLength;
            return;
        }
        if (editSize == editStart.length) {
            int c = editSize * 2;
            editStart = Arrays.copyOf(editStart, c);
            editLength = Arrays.copyOf(editLength, c);
            editBase = Arrays.copyOf(editBase, c);
            editValue = Arrays.copyOf(editValue, c);
        }
        editStart[editSize] = runStart;
        editLength[editSize] = runLength;
        editBase[editSize] = runBase;
        editValue[editSize] = runValue;
        editSize++;
    }

    /**
     * Replaces runs {@code [from, to)} by the scratch runs, merging each seam whose neighbours continue
     * each other with equal values. The scratch runs must fit between run {@code from - 1} and run
     * {@code to} without overlapping them.
     */
    public void splice(int from, int to) {
        int first = 0;
        int last = editSize; // exclusive
        int hi = to;
        if (from > 0 && first < last && continues(from - 1, editStart[first], editBase[first], editValue[first])) {
            length[from - 1] += editLength[first];
            first++;
        }
        if (hi < size) {
            if (first < last) {
                int e = last - 1;
                if (editStart[e] + editLength[e] == start[hi] && editBase[e] + editLength[e] == base[hi]
                        && editValue[e] == value[hi]) {
                    editLength[e] += length[hi];
                    hi++;
                }
            } else if (from > 0 && continues(from - 1, start[hi], base[hi], value[hi])) {
                length[from - 1] += length[hi];
                hi++;
            }
        }
        int count = last - first;
        int newSize = size - (hi - from) + count;
        ensureCapacity(newSize);
        int tail = size - hi;
        if (tail > 0 && hi != from + count) {
            System.arraycopy(start, hi, start, from + count, tail);
            System.arraycopy(length, hi, length, from + count, tail);
            System.arraycopy(base, hi, base, from + count, tail);
            System.arraycopy(value, hi, value, from + count, tail);
        }
        System.arraycopy(editStart, first, start, from, count);
        System.arraycopy(editLength, first, length, from, count);
        System.arraycopy(editBase, first, base, from, count);
        System.arraycopy(editValue, first, value, from, count);
        size = newSize;
        editSize = 0;
    }

    /** Forgets every run and the batch (capacity stays). */
    public void clear() {
        size = 0;
        editSize = 0;
        batchSize = 0;
    }

    /** Empties the frame batch: the frame runs an edit pins or unpins, handed to {@link FramePins} at once. */
    public void clearBatch() {
        batchSize = 0;
    }

    /** Adds {@code count} frames from {@code pfn} to the batch (merged with the previous run if it continues it). */
    public void addToBatch(long pfn, long count) {
        int p = batchSize - 1;
        if (p >= 0 && batchPfn[p] + batchCount[p] == pfn) {
            batchCount[p] += count;
            return;
        }
        if (batchSize == batchPfn.length) {
            batchPfn = Arrays.copyOf(batchPfn, batchSize * 2);
            batchCount = Arrays.copyOf(batchCount, batchSize * 2);
        }
        batchPfn[batchSize] = pfn;
        batchCount[batchSize] = count;
        batchSize++;
    }

    public int batchSize() {
        return batchSize;
    }

    public long batchPfn(int i) {
        return batchPfn[i];
    }

    public long batchCount(int i) {
        return batchCount[i];
    }

    private boolean continues(int i, long nextStart, long nextBase, long nextValue) {
        return start[i] + length[i] == nextStart && base[i] + length[i] == nextBase && value[i] == nextValue;
    }

    private void ensureCapacity(int n) {
        if (n <= start.length) {
            return;
        }
        int c = Math.max(n, start.length * 2);
        start = Arrays.copyOf(start, c);
        length = Arrays.copyOf(length, c);
        base = Arrays.copyOf(base, c);
        value = Arrays.copyOf(value, c);
    }

    /**
     * Lends run lists to owners that come and go (each iopt_pages of a MAP), so that a list grown to
     * n runs serves the next owner without allocating: a slab cache in the kernel's sense. Keeps at most
     * {@link #KEEP} idle lists, the largest. Thread safe.
     */
    public static final class Cache {
        static final int KEEP = 8;
        private final RunList[] idle = new RunList[KEEP];
        private int idleCount;

        /** An empty list, reused if one is idle. */
        public synchronized RunList borrow() {
            if (idleCount == 0) {
                return new RunList();
            }
            RunList l = idle[--idleCount];
            idle[idleCount] = null;
            return l;
        }

        /** Takes back an (emptied) list; when full, drops the smallest of the idle lists and it. */
        public synchronized void giveBack(RunList list) {
            list.clear();
            if (idleCount < KEEP) {
                idle[idleCount++] = list;
                return;
            }
            int smallest = 0;
            for (int i = 1; i < KEEP; i++) {
                if (idle[i].start.length < idle[smallest].start.length) {
                    smallest = i;
                }
            }
            if (idle[smallest].start.length < list.start.length) {
                idle[smallest] = list;
            }
        }

        /** Idle lists held (tests). */
        public synchronized int idleCount() {
            return idleCount;
        }
    }
}
