package io.iommufdsim.core.ioas;

import static io.iommufdsim.api.uapi.IoctlCommand.IOMMU_IOAS_COPY;
import static io.iommufdsim.core.ioas.IoasHarness.FIXED;
import static io.iommufdsim.core.ioas.IoasHarness.PAGE;
import static io.iommufdsim.core.ioas.IoasHarness.READABLE;
import static io.iommufdsim.core.ioas.IoasHarness.WRITEABLE;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

import io.iommufdsim.api.Errno;
import io.iommufdsim.api.IommufdException;
import io.iommufdsim.api.SimProcess;
import io.iommufdsim.api.Backing;
import java.util.List;
import org.junit.jupiter.api.Test;

/** IOMMU_IOAS_COPY (reference §3.7; io_pagetable.c: iopt_get_pages, iopt_map_pages). */
class IoasCopyTest {
    private static final long RW = READABLE | WRITEABLE;
    private final IoasHarness h = new IoasHarness();
    private final int src = h.ioasAlloc();
    private final int dst = h.ioasAlloc();
    private final long buffer = h.mmap(64 * PAGE);

    IoasCopyTest() throws IommufdException {
    }

    @Test
    void flagsLengthAndPermissionAreCheckedBeforeTheIoasIds() throws Exception {
        h.fails(Errno.EOPNOTSUPP, IOMMU_IOAS_COPY, "dst_ioas_id", 99, "src_ioas_id", 99, "flags", 8 | RW,
                "length", PAGE);
        h.fails(Errno.EOVERFLOW, IOMMU_IOAS_COPY, "dst_ioas_id", 99, "src_ioas_id", 99, "flags", RW,
                "length", -1L);
        h.fails(Errno.EOVERFLOW, IOMMU_IOAS_COPY, "dst_ioas_id", 99, "src_ioas_id", 99, "flags", RW,
                "length", PAGE, "src_iova", -1L);
        h.fails(Errno.EOVERFLOW, IOMMU_IOAS_COPY, "dst_ioas_id", 99, "src_ioas_id", 99, "flags", RW,
                "length", PAGE, "dst_iova", -1L);
        h.fails(Errno.EINVAL, IOMMU_IOAS_COPY, "dst_ioas_id", 99, "src_ioas_id", 99, "length", PAGE);
        h.fails(Errno.ENOENT, IOMMU_IOAS_COPY, "dst_ioas_id", dst, "src_ioas_id", 99, "flags", RW,
                "length", PAGE);
    }

    @Test
    void theSourceRangeIsCheckedBeforeTheDestinationIoas() throws Exception {
        h.mapFixed(src, buffer, 4 * PAGE, 16 * PAGE);
        h.fails(Errno.EINVAL, IOMMU_IOAS_COPY, "dst_ioas_id", 99, "src_ioas_id", src, "flags", RW,
                "length", 0, "src_iova", 16 * PAGE);
        h.fails(Errno.EOVERFLOW, IOMMU_IOAS_COPY, "dst_ioas_id", 99, "src_ioas_id", src, "flags", RW,
                "length", 4 * PAGE, "src_iova", -2 * PAGE);
        h.fails(Errno.ENOENT, IOMMU_IOAS_COPY, "dst_ioas_id", 99, "src_ioas_id", src, "flags", RW,
                "length", 8 * PAGE, "src_iova", 16 * PAGE);
        h.fails(Errno.ENOENT, IOMMU_IOAS_COPY, "dst_ioas_id", 99, "src_ioas_id", src, "flags", RW,
                "length", PAGE, "src_iova", 16 * PAGE);
        assertEquals(0, h.ioas(dst).iopt().areaCount());
    }

    @Test
    void aHoleBetweenSourceAreasFailsWithEnoent() throws Exception {
        h.mapFixed(src, buffer, 4 * PAGE, 16 * PAGE);
        h.mapFixed(src, buffer, 4 * PAGE, 21 * PAGE);
        h.fails(Errno.ENOENT, IOMMU_IOAS_COPY, "dst_ioas_id", dst, "src_ioas_id", src, "flags", RW,
                "length", 9 * PAGE, "src_iova", 16 * PAGE);
        assertEquals(0, h.ioas(dst).iopt().areaCount());
    }

