package io.iommufdsim.core.ioas;

import static io.iommufdsim.api.uapi.IoctlCommand.IOMMU_IOAS_ALLOC;
import static io.iommufdsim.api.uapi.IoctlCommand.IOMMU_IOAS_MAP;
import static io.iommufdsim.core.ioas.IoasHarness.FIXED;
import static io.iommufdsim.core.ioas.IoasHarness.PAGE;
import static io.iommufdsim.core.ioas.IoasHarness.READABLE;
import static io.iommufdsim.core.ioas.IoasHarness.WRITEABLE;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.iommufdsim.api.Errno;
import io.iommufdsim.api.IommufdException;
import java.util.List;
import org.junit.jupiter.api.Test;

/** IOMMU_IOAS_ALLOC and IOMMU_IOAS_MAP (reference §3.2, §3.5, §5.3, §5.4). */
class IoasMapTest {
    private static final long RW = READABLE | WRITEABLE;
    private final IoasHarness h = new IoasHarness();
    private final int ioas = h.ioasAlloc();
    private final long buffer = h.mmap(64 * PAGE);

    IoasMapTest() throws IommufdException {
    }

    private void assertNoAreas() throws IommufdException {
        assertEquals(0, h.ioas(ioas).iopt().areaCount());
    }

    @Test
    void allocWithFlagsFailsWithEopnotsuppAndTakesNoId() throws Exception {
        h.fails(Errno.EOPNOTSUPP, IOMMU_IOAS_ALLOC, "flags", 1);
        assertEquals(ioas + 1, h.ioasAlloc());
    }

    @Test
    void aFreshIoasHasNoAreasAlignmentOneAndHugePagesEnabled() throws Exception {
        IoPagetable iopt = h.ioas(ioas).iopt();
        assertEquals(0, iopt.areaCount());
        assertEquals(1, iopt.iovaAlignment());
        assertTrue(iopt.largePagesEnabled());
    }

    @Test
    void unknownFlagsOrReservedFailWithEopnotsupp() throws Exception {
        h.fails(Errno.EOPNOTSUPP, IOMMU_IOAS_MAP, "ioas_id", ioas, "flags", RW | 8, "user_va", buffer,
                "length", PAGE);
        h.fails(Errno.EOPNOTSUPP, IOMMU_IOAS_MAP, "ioas_id", ioas, "flags", RW, "__reserved", 1,
                "user_va", buffer, "length", PAGE);
        assertNoAreas();
    }

    @Test
    void u64MaxIovaOrLengthFailsWithEoverflowBeforeTheMissingPermission() throws Exception {
        h.fails(Errno.EOVERFLOW, IOMMU_IOAS_MAP, "ioas_id", ioas, "flags", 0, "user_va", buffer,
                "length", -1L);
        h.fails(Errno.EOVERFLOW, IOMMU_IOAS_MAP, "ioas_id", ioas, "flags", FIXED | RW, "user_va", buffer,
                "length", PAGE, "iova", -1L);
        assertNoAreas();
    }

    @Test
    void neitherReadNorWriteFailsWithEinvalBeforeTheIoasLookup() throws Exception {
        h.fails(Errno.EINVAL, IOMMU_IOAS_MAP, "ioas_id", 99, "flags", FIXED, "user_va", buffer, "length", PAGE);
        h.fails(Errno.ENOENT, IOMMU_IOAS_MAP, "ioas_id", 99, "flags", RW, "user_va", buffer, "length", PAGE);
    }

    @Test
    void userRangeThatWrapsFailsWithEoverflowAndZeroLengthWithEinval() throws Exception {
        h.fails(Errno.EOVERFLOW, IOMMU_IOAS_MAP, "ioas_id", ioas, "flags", RW, "user_va", -PAGE,
                "length", 2 * PAGE);
        h.fails(Errno.EINVAL, IOMMU_IOAS_MAP, "ioas_id", ioas, "flags", RW, "user_va", buffer, "length", 0);
        h.fails(Errno.EINVAL, IOMMU_IOAS_MAP, "ioas_id", ioas, "flags", RW, "user_va", 0,
                "length", -PAGE);
        assertNoAreas();
    }

    @Test
    void withoutADomainNothingIsPinnedAndABadUserAddressIsAccepted() throws Exception {
        long frames = h.pinnedFrames();
        long iova = h.map(ioas, buffer, 16 * PAGE, 0, RW);
        assertEquals(frames, h.pinnedFrames());
        assertArrayEquals(new long[] {0, 0, 0}, h.stats());
        // area_auto_iova maps VA 1 << 31 (nothing mapped there) without a domain
        long lazy = h.map(ioas, 1L << 31, PAGE, 0, RW);
        assertNotEquals(iova, lazy);
        assertEquals(2, h.ioas(ioas).iopt().areaCount());
    }

    @Test
    void everyOverlapShapeOfAFixedMapFailsWithEexistAndKeepsTheArea() throws Exception {
        long base = 64 * PAGE;
        h.mapFixed(ioas, buffer, 8 * PAGE, base);
        long[][] shapes = {
            {base, 8 * PAGE}, // exact
            {base - PAGE, 2 * PAGE}, // start before
            {base + 7 * PAGE, 2 * PAGE}, // end after
            {base + PAGE, PAGE}, // inside
            {base - PAGE, 10 * PAGE}, // covering
        };
        for (long[] s : shapes) {
            h.fails(Errno.EEXIST, IOMMU_IOAS_MAP, "ioas_id", ioas, "flags", FIXED | RW, "user_va", buffer,
                    "length", s[1], "iova", s[0]);
        }
        assertEquals(List.of(base), h.areas(ioas).stream().map(a -> a[0]).toList());
    }

