package io.iommufdsim.core.pt;

import io.iommufdsim.spi.TablePageAllocator;

/**
 * What one map or unmap call leaves for the IOTLB: a single IOVA range to invalidate (merged, as
 * Linux iommu_iotlb_gather_add_range) and the table pages unlinked from the tree, which may be
 * freed only after that invalidation (a walk cache may still point into them; Linux keeps them on
 * iotlb_gather.freelist until iommu_iotlb_sync). Reused across calls, so it allocates only when its
 * page list must grow.
 */
public final class IotlbGather {
    private long start;
    private long last;
    private boolean empty = true;
    private long[] freedPages = new long[8];
    private int freedCount;

    /** Adds {@code [rangeStart, rangeLast]} (inclusive) to the range to invalidate. */
    public void addRange(long rangeStart, long rangeLast) {
        if (empty) {
            start = rangeStart;
            last = rangeLast;
            empty = false;
            return;
        }
        if (Long.compareUnsigned(rangeStart, start) < 0) {
            start = rangeStart;
        }
        if (Long.compareUnsigned(rangeLast, last) > 0) {
            last = rangeLast;
        }
    }

    void addFreedPage(long pa) {
        if (freedCount == freedPages.length) {
            freedPages = java.util.Arrays.copyOf(freedPages, freedCount * 2);
        }
        freedPages[freedCount++] = pa;
    }

    /** Whether nothing needs invalidating. */
    public boolean isEmpty() {
        return empty;
    }

    /** First IOVA to invalidate; meaningful when not {@link #isEmpty()}. */
    public long start() {
        return start;
    }

    /** Last IOVA (inclusive) to invalidate; meaningful when not {@link #isEmpty()}. */
    public long last() {
        return last;
    }

    /** Table pages waiting for the invalidation before they can be freed. */
    public int freedPageCount() {
        return freedCount;
    }

    public long freedPage(int i) {
        if (i < 0 || i >= freedCount) {
            throw new IndexOutOfBoundsException(i);
        }
        return freedPages[i];
    }

    /**
     * Frees the unlinked table pages into {@code allocator} and empties the gather: call once the
     * IOTLB range has been invalidated (iommu_iotlb_sync).
     */
    public void sync(TablePageAllocator allocator) {
        for (int i = 0; i < freedCount; i++) {
            allocator.freeTablePage(freedPages[i]);
        }
        reset();
    }

    /** Forgets the range and the page list without freeing anything. */
    public void reset() {
        freedCount = 0;
        empty = true;
        start = 0;
        last = 0;
    }
}
