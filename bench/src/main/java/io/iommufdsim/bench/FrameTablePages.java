package io.iommufdsim.bench;

import io.iommufdsim.api.IommufdException;
import io.iommufdsim.core.mem.FrameAllocator;
import io.iommufdsim.core.pt.TablePageAllocator;

/**
 * Table pages for a {@link io.iommufdsim.core.pt.PageTable} from the machine's {@link FrameAllocator}
 * (its table region), so the benchmarks pay what a simulated domain pays: a fresh PFN per table page,
 * whose content the sparse memory creates on first write and discards on free.
 */
final class FrameTablePages implements TablePageAllocator {
    private final FrameAllocator frames;

    FrameTablePages(FrameAllocator frames) {
        this.frames = frames;
    }

    @Override
    public long allocateZeroedPage() {
        try {
            return frames.allocateTablePage();
        } catch (IommufdException e) {
            return NO_MEMORY;
        }
    }

    @Override
    public void freePage(long physicalAddress) {
        frames.freeTablePage(physicalAddress);
    }
}
