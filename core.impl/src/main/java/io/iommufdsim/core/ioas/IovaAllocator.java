package io.iommufdsim.core.ioas;

import io.iommufdsim.api.Errno;
import io.iommufdsim.api.IommufdException;
import java.util.Map;

/**
 * Automatic IOVA placement for MAP, MAP_FILE and COPY without FIXED_IOVA (io_pagetable.c:
 * iopt_alloc_iova, __alloc_iova_check_range). Never returns IOVA 0 nor an address in the top page.
 */
final class IovaAllocator {
    private static final long WINDOW_START = Iova.PAGE_SIZE;
    private static final long WINDOW_LAST = Iova.ULONG_MAX - Iova.PAGE_SIZE;

    private final AreaTree areas;
    private final ReservedRanges reserved;
    private final AllowedRanges allowed;
    private final long[] usedReserved = new long[2];

    IovaAllocator(AreaTree areas, ReservedRanges reserved, AllowedRanges allowed) {
        this.areas = areas;
        this.reserved = reserved;
        this.allowed = allowed;
    }

    /**
     * The alignment iopt_alloc_iova derives from the source address: the largest power of two that both
     * the length (rounded up) and {@code addr} allow (the length alone when addr is 0), capped at
     * HPAGE_SIZE.
     */
    static long alignmentFor(long addr, long length) {
        long alignment = Iova.roundupPowOfTwo(length);
        if (addr != 0) {
            alignment = Iova.min(alignment, Long.lowestOneBit(addr));
        }
        if (Iova.ge(alignment, Iova.HPAGE_SIZE)) {
            alignment = Iova.HPAGE_SIZE;
        }
        return alignment;
    }

    /**
     * Finds a free IOVA for {@code length} bytes whose source starts at {@code addr}: EOVERFLOW for a
     * length of 0 or ≥ ULONG_MAX/2, EINVAL if the derived alignment is below the IOAS's
     * {@code iovaAlignment}, ENOSPC if no hole fits.
     */
    long alloc(long addr, long length, long iovaAlignment) throws IommufdException {
        if (length == 0 || Iova.ge(length, Iova.ULONG_MAX >>> 1)) {
            throw new IommufdException(Errno.EOVERFLOW);
        }
        long alignment = alignmentFor(addr, length);
        if (Iova.lt(alignment, iovaAlignment)) {
            throw new IommufdException(Errno.EINVAL);
        }
        long pageOffset = Iova.pageOffset(addr);
        if (allowed.isEmpty()) {
            long found = allocInAllowed(WINDOW_START, WINDOW_LAST, length, alignment, pageOffset);
            if (found != -1) {
                return found;
            }
            throw new IommufdException(Errno.ENOSPC);
        }
        for (Map.Entry<Long, Long> span : allowed.spans().spans()) {
            long start = Iova.max(span.getKey(), WINDOW_START);
            long last = Iova.min(span.getValue(), WINDOW_LAST);
            if (Iova.gt(start, last)) {
                continue;
            }
            long found = allocInAllowed(start, last, length, alignment, pageOffset);
            if (found != -1) {
                return found;
            }
        }
        throw new IommufdException(Errno.ENOSPC);
    }

    /** One allowed span: a quick check that the span itself can hold the length, then its holes. */
    private long allocInAllowed(long start, long last, long length, long alignment, long pageOffset) {
        if (fits(start, last, length, alignment, pageOffset) == -1) {
            return -1;
        }
        return allocInWindow(start, last, length, alignment, pageOffset);
    }

    /**
     * Walks the holes of (reserved ∪ areas) inside [start, last] in ascending order (the kernel's
     * interval_tree_double_span_iter) and returns the first fitting IOVA, or -1.
     */
    private long allocInWindow(long start, long last, long length, long alignment, long pageOffset) {
        long cur = start;
        while (true) {
            boolean haveReserved = reserved.union().firstFrom(cur, last, usedReserved);
            Area area = areas.first(cur, last);
            long usedStart;
            long usedLast;
            if (area == null && !haveReserved) {
                return fits(cur, last, length, alignment, pageOffset);
            }
            if (area == null || haveReserved && Iova.lt(usedReserved[0], area.iova())) {
                usedStart = usedReserved[0];
                usedLast = usedReserved[1];
            } else {
                usedStart = area.iova();
                usedLast = area.last();
            }
            if (Iova.gt(usedStart, cur)) {
                long found = fits(cur, usedStart - 1, length, alignment, pageOffset);
                if (found != -1) {
                    return found;
                }
            }
            if (Iova.ge(usedLast, last)) {
                return -1;
            }
            cur = Iova.max(cur, usedLast + 1);
        }
    }

    /**
     * __alloc_iova_check_range: the aligned start of a hole [start, last] with the source's in-page
     * offset, if {@code length} bytes fit there; -1 otherwise. (-1 is never a valid answer: it is in the
     * top page, which is never allocated.)
     */
    static long fits(long start, long last, long length, long alignment, long pageOffset) {
        if (Iova.addOverflows(start, alignment - 1)) {
            return -1;
        }
        long aligned = ((start + alignment - 1) & -alignment) | pageOffset;
        if (Iova.ge(aligned, last) || Iova.lt(last - aligned, length - 1)) {
            return -1;
        }
        return aligned;
    }
}
