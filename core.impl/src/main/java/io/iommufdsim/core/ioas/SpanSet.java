package io.iommufdsim.core.ioas;

import java.util.Map;
import java.util.TreeMap;

/**
 * A set of IOVAs kept as maximal disjoint inclusive spans, touching spans merged (the union that the
 * kernel's interval_tree_span_iter walks, lib/interval_tree.c). Lookups are O(log n).
 */
final class SpanSet {
    private final TreeMap<Long, Long> spans = new TreeMap<>(Long::compareUnsigned);

    boolean isEmpty() {
        return spans.isEmpty();
    }

    void clear() {
        spans.clear();
    }

    /** Adds [start, last] to the set, merging with any span it overlaps or touches. */
    void add(long start, long last) {
        long s = start;
        long l = last;
        Map.Entry<Long, Long> before = spans.floorEntry(s);
        if (before != null && (Iova.ge(before.getValue(), s) || before.getValue() + 1 == s)) {
            s = before.getKey();
            l = Iova.max(l, before.getValue());
            spans.remove(before.getKey());
        }
        while (true) {
            Map.Entry<Long, Long> next = l == Iova.ULONG_MAX ? null : spans.ceilingEntry(s);
            if (next == null || Iova.gt(next.getKey(), l + 1)) {
                break;
            }
            l = Iova.max(l, next.getValue());
            spans.remove(next.getKey());
        }
        spans.put(s, l);
    }

    /** True if any address of [start, last] is in the set. */
    boolean intersects(long start, long last) {
        Map.Entry<Long, Long> e = spans.floorEntry(last);
        return e != null && Iova.ge(e.getValue(), start);
    }

    /**
     * The span holding the lowest address of the set that is ≥ {@code from} and ≤ {@code last}, clipped
     * on neither side; null if there is none. Returned as {start, last} in {@code out}.
     */
    boolean firstFrom(long from, long last, long[] out) {
        Map.Entry<Long, Long> e = spans.floorEntry(from);
        if (e == null || Iova.lt(e.getValue(), from)) {
            e = spans.higherEntry(from);
        }
        if (e == null || Iova.gt(e.getKey(), last)) {
            return false;
        }
        out[0] = e.getKey();
        out[1] = e.getValue();
        return true;
    }

    Iterable<Map.Entry<Long, Long>> spans() {
        return spans.entrySet();
    }
}
