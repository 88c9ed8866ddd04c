package io.iommufdsim.core.ioas;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.iommufdsim.api.Backing;
import io.iommufdsim.api.IommufdException;
import io.iommufdsim.core.mem.FrameAllocator;
import io.iommufdsim.core.pt.IotlbGather;
import io.iommufdsim.core.pt.PageTable;
import io.iommufdsim.spi.TablePageAllocator;
import io.iommufdsim.spi.PageTableFormat;
import io.iommufdsim.spi.PageTableLevel;
import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * STYLE "The hot path": IOMMU_IOAS_MAP and IOMMU_IOAS_UNMAP allocate nothing per page or per run. Each
 * test maps and unmaps 1 GiB through the ioctl path into an IOAS with a real page-table domain (table
 * pages from the machine's FrameAllocator), twice, and counts the bytes the second cycle allocates on
 * this thread (com.sun.management.ThreadMXBean, as the bench's AllocationProbe does). The first cycle
 * grows every array to its working size; the second must stay below a constant that is far less than
 * one byte per page.
 */
class MapUnmapAllocationTest {
    private static final long GIB = 1L << 30;
    private static final long IOVA = 16L << 30;
    /** Per call: the ioctl struct images, the area, the iopt_pages, the mapper and such; not per page. */
    private static final long SECOND_CYCLE_LIMIT = 64 * 1024;

    @Test
    void mapAndUnmapOfAGibibyteOfScatteredPagesAllocateNothingPerPage() throws Exception {
        Cycles c = new Cycles(Backing.FOUR_K);
        assertEquals(262144, c.domain.mapCalls, "every 4 KiB page is a run of its own");
        c.assertSecondCycleAllocatesAlmostNothing();
    }

    @Test
    void mapAndUnmapOfAGibibyteOfThpAllocateNothingPerRun() throws Exception {
        Cycles c = new Cycles(Backing.THP);
        assertEquals(512, c.domain.mapCalls, "every 2 MiB folio is a run of its own");
        c.assertSecondCycleAllocatesAlmostNothing();
    }

    @Test
    void pageTableMapAndUnmapReuseTheirTablePages() throws Exception {
        com.sun.management.ThreadMXBean bean = allocationCounter();
        IoasHarness h = new IoasHarness();
        FrameAllocator pages = h.memory.frames();
        PageTable table = new PageTable(format(), h.memory.physical(), pages);
        table.restrictPageSizes(4096);
        IotlbGather gather = new IotlbGather();
        long base = h.memory.frames().allocateContiguous(1L << 18) << 12;
        long[] bytes = new long[2];
        long[] tables = new long[2];
        for (int cycle = 0; cycle < 2; cycle++) {
            long before = bean.getCurrentThreadAllocatedBytes();
            table.map(IOVA, base, GIB, IoptDomain.IOMMU_READ | IoptDomain.IOMMU_WRITE, gather);
            gather.sync(pages);
            assertEquals(GIB, table.unmap(IOVA, GIB, gather));
            gather.sync(pages);
            bytes[cycle] = bean.getCurrentThreadAllocatedBytes() - before;
            tables[cycle] = table.tablePageCount();
        }
        assertTrue(bytes[0] > 512 * 4096, "the first map creates the content of 512 leaf tables: " + bytes[0]);
        assertTrue(bytes[1] < 1024, "the second map and unmap reuse the table pages: " + bytes[1] + " B");
        assertEquals(tables[0], tables[1]);
        assertEquals(tables[0], h.memory.frames().liveTablePages());
    }

    /** An IOAS with one page-table domain and 1 GiB of memory of one backing, faulted in top down. */
    private static final class Cycles {
        final IoasHarness h = new IoasHarness();
        final PageTableDomain domain;
        final int ioas;
        final long va;
        final long[] bytes = new long[2];

        Cycles(Backing backing) throws IommufdException {
            com.sun.management.ThreadMXBean bean = allocationCounter();
            ioas = h.ioasAlloc();
            FrameAllocator pages = h.memory.frames();
            domain = new PageTableDomain(new PageTable(format(), h.memory.physical(), pages), pages);
            h.ioas(ioas).iopt().addDomain(domain);
            va = h.mmap(GIB, backing);
            // Top down, so no two folios are physically adjacent; zeros create no frame content.
            long step = backing == Backing.THP ? 2L << 20 : 4096;
            byte[] zero = {0};
            for (long off = GIB - step; off >= 0; off -= step) {
                h.main.write(va + off, zero);
            }
            for (int cycle = 0; cycle < 2; cycle++) {
                if (cycle == 1) {
                    domain.mapCalls = 0;
                }
                long before = bean.getCurrentThreadAllocatedBytes();
                h.mapFixed(ioas, va, GIB, IOVA);
                assertEquals(GIB, h.unmap(ioas, IOVA, GIB));
                bytes[cycle] = bean.getCurrentThreadAllocatedBytes() - before;
                assertEquals(0, h.pinnedFrames());
                assertEquals(h.memory.frames().liveTablePages(), domain.table.tablePageCount());
            }
        }

        void assertSecondCycleAllocatesAlmostNothing() {
            assertTrue(bytes[1] < SECOND_CYCLE_LIMIT, "map + unmap of 1 GiB allocated " + bytes[1]
                    + " B the second time (first time " + bytes[0] + " B)");
        }
    }

    private static com.sun.management.ThreadMXBean allocationCounter() {
        java.lang.management.ThreadMXBean bean = ManagementFactory.getThreadMXBean();
        assumeTrue(bean instanceof com.sun.management.ThreadMXBean, "no per-thread allocation counter");
        com.sun.management.ThreadMXBean b = (com.sun.management.ThreadMXBean) bean;
        assumeTrue(b.isThreadAllocatedMemorySupported() && b.isThreadAllocatedMemoryEnabled());
        return b;
    }

    /** A 4-level, 48-bit format shaped like the VT-d second stage: R and W bits, PS marks 2 MiB and 1 GiB leaves. */
    static PageTableFormat format() {
        long r = 1;
        long w = 2;
        long ps = 1L << 7;
        long oa = ((1L << 52) - 1) & -(1L << 12);
        List<PageTableLevel> levels = new ArrayList<>();
        levels.add(PageTableLevel.builder(12, 9).pageSizes(1L << 12).present(r | w, 0)
                .kinds(0, 0, PageTableLevel.KIND_LEAF).leaf(oa, 0).leafPermissions(r, r, w, w).build());
        for (int l = 1; l < 4; l++) {
            int shift = 12 + 9 * l;
            PageTableLevel.Builder b = PageTableLevel.builder(shift, 9).present(r | w, 0).table(oa, r | w)
                    .tablePermissions(r, r, w, w);
            if (l <= 2) {
                b.pageSizes(1L << shift).kinds(7, 1, PageTableLevel.KIND_TABLE, PageTableLevel.KIND_LEAF)
                        .leaf(oa & -(1L << shift), ps).leafPermissions(r, r, w, w);
            } else {
                b.kinds(7, 1, PageTableLevel.KIND_TABLE, PageTableLevel.KIND_INVALID);
            }
            levels.add(b.build());
        }
        return new PageTableFormat("test-vtd-like-4", levels, 48, false, 52,
                (iommuProt, features) -> ((iommuProt & IoptDomain.IOMMU_READ) != 0 ? r : 0)
                        | ((iommuProt & IoptDomain.IOMMU_WRITE) != 0 ? w : 0), null);
    }

    /** An iommu_domain over one PageTable: iommu_map / iommu_unmap, each followed by its IOTLB sync. */
    private static final class PageTableDomain implements IoptDomain {
        final PageTable table;
        private final TablePageAllocator pages;
        private final IotlbGather gather = new IotlbGather();
        long mapCalls;

        PageTableDomain(PageTable table, TablePageAllocator pages) {
            this.table = table;
            this.pages = pages;
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
            return (1L << 48) - 1;
        }

        @Override
        public void map(long iova, long paddr, long size, int prot) throws IommufdException {
            mapCalls++;
            try {
                table.map(iova, paddr, size, prot, gather);
            } finally {
                gather.sync(pages);
            }
        }

        @Override
        public long unmap(long iova, long size) {
            long n = table.unmap(iova, size, gather);
            gather.sync(pages);
            return n;
        }
    }
}
