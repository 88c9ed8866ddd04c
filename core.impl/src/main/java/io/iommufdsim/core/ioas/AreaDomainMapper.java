package io.iommufdsim.core.ioas;

import io.iommufdsim.api.IommufdException;

/**
 * Maps one area into one domain, a physically contiguous run per call (pages.c: batch_to_domain, and
 * batch_iommu_map_small when huge pages are disabled). The first run starts at the area's in-page
 * offset; the last run ends at the area's last byte. On failure everything this mapper mapped is
 * unmapped again before the exception leaves.
 */
final class AreaDomainMapper implements PinnedRuns.RunVisitor {
    private final Area area;
    private final IoptDomain domain;
    private final boolean smallPagesOnly;
    private long iova;
    private long remaining;
    private long pageOffset;

    private AreaDomainMapper(Area area, IoptDomain domain, boolean smallPagesOnly) {
        this.area = area;
        this.domain = domain;
        this.smallPagesOnly = smallPagesOnly;
        this.iova = area.iova();
        this.remaining = area.length();
        this.pageOffset = area.pageOffset();
    }

    /** Maps the whole area (whose pages are pinned) into {@code domain}; all or nothing. */
    static void map(Area area, IoptDomain domain, boolean smallPagesOnly) throws IommufdException {
        AreaDomainMapper mapper = new AreaDomainMapper(area, domain, smallPagesOnly);
        try {
            area.source().forEachContiguous(area.index(), area.lastIndex(), mapper);
        } catch (IommufdException | RuntimeException e) {
            long mapped = mapper.iova - area.iova();
            if (mapped != 0) {
                domain.unmap(area.iova(), mapped);
            }
            throw e;
        }
    }

    @Override
    public void run(long index, long pfn, long count) throws IommufdException {
        long paddr = (pfn << Iova.PAGE_SHIFT) + pageOffset;
        long size = Iova.min(remaining, (count << Iova.PAGE_SHIFT) - pageOffset);
        if (smallPagesOnly) {
            // batch_iommu_map_small: every PAGE_SIZE by its own iommu_map (VFIO type1 compatible)
            long done = 0;
            try {
                while (done != size) {
                    domain.map(iova + done, paddr + done, Iova.PAGE_SIZE, area.iommuProt());
                    done += Iova.PAGE_SIZE;
                }
            } finally {
                iova += done;
            }
        } else {
            domain.map(iova, paddr, size, area.iommuProt());
            iova += size;
        }
        remaining -= size;
        pageOffset = 0;
    }
}
