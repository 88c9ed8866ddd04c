package io.iommufdsim.core.ioas;

import static io.iommufdsim.api.uapi.IoctlCommand.IOMMU_IOAS_ALLOW_IOVAS;
import static io.iommufdsim.api.uapi.IoctlCommand.IOMMU_IOAS_IOVA_RANGES;
import static io.iommufdsim.core.ioas.IoasHarness.PAGE;
import static io.iommufdsim.core.ioas.IoasHarness.field;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.iommufdsim.api.Errno;
import io.iommufdsim.api.IommufdException;
import io.iommufdsim.api.IovaRange;
import java.util.List;
import org.junit.jupiter.api.Test;

/** IOMMU_IOAS_IOVA_RANGES and IOMMU_IOAS_ALLOW_IOVAS (reference §3.3, §3.4, §5.2). */
class IoasRangesTest {
    private static final long APERTURE_START = 1L << 24;
    private static final long APERTURE_LAST = (1L << 31) - 1;
    private final IoasHarness h = new IoasHarness();
    private final int ioas = h.ioasAlloc();

    IoasRangesTest() throws IommufdException {
    }

    private byte[] ranges(long num) throws IommufdException {
        return h.ioctl(IOMMU_IOAS_IOVA_RANGES, "ioas_id", ioas, "num_iovas", num, "allowed_iovas", h.arr);
    }

    @Test
    void anEmptyIoasHasOneRangeOfEverythingAndAlignmentOne() throws Exception {
        byte[] out = ranges(4);
        assertEquals(1, field(IOMMU_IOAS_IOVA_RANGES, out, "num_iovas"));
        assertEquals(1, field(IOMMU_IOAS_IOVA_RANGES, out, "out_iova_alignment"));
        assertArrayEquals(new long[] {0, -1L}, h.readRanges(1));
    }

    @Test
    void aDomainLeavesItsApertureAndItsSmallestPageAsAlignment() throws Exception {
        h.ioas(ioas).iopt().addDomain(new MockDomain(PAGE | (2L << 20), APERTURE_START, APERTURE_LAST));
        byte[] out = ranges(4);
        assertEquals(1, field(IOMMU_IOAS_IOVA_RANGES, out, "num_iovas"));
        assertEquals(PAGE, field(IOMMU_IOAS_IOVA_RANGES, out, "out_iova_alignment"));
        assertArrayEquals(new long[] {APERTURE_START, APERTURE_LAST}, h.readRanges(1));
    }

    @Test
    void aTooSmallArrayFailsWithEmsgsizeAfterWritingTheCountBack() throws Exception {
        IoPagetable iopt = h.ioas(ioas).iopt();
        iopt.reserveIova(PAGE, 2 * PAGE - 1, null);
        iopt.reserveIova(8 * PAGE, 9 * PAGE - 1, null);
        h.writeRanges(7, 7);
        byte[] out = h.fails(Errno.EMSGSIZE, IOMMU_IOAS_IOVA_RANGES, "ioas_id", ioas, "num_iovas", 1,
                "allowed_iovas", h.arr);
        assertEquals(3, field(IOMMU_IOAS_IOVA_RANGES, out, "num_iovas"));
        assertArrayEquals(new long[] {0, PAGE - 1}, h.readRanges(1));
        out = h.fails(Errno.EMSGSIZE, IOMMU_IOAS_IOVA_RANGES, "ioas_id", ioas, "num_iovas", 0,
                "allowed_iovas", 0);
        assertEquals(3, field(IOMMU_IOAS_IOVA_RANGES, out, "num_iovas"));
        ranges(3);
        assertArrayEquals(new long[] {0, PAGE - 1, 2 * PAGE, 8 * PAGE - 1, 9 * PAGE, -1L}, h.readRanges(3));
    }

    @Test
    void iovaRangesChecksReservedThenTheIoasThenThePointer() throws Exception {
        h.fails(Errno.EOPNOTSUPP, IOMMU_IOAS_IOVA_RANGES, "ioas_id", 99, "__reserved", 1);
        h.fails(Errno.ENOENT, IOMMU_IOAS_IOVA_RANGES, "ioas_id", 99);
        h.fails(Errno.EFAULT, IOMMU_IOAS_IOVA_RANGES, "ioas_id", ioas, "num_iovas", 1, "allowed_iovas", 8);
    }

    @Test
    void overlappingReservationsOfDifferentOwnersMergeInTheHolesAndGoWithTheirOwner() throws Exception {
        IoPagetable iopt = h.ioas(ioas).iopt();
        Object a = new Object();
        Object b = new Object();
        iopt.reserveIova(10 * PAGE, 20 * PAGE - 1, a);
        iopt.reserveIova(15 * PAGE, 30 * PAGE - 1, b);
        assertEquals(List.of(new IovaRange(0, 10 * PAGE - 1), new IovaRange(30 * PAGE, -1L)), iopt.iovaRanges());
        iopt.removeReservedIova(b);
        assertEquals(List.of(new IovaRange(0, 10 * PAGE - 1), new IovaRange(20 * PAGE, -1L)), iopt.iovaRanges());
    }

