package io.iommufdsim.core.pt;

/**
 * Where page tables get their pages: 4 KiB frames of the simulated physical memory, zeroed,
 * 4 KiB aligned (the role of iommu_alloc_pages_node_sz / iommu_free_pages in Linux).
 */
public interface TablePageAllocator {
    /** Returned by {@link #allocateZeroedPage()} when memory is exhausted. */
    long NO_MEMORY = -1L;

    /** A zeroed, page-aligned frame, or {@link #NO_MEMORY}. */
    long allocateZeroedPage();

    /** Gives back a frame from {@link #allocateZeroedPage()}. */
    void freePage(long physicalAddress);
}
