package io.iommufdsim.ptcontract;

import io.iommufdsim.api.Errno;
import io.iommufdsim.api.IommufdException;
import io.iommufdsim.spi.TablePageAllocator;
import java.util.Arrays;

/**
 * A table-page allocator for tests over a {@link SparseMemory}: frames from a base address upwards,
 * freed frames reused last-in first-out, an optional limit that makes allocation fail, and counters
 * that let a test prove nothing leaked or was freed twice.
 */
public final class TestPageAllocator implements TablePageAllocator {
    private final SparseMemory memory;
    private long next;
    private long[] free = new long[64];
    private int freeCount;
    private long inUse;
    private long limit = Long.MAX_VALUE;

    public TestPageAllocator(SparseMemory memory, long base) {
        this.memory = memory;
        this.next = base;
    }

    /** Allocation fails once {@code pages} frames are in use. */
    public void limitInUse(long pages) {
        limit = pages;
    }

    public long inUse() {
        return inUse;
    }

    @Override
    public long allocateTablePage() throws IommufdException {
        if (inUse >= limit) {
            throw new IommufdException(Errno.ENOMEM);
        }
        long pa;
        if (freeCount > 0) {
            pa = free[--freeCount];
            memory.zeroFrame(pa);
        } else {
            pa = next;
            next += SparseMemory.PAGE_SIZE;
        }
        inUse++;
        return pa;
    }

    @Override
    public void freeTablePage(long physicalAddress) {
        if ((physicalAddress & (SparseMemory.PAGE_SIZE - 1)) != 0 || physicalAddress >= next) {
            throw new IllegalStateException("freeing a frame never allocated: 0x" + Long.toHexString(physicalAddress));
        }
        for (int i = 0; i < freeCount; i++) {
            if (free[i] == physicalAddress) {
                throw new IllegalStateException("double free of 0x" + Long.toHexString(physicalAddress));
            }
        }
        if (freeCount == free.length) {
            free = Arrays.copyOf(free, freeCount * 2);
        }
        free[freeCount++] = physicalAddress;
        inUse--;
    }
}
