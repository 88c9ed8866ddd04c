package io.iommufdsim.driver.vtd;

import io.iommufdsim.api.IommufdException;
import io.iommufdsim.spi.PhysicalMemory;
import io.iommufdsim.spi.TablePageAllocator;

import java.util.Arrays;

/**
 * The writes and page allocations of one attach, kept until it succeeds, so that a failure undoes
 * them in reverse order in one place and leaves the unit's structures as they were.
 */
final class StructureWrites {
    private final PhysicalMemory memory;
    private final TablePageAllocator pages;
    private long[] oldWords = new long[16]; // pairs: address, previous value
    private int writes;
    private long[] allocations = new long[8]; // pairs: address, order
    private int allocated;

    StructureWrites(PhysicalMemory memory, TablePageAllocator pages) {
        this.memory = memory;
        this.pages = pages;
    }

    long allocate(int order) throws IommufdException {
        long pa = pages.allocateTablePages(order);
        if (allocated * 2 == allocations.length) {
            allocations = Arrays.copyOf(allocations, allocations.length * 2);
        }
        allocations[allocated * 2] = pa;
        allocations[allocated * 2 + 1] = order;
        allocated++;
        return pa;
    }

    void write(long address, long value) {
        if (writes * 2 == oldWords.length) {
            oldWords = Arrays.copyOf(oldWords, oldWords.length * 2);
        }
        oldWords[writes * 2] = address;
        oldWords[writes * 2 + 1] = memory.readLong(address);
        writes++;
        memory.writeLong(address, value);
    }

    /** Restores every word written and frees every page allocated, newest first. */
    void undo() {
        for (int i = writes - 1; i >= 0; i--) {
            memory.writeLong(oldWords[i * 2], oldWords[i * 2 + 1]);
        }
        for (int i = allocated - 1; i >= 0; i--) {
            pages.freeTablePages(allocations[i * 2], (int) allocations[i * 2 + 1]);
        }
        writes = 0;
        allocated = 0;
    }
}