    @Test
    void aFixedMapOverAReservedRangeFailsWithEinvalAndAnUnalignedIovaTooWithADomain() throws Exception {
        h.ioas(ioas).iopt().reserveIova(100 * PAGE, 101 * PAGE - 1, null);
        h.fails(Errno.EINVAL, IOMMU_IOAS_MAP, "ioas_id", ioas, "flags", FIXED | RW, "user_va", buffer,
                "length", 2 * PAGE, "iova", 99 * PAGE);
        h.ioas(ioas).iopt().addDomain(MockDomain.x86());
        h.fails(Errno.EINVAL, IOMMU_IOAS_MAP, "ioas_id", ioas, "flags", FIXED | RW, "user_va", buffer,
                "length", PAGE, "iova", 3 * PAGE + 512);
        h.fails(Errno.EINVAL, IOMMU_IOAS_MAP, "ioas_id", ioas, "flags", FIXED | RW, "user_va", buffer,
                "length", PAGE + 512, "iova", 3 * PAGE);
        // ioas_align_change: the in-page offset of the user address must conform too
        h.fails(Errno.EINVAL, IOMMU_IOAS_MAP, "ioas_id", ioas, "flags", FIXED | RW, "user_va", buffer + 512,
                "length", PAGE, "iova", 3 * PAGE);
        assertNoAreas();
    }

    @Test
    void aFixedMapWhoseEndWrapsFailsWithEoverflow() throws Exception {
        h.fails(Errno.EOVERFLOW, IOMMU_IOAS_MAP, "ioas_id", ioas, "flags", FIXED | RW, "user_va", buffer,
                "length", 2 * PAGE, "iova", -PAGE - 1);
        assertNoAreas();
    }

    @Test
    void iovaZeroIsMappableWithFixedButNeverChosenAutomatically() throws Exception {
        assertEquals(0, h.mapFixed(ioas, buffer, PAGE, 0));
        long auto = h.map(ioas, buffer, PAGE, 0, RW);
        assertNotEquals(0, auto);
    }

    @Test
    void automaticIovasAreAlignedToTheLengthAndKeepTheUserOffset() throws Exception {
        long big = h.mmap(4L << 20);
        long aligned = (big + (2L << 20) - 1) & -(2L << 20);
        for (int i = 0; i != 10; i++) {
            long length = PAGE * (i + 1);
            long iova = h.map(ioas, aligned, length, 0, RW);
            assertEquals(0, iova % Long.lowestOneBit(length), "length " + length);
        }
        long iova = h.map(ioas, aligned + 123, PAGE, 0, RW);
        assertEquals(123, iova % PAGE);
    }

    @Test
    void automaticIovasStayInsideTheAllowedRanges() throws Exception {
        h.writeRanges(PAGE * 600, PAGE * 700 - 1, PAGE * 1000, PAGE * 1100 - 1);
        h.ioctl(io.iommufdsim.api.uapi.IoctlCommand.IOMMU_IOAS_ALLOW_IOVAS, "ioas_id", ioas, "num_iovas", 2,
                "allowed_iovas", h.arr);
        for (int i = 0; i != 10; i++) {
            long length = PAGE * (i + 1);
            long iova = h.map(ioas, buffer, length, 0, RW);
            boolean inFirst = iova >= PAGE * 600 && iova + length - 1 <= PAGE * 700 - 1;
            boolean inSecond = iova >= PAGE * 1000 && iova + length - 1 <= PAGE * 1100 - 1;
            assertTrue(inFirst || inSecond, "iova " + Long.toHexString(iova));
        }
    }

    @Test
    void noHoleLeftFailsWithEnospcAndAHugeLengthWithEoverflow() throws Exception {
        h.writeRanges(PAGE * 16, PAGE * 20 - 1);
        h.ioctl(io.iommufdsim.api.uapi.IoctlCommand.IOMMU_IOAS_ALLOW_IOVAS, "ioas_id", ioas, "num_iovas", 1,
                "allowed_iovas", h.arr);
        h.map(ioas, buffer, 4 * PAGE, 0, RW);
        h.fails(Errno.ENOSPC, IOMMU_IOAS_MAP, "ioas_id", ioas, "flags", RW, "user_va", buffer, "length", PAGE);
        h.fails(Errno.EOVERFLOW, IOMMU_IOAS_MAP, "ioas_id", ioas, "flags", RW, "user_va", 0,
                "length", 1L << 63);
        assertEquals(1, h.ioas(ioas).iopt().areaCount());
    }

    @Test
    void reservedRangesAreSkippedByAutomaticPlacement() throws Exception {
        // reserved_overflow-like: everything but a small window reserved
        IoPagetable iopt = h.ioas(ioas).iopt();
        iopt.reserveIova(0, (1L << 32) - 1, null);
        iopt.reserveIova((1L << 32) + 2 * PAGE, -1L, null);
        long iova = h.map(ioas, buffer, 2 * PAGE, 0, RW);
        assertEquals(1L << 32, iova);
        h.fails(Errno.ENOSPC, IOMMU_IOAS_MAP, "ioas_id", ioas, "flags", RW, "user_va", buffer, "length", PAGE);
    }

    @Test
    void alignmentDerivedFromTheUserAddressBelowTheIoasAlignmentFailsWithEinval() throws Exception {
        h.ioas(ioas).iopt().addDomain(MockDomain.x86());
        h.fails(Errno.EINVAL, IOMMU_IOAS_MAP, "ioas_id", ioas, "flags", RW, "user_va", buffer + 2048,
                "length", PAGE);
        assertNoAreas();
    }
}
