package io.iommufdsim.driver.vtd;

import io.iommufdsim.api.Errno;
import io.iommufdsim.api.IommufdException;
import io.iommufdsim.ptcontract.SparseMemory;
import io.iommufdsim.spi.IommuPlatform;
import io.iommufdsim.spi.PhysicalMemory;
import io.iommufdsim.spi.TablePageAllocator;

import java.util.HashSet;
import java.util.Set;

/**
 * A platform for driver tests: sparse memory and a bump allocator of naturally aligned runs that
 * counts the frames in use, refuses double frees and can be made to fail after a number of frames.
 */
final class VtdTestPlatform implements IommuPlatform, TablePageAllocator {
    private final SparseMemory memory = new SparseMemory();
    private final Set<Long> live = new HashSet<>();
    private long next = 0x1000_0000L;
    private long limit = Long.MAX_VALUE;

    @Override
    public PhysicalMemory memory() {
        return memory;
    }

    @Override
    public TablePageAllocator tablePages() {
        return this;
    }

    /** Allocation fails with ENOMEM once {@code frames} frames are in use. */
    void limitInUse(long frames) {
        limit = frames;
    }

    long inUse() {
        return live.size();
    }

    @Override
    public long allocateTablePage() throws IommufdException {
        return allocateTablePages(0);
    }

    @Override
    public long allocateTablePages(int order) throws IommufdException {
        long n = 1L << order;
        if (live.size() + n > limit) {
            throw new IommufdException(Errno.ENOMEM);
        }
        long size = n << PhysicalMemory.PAGE_SHIFT;
        long pa = (next + size - 1) & -size;
        next = pa + size;
        for (long i = 0; i < n; i++) {
            live.add(pa + (i << PhysicalMemory.PAGE_SHIFT));
        }
        return pa;
    }

    @Override
    public void freeTablePage(long physicalAddress) {
        if (!live.remove(physicalAddress)) {
            throw new IllegalStateException("not a live table page: 0x" + Long.toHexString(physicalAddress));
        }
        memory.zeroFrame(physicalAddress);
    }
}
