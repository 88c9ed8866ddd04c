package io.iommufdsim.core.ioas;

import java.util.ArrayList;
import java.util.List;

/**
 * The reserved IOVA ranges of an io_pagetable (io_pagetable.c: iopt_reserve_iova,
 * iopt_remove_reserved_iova). Each range has an owner (a domain's aperture complement, a device's
 * reserved regions, a test) and goes away with it; ranges of different owners may overlap. The union is
 * kept merged so that an intersection test is O(log n).
 */
final class ReservedRanges {
    /** One reservation: an inclusive range and the object that made it. */
    record Reserved(long start, long last, Object owner) {
    }

    private final List<Reserved> entries = new ArrayList<>();
    private final SpanSet union = new SpanSet();

    void add(long start, long last, Object owner) {
        entries.add(new Reserved(start, last, owner));
        union.add(start, last);
    }

    /** Removes every range of {@code owner}; returns whether any was removed. */
    boolean removeOwner(Object owner) {
        boolean removed = entries.removeIf(r -> r.owner() == owner);
        if (removed) {
            union.clear();
            for (Reserved r : entries) {
                union.add(r.start(), r.last());
            }
        }
        return removed;
    }

    boolean intersects(long start, long last) {
        return union.intersects(start, last);
    }

    SpanSet union() {
        return union;
    }
}
