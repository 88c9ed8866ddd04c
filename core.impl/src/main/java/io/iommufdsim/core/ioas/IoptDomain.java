package io.iommufdsim.core.ioas;

import io.iommufdsim.api.IommufdException;

/**
 * An iommu_domain as the io_pagetable sees it (include/linux/iommu.h: struct iommu_domain,
 * iommu_map/iommu_unmap). The io_pagetable keeps every domain of an IOAS identical: it maps each
 * physically contiguous run of an area with one {@link #map} call, and tears areas out with
 * {@link #unmap}.
 *
 * <p>Implementations split a run into pages with {@link IommuPgsize}, exactly as iommu_map does.
 */
public interface IoptDomain {
    /** IOMMU_READ: the device may read. */
    int IOMMU_READ = 1;
    /** IOMMU_WRITE: the device may write. */
    int IOMMU_WRITE = 1 << 1;
    /** IOMMU_CACHE: DMA is cache coherent (always set by iommufd, ioas.c: conv_iommu_prot). */
    int IOMMU_CACHE = 1 << 2;

    /** The page sizes the domain supports, one bit per size. */
    long pgsizeBitmap();

    /**
     * hwpt_paging->enforce_cache_coherency: the driver made this domain's DMA snoop the CPU caches
     * (iommufd_hwpt_paging_enforce_cc at allocation, or later for a device that needs it). False until a
     * driver enforced it, as in Linux; VFIO_CHECK_EXTENSION(VFIO_DMA_CC_IOMMU) reports it.
     */
    default boolean enforceCacheCoherency() {
        return false;
    }

    /** geometry.aperture_start: the lowest IOVA the domain can translate. */
    long apertureStart();

    /** geometry.aperture_end: the highest IOVA the domain can translate (inclusive). */
    long apertureEnd();

    /**
     * iommu_map: maps {@code size} bytes at {@code iova} to the physically contiguous range at
     * {@code paddr}. All or nothing: on failure nothing of this call stays mapped.
     */
    void map(long iova, long paddr, long size, int prot) throws IommufdException;

    /**
     * iommu_unmap: removes every translation in [iova, iova + size - 1] and returns the number of bytes
     * unmapped. The io_pagetable only unmaps exactly what it mapped, so this never fails.
     */
    long unmap(long iova, long size);
}
