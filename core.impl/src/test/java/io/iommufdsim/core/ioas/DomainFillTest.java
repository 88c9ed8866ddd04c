package io.iommufdsim.core.ioas;

import static io.iommufdsim.api.uapi.IoctlCommand.IOMMU_IOAS_MAP;
import static io.iommufdsim.api.uapi.IoctlCommand.IOMMU_OPTION;
import static io.iommufdsim.core.ioas.IoasHarness.FIXED;
import static io.iommufdsim.core.ioas.IoasHarness.PAGE;
import static io.iommufdsim.core.ioas.IoasHarness.READABLE;
import static io.iommufdsim.core.ioas.IoasHarness.WRITEABLE;
import static io.iommufdsim.core.ioas.IoasHarness.field;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.iommufdsim.api.Backing;
import io.iommufdsim.api.Errno;
import io.iommufdsim.api.IommufdException;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Domains joining and leaving an IOAS (reference §5.1, §5.2, §6.7, §7.2; io_pagetable.c:
 * iopt_table_add_domain, iopt_table_remove_domain; pages.c: batch_to_domain).
 */
class DomainFillTest {
    private static final long M2 = 2L << 20;
    private static final long RW = READABLE | WRITEABLE;
    private final IoasHarness h = new IoasHarness();
    private final int ioas = h.ioasAlloc();
    private final IoPagetable iopt = h.ioas(ioas).iopt();

    DomainFillTest() throws IommufdException {
    }

    private static long aligned2M(long va) {
        return (va + M2 - 1) & -M2;
    }

    @Test
    void addingADomainMapsEveryAreaWithThePinnedFrames() throws Exception {
        long buffer = h.mmap(8 * PAGE);
        h.mapFixed(ioas, buffer, 8 * PAGE, 16 * PAGE);
        h.mapFixed(ioas, buffer + PAGE, 2 * PAGE, 64 * PAGE);
        long frames = h.pinnedFrames();
        MockDomain d = MockDomain.x86();
        iopt.addDomain(d);
        assertEquals(10 * PAGE, d.mappedBytes());
        assertEquals(frames + 8, h.pinnedFrames(), "a page shared by two areas is pinned once");
        assertArrayEqualsPins(new long[] {1, 2}, h.main.pinCount(buffer, 8 * PAGE));
        assertEquals(d.iovaToPhys(17 * PAGE), d.iovaToPhys(64 * PAGE));
    }

    private static void assertArrayEqualsPins(long[] expected, long[] actual) {
        org.junit.jupiter.api.Assertions.assertArrayEquals(expected, actual);
    }

    @Test
    void aCongruentTwoMegabyteRunGetsAHugeLeafAndAFourKilobyteBackingDoesNot() throws Exception {
        long thp = aligned2M(h.mmap(4 * M2, Backing.THP));
        long small = h.mmap(2 * M2);
        MockDomain d = MockDomain.x86();
        iopt.addDomain(d);
        long iova = h.map(ioas, thp, M2, 0, RW);
        assertEquals(0, iova % M2);
        assertEquals(List.of(new MockDomain.Leaf(iova, d.iovaToPhys(iova), M2,
                IoptDomain.IOMMU_CACHE | IoptDomain.IOMMU_READ | IoptDomain.IOMMU_WRITE)), d.leaves());
        long iova2 = h.map(ioas, small, 16 * PAGE, 0, RW);
        assertEquals(16 + 1, d.leaves().size());
        assertTrue(d.leaves().stream().filter(l -> l.iova() >= iova2 && l.iova() < iova2 + 16 * PAGE)
                .allMatch(l -> l.size() == PAGE));
    }

    @Test
    void withHugePagesDisabledEveryPageIsMappedByItsOwnCall() throws Exception {
        long thp = aligned2M(h.mmap(2 * M2, Backing.THP));
        h.ioctl(IOMMU_OPTION, "option_id", 1, "op", 0, "object_id", ioas, "val64", 0);
        assertEquals(PAGE, iopt.iovaAlignment());
        MockDomain d = MockDomain.x86();
        iopt.addDomain(d);
        h.map(ioas, thp, M2, 0, RW);
        assertEquals(512, d.mapCalls);
        assertTrue(d.leaves().stream().allMatch(l -> l.size() == PAGE));
    }

