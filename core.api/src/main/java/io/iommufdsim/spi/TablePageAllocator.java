package io.iommufdsim.spi;

import io.iommufdsim.api.IommufdException;
import org.osgi.annotation.versioning.ProviderType;

/**
 * Where a driver gets the pages of its hardware translation structures (VT-d root, context and
 * PASID tables; SMMUv3 stream tables; AMD device tables): zeroed, 4 KiB aligned frames of the
 * machine's {@link PhysicalMemory} (the role of iommu_alloc_pages_node_sz / iommu_free_pages).
 * The same allocator backs the core's page tables, so every table page of a machine comes from one
 * pool and a leak shows in one counter.
 */
@ProviderType
public interface TablePageAllocator {
    /** A zeroed, 4 KiB aligned frame; {@link io.iommufdsim.api.Errno#ENOMEM} when none is left. */
    long allocateTablePage() throws IommufdException;

    /** Gives back a frame from {@link #allocateTablePage()}; its content is discarded. */
    void freeTablePage(long physicalAddress);
}
