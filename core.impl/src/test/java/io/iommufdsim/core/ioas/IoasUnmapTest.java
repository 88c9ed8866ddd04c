package io.iommufdsim.core.ioas;

import static io.iommufdsim.api.uapi.IoctlCommand.IOMMU_IOAS_UNMAP;
import static io.iommufdsim.core.ioas.IoasHarness.PAGE;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.iommufdsim.api.Errno;
import io.iommufdsim.api.IommufdException;
import java.util.List;
import org.junit.jupiter.api.Test;

/** IOMMU_IOAS_UNMAP (reference §3.8; io_pagetable.c: iopt_unmap_iova_range). */
class IoasUnmapTest {
    private final IoasHarness h = new IoasHarness();
    private final int ioas = h.ioasAlloc();
    private final long buffer = h.mmap(64 * PAGE);

    IoasUnmapTest() throws IommufdException {
    }

    private List<Long> starts() throws IommufdException {
        return h.areas(ioas).stream().map(a -> a[0]).toList();
    }

    @Test
    void aMissingIoasIsReportedBeforeTheOverflowCheck() throws Exception {
        h.fails(Errno.ENOENT, IOMMU_IOAS_UNMAP, "ioas_id", 99, "iova", -1L, "length", PAGE);
    }

    @Test
    void unmapAllOfAnEmptyIoasSucceedsWithLengthZero() throws Exception {
        assertEquals(0, h.unmap(ioas, 0, -1L));
    }

    @Test
    void unmapAllRemovesEverythingAndReportsTheTotal() throws Exception {
        h.mapFixed(ioas, buffer, 2 * PAGE, 16 * PAGE);
        h.mapFixed(ioas, buffer, 4 * PAGE, 64 * PAGE);
        assertEquals(6 * PAGE, h.unmap(ioas, 0, -1L));
        assertEquals(List.of(), starts());
    }

    @Test
    void u64MaxOutsideUnmapAllFailsWithEoverflowAndZeroLengthWithEinval() throws Exception {
        h.mapFixed(ioas, buffer, 2 * PAGE, 16 * PAGE);
        h.fails(Errno.EOVERFLOW, IOMMU_IOAS_UNMAP, "ioas_id", ioas, "iova", PAGE, "length", -1L);
        h.fails(Errno.EOVERFLOW, IOMMU_IOAS_UNMAP, "ioas_id", ioas, "iova", -1L, "length", PAGE);
        h.fails(Errno.EINVAL, IOMMU_IOAS_UNMAP, "ioas_id", ioas, "iova", 16 * PAGE, "length", 0);
        h.fails(Errno.EOVERFLOW, IOMMU_IOAS_UNMAP, "ioas_id", ioas, "iova", -2 * PAGE, "length", 4 * PAGE);
        assertEquals(List.of(16 * PAGE), starts());
    }

    @Test
    void unmapOfAnEmptyRangeFailsWithEnoent() throws Exception {
        h.mapFixed(ioas, buffer, 2 * PAGE, 16 * PAGE);
        h.fails(Errno.ENOENT, IOMMU_IOAS_UNMAP, "ioas_id", ioas, "iova", 32 * PAGE, "length", PAGE);
        assertEquals(List.of(16 * PAGE), starts());
    }

    @Test
    void unmapThatCutsAnAreaFailsWithEnoentAndKeepsTheArea() throws Exception {
        h.mapFixed(ioas, buffer, 4 * PAGE, 16 * PAGE);
        h.fails(Errno.ENOENT, IOMMU_IOAS_UNMAP, "ioas_id", ioas, "iova", 16 * PAGE, "length", PAGE);
        h.fails(Errno.ENOENT, IOMMU_IOAS_UNMAP, "ioas_id", ioas, "iova", 17 * PAGE, "length", 8 * PAGE);
        h.fails(Errno.ENOENT, IOMMU_IOAS_UNMAP, "ioas_id", ioas, "iova", 8 * PAGE, "length", 9 * PAGE);
        assertEquals(List.of(16 * PAGE), starts());
    }

    @Test
    void unmapOfFullyContainedAreasSkipsHolesAndReportsTheirSum() throws Exception {
        // selftest unmap_fully_contained_areas: 4 areas of 8 pages at a 16-page stride
        for (int i = 0; i != 4; i++) {
            h.mapFixed(ioas, buffer, 8 * PAGE, (16 + 16 * i) * PAGE);
        }
        assertEquals(32 * PAGE, h.unmap(ioas, 12 * PAGE, 64 * PAGE - 4 * PAGE));
        assertEquals(List.of(), starts());
    }

    @Test
    void aFailingUnmapKeepsTheAreasItAlreadyRemoved() throws Exception {
        h.mapFixed(ioas, buffer, 2 * PAGE, 16 * PAGE);
        h.mapFixed(ioas, buffer, 2 * PAGE, 20 * PAGE);
        h.mapFixed(ioas, buffer, 8 * PAGE, 24 * PAGE);
        h.fails(Errno.ENOENT, IOMMU_IOAS_UNMAP, "ioas_id", ioas, "iova", 16 * PAGE, "length", 10 * PAGE);
        assertEquals(List.of(24 * PAGE), starts());
    }

    @Test
    void unmapTearsTheAreaOutOfEveryDomainAndUnpins() throws Exception {
        MockDomain d1 = MockDomain.x86();
        MockDomain d2 = MockDomain.x86();
        h.ioas(ioas).iopt().addDomain(d1);
        h.ioas(ioas).iopt().addDomain(d2);
        long frames = h.pinnedFrames();
        h.mapFixed(ioas, buffer, 8 * PAGE, 16 * PAGE);
        assertEquals(frames + 8, h.pinnedFrames());
        assertEquals(8 * PAGE, d1.mappedBytes());
        assertEquals(8 * PAGE, d2.mappedBytes());
        assertEquals(8 * PAGE, h.unmap(ioas, 16 * PAGE, 8 * PAGE));
        assertEquals(0, d1.mappedBytes());
        assertEquals(0, d2.mappedBytes());
        assertEquals(frames, h.pinnedFrames());
    }
}
