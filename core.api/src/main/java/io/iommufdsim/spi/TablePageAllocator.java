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

    /**
     * {@code 2^order} zeroed frames, physically contiguous and aligned to their total size, for a
     * structure the hardware indexes as one array larger than 4 KiB (iommu_alloc_pages_node_sz with a
     * size above SZ_4K; e.g. the VT-d PASID directory of a device with PASIDs wider than 15 bits,
     * intel/pasid.c intel_pasid_alloc_table). Order 0 is {@link #allocateTablePage()}.
     * {@link io.iommufdsim.api.Errno#ENOMEM} when no such run is left. This default can hand out
     * order 0 only, as an allocator without contiguous memory would; the machine's allocator
     * overrides it.
     */
    default long allocateTablePages(int order) throws IommufdException {
        if (order == 0) {
            return allocateTablePage();
        }
        throw new IommufdException(io.iommufdsim.api.Errno.ENOMEM);
    }

    /** Gives back the run of {@link #allocateTablePages}({@code order}) that starts at {@code physicalAddress}. */
    default void freeTablePages(long physicalAddress, int order) {
        for (long i = 0; i < (1L << order); i++) {
            freeTablePage(physicalAddress + (i << PhysicalMemory.PAGE_SHIFT));
        }
    }
}
