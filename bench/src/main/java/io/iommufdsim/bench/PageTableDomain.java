package io.iommufdsim.bench;

import io.iommufdsim.api.IommufdException;
import io.iommufdsim.core.ioas.IoptDomain;
import io.iommufdsim.core.pt.IotlbGather;
import io.iommufdsim.core.pt.PageTable;
import io.iommufdsim.core.pt.TablePageAllocator;

/**
 * A paging domain for the IOAS benchmarks: an {@link IoptDomain} over one {@link PageTable}, as the
 * domain adapter of core will be (iommu_map / iommu_unmap, each followed by its IOTLB sync). It counts
 * map calls so a benchmark can prove how many physically contiguous runs the IOAS handed it.
 * Bench-local because core has no such adapter yet.
 */
final class PageTableDomain implements IoptDomain {
    private final PageTable table;
    private final TablePageAllocator tablePages;
    private final IotlbGather gather = new IotlbGather();
    private final long apertureEnd;
    long mapCalls;

    PageTableDomain(PageTable table, TablePageAllocator tablePages) {
        this.table = table;
        this.tablePages = tablePages;
        this.apertureEnd = (1L << table.format().vaBits()) - 1;
    }

    PageTable table() {
        return table;
    }

    @Override
    public long pgsizeBitmap() {
        return table.pageSizeBitmap();
    }

    @Override
    public long apertureStart() {
        return 0;
    }

    @Override
    public long apertureEnd() {
        return apertureEnd;
    }

    @Override
    public void map(long iova, long paddr, long size, int prot) throws IommufdException {
        mapCalls++;
        try {
            table.map(iova, paddr, size, prot, gather);
        } finally {
            gather.sync(tablePages); // iommu_iotlb_sync: a failed map's freed tables go back too
        }
    }

    @Override
    public long unmap(long iova, long size) {
        long n = table.unmap(iova, size, gather);
        gather.sync(tablePages);
        return n;
    }
}
