package io.iommufdsim.core.device;

import io.iommufdsim.core.mem.MachineMemory;
import io.iommufdsim.spi.IommuPlatform;
import io.iommufdsim.spi.PhysicalMemory;
import io.iommufdsim.spi.TablePageAllocator;

/**
 * A machine's memory as drivers and the page-table engine see it: the physical memory and one pool
 * of table pages (the machine's {@link io.iommufdsim.core.mem.FrameAllocator}) behind both the
 * drivers' structures and the engine's page tables, so a leak shows in one counter.
 */
public final class MachinePlatform implements IommuPlatform {
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
        return memory.frames();
    }
}