    @Test
    void anySubRangeAtAnyByteOffsetCanBeCopied() throws Exception {
        // copy_sweep: 2 KiB pieces at 511-byte steps over back-to-back areas
        h.mapFixed(src, buffer, 4 * PAGE, 16 * PAGE);
        h.mapFixed(src, buffer + 4 * PAGE, 4 * PAGE, 20 * PAGE);
        int copies = 0;
        for (long at = 16 * PAGE; at + 2048 <= 24 * PAGE; at += 511) {
            long iova = h.copy(dst, src, at, 2048, 0, RW);
            assertEquals(at % PAGE, iova % PAGE);
            assertEquals(2048, h.unmap(dst, iova, 2048));
            copies++;
        }
        assertEquals(0, h.ioas(dst).iopt().areaCount());
        assertEquals((8 * 4096 - 2048) / 511 + 1, copies);
    }

    @Test
    void aCopySpanningTwoAreasMakesTwoAreasSharingTheirPages() throws Exception {
        h.mapFixed(src, buffer, 4 * PAGE, 16 * PAGE);
        h.mapFixed(src, buffer + 4 * PAGE, 4 * PAGE, 20 * PAGE);
        h.copy(dst, src, 18 * PAGE, 4 * PAGE, 100 * PAGE, FIXED | RW);
        List<Area> srcAreas = h.ioas(src).iopt().areas();
        List<Area> dstAreas = h.ioas(dst).iopt().areas();
        assertEquals(2, dstAreas.size());
        assertSame(srcAreas.get(0).pages(), dstAreas.get(0).pages());
        assertSame(srcAreas.get(1).pages(), dstAreas.get(1).pages());
        assertArrayEquals(new long[] {100 * PAGE, 2 * PAGE}, h.areas(dst).get(0));
        assertArrayEquals(new long[] {102 * PAGE, 2 * PAGE}, h.areas(dst).get(1));
    }

    @Test
    void srcAndDstMayBeTheSameIoas() throws Exception {
        h.mapFixed(src, buffer, 4 * PAGE, 16 * PAGE);
        long iova = h.copy(src, src, 16 * PAGE, 4 * PAGE, 0, RW);
        assertEquals(2, h.ioas(src).iopt().areaCount());
        assertEquals(4 * PAGE, h.unmap(src, iova, 4 * PAGE));
    }

    @Test
    void aWriteableCopyOfReadOnlyPagesFailsWithEperm() throws Exception {
        long ro = h.main.mmap(4 * PAGE, Backing.FOUR_K, SimProcess.PROT_READ, -1, 0);
        h.map(src, ro, 4 * PAGE, 16 * PAGE, FIXED | READABLE);
        h.fails(Errno.EPERM, IOMMU_IOAS_COPY, "dst_ioas_id", dst, "src_ioas_id", src, "flags", RW,
                "length", 4 * PAGE, "src_iova", 16 * PAGE);
        assertEquals(0, h.ioas(dst).iopt().areaCount());
        h.copy(dst, src, 16 * PAGE, 4 * PAGE, 0, READABLE);
        assertEquals(1, h.ioas(dst).iopt().areaCount());
    }

    @Test
    void aFixedDestinationOverAnAreaFailsWithEexist() throws Exception {
        h.mapFixed(src, buffer, 4 * PAGE, 16 * PAGE);
        h.mapFixed(dst, buffer, 4 * PAGE, 16 * PAGE);
        h.fails(Errno.EEXIST, IOMMU_IOAS_COPY, "dst_ioas_id", dst, "src_ioas_id", src, "flags", FIXED | RW,
                "length", 4 * PAGE, "src_iova", 16 * PAGE, "dst_iova", 18 * PAGE);
        assertEquals(1, h.ioas(dst).iopt().areaCount());
    }

    @Test
    void copyIntoAnIoasWithADomainPinsOnceAndSharesTheCharge() throws Exception {
        h.main.setRlimitMemlock(1 << 20);
        h.ioas(src).iopt().addDomain(MockDomain.x86());
        h.mapFixed(src, buffer, 8 * PAGE, 16 * PAGE);
        long[] before = h.stats();
        long frames = h.pinnedFrames();
        MockDomain d = MockDomain.x86();
        h.ioas(dst).iopt().addDomain(d);
        h.copy(dst, src, 16 * PAGE, 8 * PAGE, 64 * PAGE, FIXED | RW);
        assertEquals(8 * PAGE, d.mappedBytes());
        assertArrayEquals(before, h.stats());
        assertEquals(frames, h.pinnedFrames());
        long[] pins = h.main.pinCount(buffer, 8 * PAGE);
        assertArrayEquals(new long[] {1, 1}, pins);
    }
}