    @Test
    void hugePagesOptionRules() throws Exception {
        byte[] got = h.ioctl(IOMMU_OPTION, "option_id", 1, "op", 1, "object_id", ioas);
        assertEquals(1, field(IOMMU_OPTION, got, "val64"));
        h.fails(Errno.ENOENT, IOMMU_OPTION, "option_id", 1, "op", 1, "object_id", 0);
        h.fails(Errno.EOPNOTSUPP, IOMMU_OPTION, "option_id", 1, "op", 2, "object_id", ioas);
        h.fails(Errno.EINVAL, IOMMU_OPTION, "option_id", 1, "op", 0, "object_id", ioas, "val64", 2);
        // an area not PAGE_SIZE aligned → EADDRINUSE, nothing changes
        long buffer = h.mmap(4 * PAGE);
        h.mapFixed(ioas, buffer + 16, 64, 16 * PAGE);
        h.fails(Errno.EADDRINUSE, IOMMU_OPTION, "option_id", 1, "op", 0, "object_id", ioas, "val64", 0);
        assertTrue(iopt.largePagesEnabled());
        assertEquals(1, iopt.iovaAlignment());
        h.unmap(ioas, 0, -1L);
        // a domain with areas → EINVAL
        iopt.addDomain(MockDomain.x86());
        h.mapFixed(ioas, buffer, PAGE, 16 * PAGE);
        h.fails(Errno.EINVAL, IOMMU_OPTION, "option_id", 1, "op", 0, "object_id", ioas, "val64", 0);
        h.unmap(ioas, 0, -1L);
        h.ioctl(IOMMU_OPTION, "option_id", 1, "op", 0, "object_id", ioas, "val64", 0);
        h.ioctl(IOMMU_OPTION, "option_id", 1, "op", 0, "object_id", ioas, "val64", 0);
        got = h.ioctl(IOMMU_OPTION, "option_id", 1, "op", 1, "object_id", ioas);
        assertEquals(0, field(IOMMU_OPTION, got, "val64"));
        h.ioctl(IOMMU_OPTION, "option_id", 1, "op", 0, "object_id", ioas, "val64", 1);
        assertTrue(iopt.largePagesEnabled());
    }

    @Test
    void aDomainWithPagesAbovePageSizeIsRefusedWithEinval() throws Exception {
        IommufdException e = assertThrows(IommufdException.class, () -> iopt.addDomain(new MockDomain(M2, 0, -1L)));
        assertEquals(Errno.EINVAL, e.errno());
        assertEquals(0, iopt.domains().size());
    }

    @Test
    void aDomainThatRaisesTheAlignmentOverAMisalignedAreaIsRefusedWithEaddrinuse() throws Exception {
        long buffer = h.mmap(4 * PAGE);
        h.mapFixed(ioas, buffer, 2048, 16 * PAGE);
        long frames = h.pinnedFrames();
        IommufdException e = assertThrows(IommufdException.class, () -> iopt.addDomain(MockDomain.x86()));
        assertEquals(Errno.EADDRINUSE, e.errno());
        assertEquals(1, iopt.iovaAlignment());
        assertEquals(frames, h.pinnedFrames());
        // a 2 KiB-page domain accepts it
        MockDomain small = new MockDomain(2048 | PAGE, 0, -1L);
        iopt.addDomain(small);
        assertEquals(2048, iopt.iovaAlignment());
        assertEquals(2048, small.mappedBytes());
    }

    @Test
    void aDomainWhoseApertureExcludesAnAreaIsRefusedWithEaddrinuse() throws Exception {
        long buffer = h.mmap(4 * PAGE);
        h.mapFixed(ioas, buffer, PAGE, 16 * PAGE);
        IommufdException e = assertThrows(IommufdException.class,
                () -> iopt.addDomain(new MockDomain(PAGE, 1L << 24, (1L << 31) - 1)));
        assertEquals(Errno.EADDRINUSE, e.errno());
        assertEquals(1, iopt.iovaRanges().size());
        assertEquals(0, iopt.domains().size());
    }

    @Test
    void aBadUserAddressShowsUpWhenADomainIsAddedAndLeavesNothingBehind() throws Exception {
        long buffer = h.mmap(4 * PAGE);
        h.mapFixed(ioas, buffer, 4 * PAGE, 16 * PAGE);
        h.mapFixed(ioas, 1L << 31, PAGE, 64 * PAGE);
        long frames = h.pinnedFrames();
        long[] stats = h.stats();
        MockDomain d = MockDomain.x86();
        IommufdException e = assertThrows(IommufdException.class, () -> iopt.addDomain(d));
        assertEquals(Errno.EFAULT, e.errno());
        assertEquals(0, d.mappedBytes());
        assertEquals(frames, h.pinnedFrames());
        org.junit.jupiter.api.Assertions.assertArrayEquals(stats, h.stats());
        assertEquals(0, iopt.domains().size());
        assertEquals(1, iopt.iovaAlignment());
    }

