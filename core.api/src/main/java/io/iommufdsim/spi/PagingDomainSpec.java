package io.iommufdsim.spi;

/**
 * The driver's choice for a paging domain (what intel_iommu_domain_alloc_paging_flags,
 * arm_smmu_domain_alloc_paging_flags, amd_iommu_domain_alloc_paging_flags decide): the table format
 * the core's engine will build in physical memory, the page sizes the hardware allows in it, the
 * aperture, and the {@link PageTableFeatures} the format's codec gets on every map.
 *
 * @param format         the table format (levels, widths, codec); its tables are allocated by the core
 * @param pageSizeBitmap the domain's pgsize_bitmap: the format's page sizes trimmed to what the
 *                       hardware supports (VT-d: SLLPS / FL1GP); must include the format's smallest
 *                       page size, which must not exceed 4 KiB
 * @param apertureStart  geometry.aperture_start; the IOAS reserves [0, apertureStart - 1]
 * @param apertureEnd    geometry.aperture_end (inclusive); the IOAS reserves [apertureEnd + 1, U64_MAX]
 * @param features       {@link PageTableFeatures} bits (FORCE_COHERENCE when the unit enforces snooping
 *                       through leaves, FORCE_WRITEABLE for a VT-d nest parent, DIRTY_TRACKING)
 */
public record PagingDomainSpec(PageTableFormat format, long pageSizeBitmap, long apertureStart, long apertureEnd,
        int features) {
    public PagingDomainSpec {
        if (format == null) {
            throw new IllegalArgumentException("format is null");
        }
        long smallest = Long.lowestOneBit(format.pageSizeBitmap());
        if ((pageSizeBitmap & ~format.pageSizeBitmap()) != 0 || (pageSizeBitmap & smallest) == 0
                || smallest > PhysicalMemory.PAGE_SIZE) {
            throw new IllegalArgumentException("page sizes 0x" + Long.toHexString(pageSizeBitmap) + " for " + format);
        }
        if (Long.compareUnsigned(apertureStart, apertureEnd) > 0
                || Long.compareUnsigned(apertureEnd, format.apertureLast()) > 0) {
            throw new IllegalArgumentException("aperture for " + format);
        }
    }
}
