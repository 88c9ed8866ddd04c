package io.iommufdsim.core.mem;

/**
 * An in-place sort of a {@code long[]} prefix that never allocates (java.util.Arrays.sort may allocate a
 * merge buffer as large as the array): already ascending is O(n), descending is reversed in O(n), anything
 * else is heapsorted in O(n log n). Pin batches are nearly always one of the first two: frames are handed
 * out in ascending order, and a range is pinned in page order.
 */
final class LongSort {
    private LongSort() {
    }

    static void sort(long[] a, int n) {
        boolean ascending = true;
        boolean descending = true;
        for (int i = 1; i < n && (ascending || descending); i++) {
            ascending &= a[i - 1] <= a[i];
            descending &= a[i - 1] >= a[i];
        }
        if (ascending) {
            return;
        }
        if (descending) {
            for (int i = 0, j = n - 1; i < j; i++, j--) {
                long t = a[i];
                a[i] = a[j];
                a[j] = t;
            }
            return;
        }
        for (int i = n / 2 - 1; i >= 0; i--) {
            siftDown(a, i, n);
        }
        for (int end = n - 1; end > 0; end--) {
            long t = a[0];
            a[0] = a[end];
            a[end] = t;
            siftDown(a, 0, end);
        }
    }

    private static void siftDown(long[] a, int i, int n) {
        long v = a[i];
        while (true) {
            int c = 2 * i + 1;
            if (c >= n) {
                break;
            }
            if (c + 1 < n && a[c + 1] > a[c]) {
                c++;
            }
            if (a[c] <= v) {
                break;
            }
            a[i] = a[c];
            i = c;
        }
        a[i] = v;
    }
}
