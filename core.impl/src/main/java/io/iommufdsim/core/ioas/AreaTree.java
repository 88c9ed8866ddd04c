package io.iommufdsim.core.ioas;

import java.util.Collection;
import java.util.Map;
import java.util.TreeMap;

/**
 * The areas of an io_pagetable (area_itree): non-overlapping, ordered by IOVA (unsigned), each lookup
 * O(log n).
 */
final class AreaTree {
    private final TreeMap<Long, Area> byIova = new TreeMap<>(Long::compareUnsigned);

    boolean isEmpty() {
        return byIova.isEmpty();
    }

    int size() {
        return byIova.size();
    }

    void insert(Area area) {
        byIova.put(area.iova(), area);
    }

    void remove(Area area) {
        byIova.remove(area.iova(), area);
    }

    /** iopt_area_iter_first: the lowest area intersecting [start, last], or null. */
    Area first(long start, long last) {
        Map.Entry<Long, Area> e = byIova.floorEntry(start);
        if (e != null && Iova.ge(e.getValue().last(), start)) {
            return e.getValue();
        }
        e = byIova.higherEntry(start);
        if (e != null && Iova.le(e.getKey(), last)) {
            return e.getValue();
        }
        return null;
    }

    /** iopt_area_iter_next: the area after {@code area} if it still starts at or before {@code last}. */
    Area next(Area area, long last) {
        if (area.last() == Iova.ULONG_MAX) {
            return null;
        }
        Map.Entry<Long, Area> e = byIova.higherEntry(area.iova());
        if (e != null && Iova.le(e.getKey(), last)) {
            return e.getValue();
        }
        return null;
    }

    /** The area holding {@code iova}, or null. */
    Area containing(long iova) {
        Map.Entry<Long, Area> e = byIova.floorEntry(iova);
        if (e != null && Iova.ge(e.getValue().last(), iova)) {
            return e.getValue();
        }
        return null;
    }

    Collection<Area> all() {
        return byIova.values();
    }
}
