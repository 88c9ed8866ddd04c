package io.iommufdsim.core.ioas;

import io.iommufdsim.api.Errno;
import io.iommufdsim.api.IommufdException;

/**
 * The IOVA ranges userspace allowed with IOMMU_IOAS_ALLOW_IOVAS (ioas.c: iommufd_ioas_load_iovas,
 * io_pagetable.c: iopt_set_allow_iova): non-overlapping inclusive ranges. Empty means "no promise".
 */
final class AllowedRanges {
    private SpanSet spans = new SpanSet();

    boolean isEmpty() {
        return spans.isEmpty();
    }

    boolean intersects(long start, long last) {
        return spans.intersects(start, last);
    }

    SpanSet spans() {
        return spans;
    }

    void replace(SpanSet newSpans) {
        spans = newSpans;
    }

    /**
     * Adds one user range to a list being loaded, as iommufd_ioas_load_iovas checks it: start &lt; last
     * (so a one-byte range is refused), and no overlap with an earlier range of the same list (EINVAL).
     */
    static void loadOne(SpanSet set, long start, long last) throws IommufdException {
        if (Iova.ge(start, last) || set.intersects(start, last)) {
            throw new IommufdException(Errno.EINVAL);
        }
        set.add(start, last);
    }
}