    @Test
    void mapWithADomainAndABadAddressFailsWithEfaultAndLeavesNothing() throws Exception {
        long buffer = h.mmap(4 * PAGE);
        MockDomain d = MockDomain.x86();
        iopt.addDomain(d);
        long frames = h.pinnedFrames();
        h.main.munmap(buffer + 2 * PAGE, PAGE);
        h.fails(Errno.EFAULT, IOMMU_IOAS_MAP, "ioas_id", ioas, "flags", FIXED | RW, "user_va", buffer,
                "length", 4 * PAGE, "iova", 16 * PAGE);
        h.fails(Errno.EFAULT, IOMMU_IOAS_MAP, "ioas_id", ioas, "flags", FIXED | RW, "user_va", buffer + 2 * PAGE,
                "length", PAGE, "iova", 16 * PAGE);
        assertEquals(0, iopt.areaCount());
        assertEquals(0, d.mappedBytes());
        assertEquals(frames, h.pinnedFrames());
    }

    @Test
    void removingTheLastDomainUnpinsButKeepsTheAreasAndTheSecondDomainKeepsThePins() throws Exception {
        long buffer = h.mmap(4 * PAGE);
        MockDomain d1 = MockDomain.x86();
        MockDomain d2 = new MockDomain(PAGE, 1L << 24, (1L << 40) - 1);
        iopt.addDomain(d1);
        iopt.addDomain(d2);
        long frames = h.pinnedFrames();
        h.mapFixed(ioas, buffer, 4 * PAGE, 1L << 24);
        assertEquals(frames + 4, h.pinnedFrames());
        iopt.removeDomain(d2);
        assertEquals(0, d2.mappedBytes());
        assertEquals(frames + 4, h.pinnedFrames());
        assertEquals(1, iopt.iovaRanges().size());
        iopt.removeDomain(d1);
        assertEquals(frames, h.pinnedFrames());
        assertEquals(1, iopt.areaCount());
        assertEquals(1, iopt.iovaAlignment());
        iopt.addDomain(d1);
        assertEquals(4 * PAGE, d1.mappedBytes());
    }

    @Test
    void aFailedMapIntoTheSecondDomainUnwindsTheFirst() throws Exception {
        long buffer = h.mmap(8 * PAGE);
        MockDomain d1 = MockDomain.x86();
        MockDomain d2 = MockDomain.x86();
        iopt.addDomain(d1);
        iopt.addDomain(d2);
        long frames = h.pinnedFrames();
        long[] stats = h.stats();
        d2.failNthLeaf(3);
        h.fails(Errno.ENOMEM, IOMMU_IOAS_MAP, "ioas_id", ioas, "flags", FIXED | RW, "user_va", buffer,
                "length", 8 * PAGE, "iova", 16 * PAGE);
        assertEquals(0, d1.mappedBytes());
        assertEquals(0, d2.mappedBytes());
        assertEquals(frames, h.pinnedFrames());
        org.junit.jupiter.api.Assertions.assertArrayEquals(stats, h.stats());
        assertEquals(0, iopt.areaCount());
    }

    @Test
    void aFailedFillOfANewDomainLeavesItEmptyAndTheOthersUntouched() throws Exception {
        long buffer = h.mmap(8 * PAGE);
        MockDomain d1 = MockDomain.x86();
        iopt.addDomain(d1);
        h.mapFixed(ioas, buffer, 4 * PAGE, 16 * PAGE);
        h.mapFixed(ioas, buffer + 4 * PAGE, 4 * PAGE, 32 * PAGE);
        long frames = h.pinnedFrames();
        MockDomain d2 = MockDomain.x86();
        d2.failNthLeaf(6);
        assertEquals(Errno.ENOMEM, assertThrows(IommufdException.class, () -> iopt.addDomain(d2)).errno());
        assertEquals(0, d2.mappedBytes());
        assertEquals(8 * PAGE, d1.mappedBytes());
        assertEquals(frames, h.pinnedFrames());
        assertEquals(1, iopt.domains().size());
    }
}
