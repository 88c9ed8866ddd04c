package io.iommufdsim.core.ioas;

import io.iommufdsim.api.Errno;
import io.iommufdsim.api.IommufdException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * A selftest-like mock iommu_domain: records every leaf iommu_map would install (page size chosen by
 * {@link IommuPgsize}), can be told to fail the n-th leaf, and answers iova_to_phys.
 */
final class MockDomain implements IoptDomain {
    record Leaf(long iova, long paddr, long size, int prot) {
    }

    private final long pgsizeBitmap;
    private final long apertureStart;
    private final long apertureEnd;
    private final TreeMap<Long, Leaf> leaves = new TreeMap<>(Long::compareUnsigned);
    int mapCalls;
    private long failAtLeaf = -1;

    MockDomain(long pgsizeBitmap, long apertureStart, long apertureEnd) {
        this.pgsizeBitmap = pgsizeBitmap;
        this.apertureStart = apertureStart;
        this.apertureEnd = apertureEnd;
    }

    /** 4 KiB, 2 MiB and 1 GiB pages, the whole IOVA space. */
    static MockDomain x86() {
        return new MockDomain(4096L | (2L << 20) | (1L << 30), 0, -1L);
    }

    /** The {@code n}-th (from 1) next leaf fails with ENOMEM. */
    void failNthLeaf(long n) {
        failAtLeaf = n;
    }

    @Override
    public long pgsizeBitmap() {
        return pgsizeBitmap;
    }

    @Override
    public long apertureStart() {
        return apertureStart;
    }

    @Override
    public long apertureEnd() {
        return apertureEnd;
    }

    @Override
    public void map(long iova, long paddr, long size, int prot) throws IommufdException {
        mapCalls++;
        IommuPgsize.checkMapAlignment(pgsizeBitmap, iova, paddr, size);
        long mapped = 0;
        try {
            while (mapped != size) {
                long pgsize = IommuPgsize.pgsize(pgsizeBitmap, iova + mapped, paddr + mapped, size - mapped);
                long chunk = IommuPgsize.chunk(pgsizeBitmap, iova + mapped, paddr + mapped, size - mapped);
                for (long off = 0; off < chunk; off += pgsize) {
                    if (failAtLeaf > 0 && --failAtLeaf == 0) {
                        throw new IommufdException(Errno.ENOMEM);
                    }
                    long at = iova + mapped;
                    if (iovaToPhys(at) != -1) {
                        throw new IommufdException(Errno.EEXIST);
                    }
                    leaves.put(at, new Leaf(at, paddr + mapped, pgsize, prot));
                    mapped += pgsize;
                }
            }
        } catch (IommufdException e) {
            if (mapped != 0) {
                unmap(iova, mapped); // iommu_map unrolls what it mapped
            }
            throw e;
        }
    }

    @Override
    public long unmap(long iova, long size) {
        long last = iova + size - 1;
        long unmapped = 0;
        List<Long> gone = new ArrayList<>();
        for (Map.Entry<Long, Leaf> e : leaves.subMap(iova, true, last, true).entrySet()) {
            gone.add(e.getKey());
            unmapped += e.getValue().size();
        }
        for (Long k : gone) {
            leaves.remove(k);
        }
        return unmapped;
    }

    /** The physical address behind {@code iova}, or -1. */
    long iovaToPhys(long iova) {
        Map.Entry<Long, Leaf> e = leaves.floorEntry(iova);
        if (e == null || Long.compareUnsigned(iova - e.getKey(), e.getValue().size()) >= 0) {
            return -1;
        }
        return e.getValue().paddr() + (iova - e.getKey());
    }

    List<Leaf> leaves() {
        return new ArrayList<>(leaves.values());
    }

    long mappedBytes() {
        long sum = 0;
        for (Leaf l : leaves.values()) {
            sum += l.size();
        }
        return sum;
    }
}
