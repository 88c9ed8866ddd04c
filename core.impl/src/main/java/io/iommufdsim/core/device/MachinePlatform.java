package io.iommufdsim.core.device;

import io.iommufdsim.api.IommufdException;
import io.iommufdsim.core.mem.MachineMemory;
import io.iommufdsim.spi.IommuPlatform;
import io.iommufdsim.spi.PhysicalMemory;
import io.iommufdsim.spi.TablePageAllocator;

/**
 * A machine's memory as drivers and the page-table engine see it: the physical memory and one pool
 * of table pages ({@link io.iommufdsim.core.mem.FrameAllocator#allocateTablePage}) behind both the
 * SPI's allocator (driver structures) and the engine's (page tables).
 */
public final class MachinePlatform implements IommuPlatform, TablePageAllocator,
        io.iommufdsim.core.pt.TablePageAllocator {
    private final MachineMemory memory;

    public MachinePlatform(MachineMemory memory) {
        this.memory = memory;
    }

    @Override
    public PhysicalMemory memory() {
        return memory.physical();
    }

    @Override
    public TablePageAllocator tablePages() {
        return this;
    }

    @Override
    public long allocateTablePage() throws IommufdException {
        return memory.frames().allocateTablePage();
    }

    @Override
    public void freeTablePage(long physicalAddress) {
        memory.frames().freeTablePage(physicalAddress);
    }

    @Override
    public long allocateTablePages(int order) throws IommufdException {
        return memory.frames().allocateTablePages(order);
    }

    @Override
    public void freeTablePages(long physicalAddress, int order) {
        for (long i = 0; i < (1L << order); i++) {
            memory.frames().freeTablePage(physicalAddress + (i << PhysicalMemory.PAGE_SHIFT));
        }
    }

    /** The engine's allocator: the same pool, with ENOMEM as {@code NO_MEMORY}. */
    @Override
    public long allocateZeroedPage() {
        try {
            return memory.frames().allocateTablePage();
        } catch (IommufdException e) {
            return io.iommufdsim.core.pt.TablePageAllocator.NO_MEMORY;
        }
    }

    @Override
    public void freePage(long physicalAddress) {
        memory.frames().freeTablePage(physicalAddress);
    }
}