    @Test
    void reservingOverAnAreaFailsWithEaddrinuse() throws Exception {
        long buffer = h.mmap(4 * PAGE);
        h.mapFixed(ioas, buffer, 4 * PAGE, 16 * PAGE);
        IommufdException e = assertThrows(IommufdException.class,
                () -> h.ioas(ioas).iopt().reserveIova(19 * PAGE, 19 * PAGE, null));
        assertEquals(Errno.EADDRINUSE, e.errno());
        assertEquals(1, h.ioas(ioas).iopt().iovaRanges().size());
    }

    @Test
    void allowIovasChecksEachElementInOrder() throws Exception {
        h.fails(Errno.EOPNOTSUPP, IOMMU_IOAS_ALLOW_IOVAS, "ioas_id", 99, "__reserved", 1);
        h.fails(Errno.ENOENT, IOMMU_IOAS_ALLOW_IOVAS, "ioas_id", 99, "num_iovas", 1, "allowed_iovas", h.arr);
        // the second element's copy faults only after the first one was checked
        h.writeRanges(5 * PAGE, 5 * PAGE);
        h.fails(Errno.EINVAL, IOMMU_IOAS_ALLOW_IOVAS, "ioas_id", ioas, "num_iovas", 2, "allowed_iovas", h.arr);
        h.fails(Errno.EFAULT, IOMMU_IOAS_ALLOW_IOVAS, "ioas_id", ioas, "num_iovas", 1, "allowed_iovas", 16);
        h.writeRanges(PAGE, 4 * PAGE, 4 * PAGE, 8 * PAGE);
        h.fails(Errno.EINVAL, IOMMU_IOAS_ALLOW_IOVAS, "ioas_id", ioas, "num_iovas", 2, "allowed_iovas", h.arr);
    }

    @Test
    void allowIovasOverAReservedRangeFailsWithEaddrinuseAndKeepsTheOldList() throws Exception {
        IoPagetable iopt = h.ioas(ioas).iopt();
        h.writeRanges(PAGE, 4 * PAGE - 1);
        h.ioctl(IOMMU_IOAS_ALLOW_IOVAS, "ioas_id", ioas, "num_iovas", 1, "allowed_iovas", h.arr);
        iopt.reserveIova(100 * PAGE, 101 * PAGE, null);
        h.writeRanges(90 * PAGE, 100 * PAGE);
        h.fails(Errno.EADDRINUSE, IOMMU_IOAS_ALLOW_IOVAS, "ioas_id", ioas, "num_iovas", 1, "allowed_iovas", h.arr);
        // the old list still holds: reserving inside it is refused
        assertEquals(Errno.EADDRINUSE, assertThrows(IommufdException.class,
                () -> iopt.reserveIova(2 * PAGE, 2 * PAGE, null)).errno());
        // clearing the list allows it again
        h.ioctl(IOMMU_IOAS_ALLOW_IOVAS, "ioas_id", ioas, "num_iovas", 0, "allowed_iovas", 0);
        iopt.reserveIova(2 * PAGE, 2 * PAGE, null);
    }

    @Test
    void theAllowedListDoesNotLimitFixedMapsNorTheReportedRanges() throws Exception {
        long buffer = h.mmap(4 * PAGE);
        h.writeRanges(PAGE, 4 * PAGE - 1);
        h.ioctl(IOMMU_IOAS_ALLOW_IOVAS, "ioas_id", ioas, "num_iovas", 1, "allowed_iovas", h.arr);
        h.mapFixed(ioas, buffer, 4 * PAGE, 64 * PAGE);
        assertEquals(1, field(IOMMU_IOAS_IOVA_RANGES, ranges(1), "num_iovas"));
    }

    @Test
    void aDomainWhoseApertureCutsIntoTheAllowedListIsRefused() throws Exception {
        h.writeRanges(PAGE, 4 * PAGE - 1);
        h.ioctl(IOMMU_IOAS_ALLOW_IOVAS, "ioas_id", ioas, "num_iovas", 1, "allowed_iovas", h.arr);
        IommufdException e = assertThrows(IommufdException.class, () -> h.ioas(ioas).iopt()
                .addDomain(new MockDomain(PAGE, APERTURE_START, APERTURE_LAST)));
        assertEquals(Errno.EADDRINUSE, e.errno());
        assertEquals(List.of(new IovaRange(0, -1L)), h.ioas(ioas).iopt().iovaRanges());
        assertEquals(1, h.ioas(ioas).iopt().iovaAlignment());
    }
}
