package io.iommufdsim.bench;

import io.iommufdsim.api.IommufdException;
import io.iommufdsim.core.mem.FrameAllocator;
import io.iommufdsim.core.pt.TablePageAllocator;

/**
 * Table pages for a bare {@link io.iommufdsim.core.pt.PageTable} (the engine benchmarks) from a
 * {@link FrameAllocator}'s table region, as the machine gives them to a paging domain: a freed table
 * page goes on the allocator's free list with its frame storage kept, and comes back zeroed, so after
 * the first map of a range the tables of later maps cost no Java allocation.
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
