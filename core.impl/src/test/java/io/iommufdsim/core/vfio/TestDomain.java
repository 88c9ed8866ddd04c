package io.iommufdsim.core.vfio;

import io.iommufdsim.core.ioas.IoptDomain;
import java.util.Map;
import java.util.TreeMap;

/** An iommu_domain that records what is mapped, with a chosen page-size bitmap and coherency. */
final class TestDomain implements IoptDomain {
    private final long pgsizeBitmap;
    private final boolean enforceCacheCoherency;
    /** iova → {paddr, size, prot} of each map call. */
    private final TreeMap<Long, long[]> mapped = new TreeMap<>(Long::compareUnsigned);

    TestDomain(long pgsizeBitmap, boolean enforceCacheCoherency) {
        this.pgsizeBitmap = pgsizeBitmap;
        this.enforceCacheCoherency = enforceCacheCoherency;
    }

    @Override
    public long pgsizeBitmap() {
        return pgsizeBitmap;
    }

    @Override
    public boolean enforceCacheCoherency() {
        return enforceCacheCoherency;
    }

    @Override
    public long apertureStart() {
        return 0;
    }

    @Override
    public long apertureEnd() {
        return -1L;
    }

    @Override
    public void map(long iova, long paddr, long size, int prot) {
        mapped.put(iova, new long[] {paddr, size, prot});
    }

    @Override
    public long unmap(long iova, long size) {
        long bytes = 0;
        Map<Long, long[]> range = mapped.subMap(iova, true, iova + size - 1, true);
        for (long[] run : range.values()) {
            bytes += run[1];
        }
        range.clear();
        return bytes;
    }

    long mappedBytes() {
        return mapped.values().stream().mapToLong(r -> r[1]).sum();
    }

    /** The prot of the run mapped at {@code iova}, or -1. */
    int protAt(long iova) {
        long[] run = mapped.get(iova);
        return run == null ? -1 : (int) run[2];
    }
}
