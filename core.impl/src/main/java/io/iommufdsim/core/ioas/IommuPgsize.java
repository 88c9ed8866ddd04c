package io.iommufdsim.core.ioas;

import io.iommufdsim.api.Errno;
import io.iommufdsim.api.IommufdException;

/**
 * The IOMMU core's choice of page size for one step of a map or unmap (drivers/iommu/iommu.c:
 * iommu_pgsize, __iommu_map). A domain's map of a physically contiguous run walks the run with
 * {@link #pgsize} / {@link #chunk}: each step maps {@code chunk / pgsize} pages of one size. The page-table
 * engine uses the same class so that every format splits runs identically.
 */
public final class IommuPgsize {
    private IommuPgsize() {
    }

    /** 1 << __ffs(pgsize_bitmap): the smallest page the domain supports. */
    public static long minPageSize(long pgsizeBitmap) {
        return Long.lowestOneBit(pgsizeBitmap);
    }

    /**
     * __iommu_map's precondition: iova, paddr and size are multiples of the smallest page, and size is
     * not zero.
     */
    public static void checkMapAlignment(long pgsizeBitmap, long iova, long paddr, long size)
            throws IommufdException {
        long min = minPageSize(pgsizeBitmap);
        if (min == 0 || size == 0 || ((iova | paddr | size) & (min - 1)) != 0) {
            throw new IommufdException(Errno.EINVAL);
        }
    }

    /**
     * iommu_pgsize: the largest page size of the bitmap that is not larger than {@code size} and to
     * which {@code iova | paddr} is aligned.
     */
    public static long pgsize(long pgsizeBitmap, long iova, long paddr, long size) {
        long addrMerge = iova | paddr;
        // GENMASK(__fls(size), 0)
        long pgsizes = pgsizeBitmap & upToBit(63 - Long.numberOfLeadingZeros(size));
        if (addrMerge != 0) {
            pgsizes &= upToBit(Long.numberOfTrailingZeros(addrMerge));
        }
        return Long.highestOneBit(pgsizes);
    }

    /**
     * iommu_pgsize's count times the page size: how many bytes to map with {@link #pgsize} in this step.
     * When the next larger page size is congruent (iova ≡ paddr modulo it) and the run reaches past the
     * next boundary of that size, the step stops at the boundary so that the following step can use the
     * larger page.
     */
    public static long chunk(long pgsizeBitmap, long iova, long paddr, long size) {
        long pgsize = pgsize(pgsizeBitmap, iova, paddr, size);
        if (pgsize == 0) {
            return 0;
        }
        long larger = pgsizeBitmap & ~(pgsize | (pgsize - 1));
        if (larger != 0) {
            long next = Long.lowestOneBit(larger);
            if (((iova ^ paddr) & (next - 1)) == 0) {
                long offset = next - ((iova | paddr) & (next - 1));
                // offset + next <= size, computed without overflow
                if (Long.compareUnsigned(offset, size) <= 0
                        && Long.compareUnsigned(next, size - offset) <= 0) {
                    size = offset;
                }
            }
        }
        return size - Long.remainderUnsigned(size, pgsize);
    }

    private static long upToBit(int bit) {
        return bit >= 63 ? -1L : (1L << (bit + 1)) - 1;
    }
}
