package io.iommufdsim.core.ioas;

import static io.iommufdsim.api.EmulatedAccesses.NEEDS_PIN_PAGES;
import static io.iommufdsim.core.ioas.IoasHarness.PAGE;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.iommufdsim.api.Backing;
import io.iommufdsim.api.Errno;
import io.iommufdsim.api.IommufdException;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

/**
 * iopt_cut_iova / iopt_area_split (io_pagetable.c), the VFIO type1 compatibility's way of unmapping part
 * of a mapping, and iopt_unmap_iova's count of what it removed before failing.
 */
class IoptCutTest {
    private final IoasHarness h = new IoasHarness();
    private final int ioas = h.ioasAlloc();
    private final IoPagetable iopt = h.ioas(ioas).iopt();
    private final long buffer = h.mmap(64 * PAGE);

    IoptCutTest() throws IommufdException {
    }

    private static void fails(Errno expected, Executable call) {
        assertEquals(expected, assertThrows(IommufdException.class, call).errno());
    }

    private List<String> areas() throws IommufdException {
        return h.areas(ioas).stream().map(a -> Long.toHexString(a[0]) + "+" + Long.toHexString(a[1])).toList();
    }

    @Test
    void aCutInsideAnAreaSplitsItIntoTwoAreasOverTheSamePages() throws Exception {
        MockDomain d = MockDomain.x86();
        iopt.disableLargePages();
        iopt.addDomain(d);
        h.mapFixed(ioas, buffer, 8 * PAGE, 16 * PAGE);
        long pinnedBefore = h.pinnedFrames();
        long[] statsBefore = h.stats();
        iopt.cutIova(19 * PAGE - 1);
        assertEquals(List.of("10000+3000", "13000+5000"), areas());
        assertEquals(8 * PAGE, d.mappedBytes(), "the domain keeps every page");
        assertEquals(pinnedBefore, h.pinnedFrames());
        assertArrayEquals(statsBefore, h.stats());
        Area rhs = iopt.areas().get(1);
        assertEquals(3 * PAGE, rhs.startByte());
        assertEquals(3, rhs.index());
    }

    @Test
    void removingTheMiddleOfACutAreaUnpinsAndUnmapsOnlyTheMiddle() throws Exception {
        MockDomain d = MockDomain.x86();
        iopt.disableLargePages();
        iopt.addDomain(d);
        h.mapFixed(ioas, buffer, 8 * PAGE, 16 * PAGE);
        iopt.cutIova(20 * PAGE - 1, 18 * PAGE - 1);
        assertEquals(List.of("10000+2000", "12000+2000", "14000+4000"), areas());
        assertEquals(2 * PAGE, h.unmap(ioas, 18 * PAGE, 2 * PAGE));
        assertEquals(6 * PAGE, d.mappedBytes());
        assertEquals(-1, d.iovaToPhys(18 * PAGE));
        assertArrayEquals(new long[] {0, 0}, h.main.pinCount(buffer + 2 * PAGE, 2 * PAGE));
        assertArrayEquals(new long[] {1, 1}, h.main.pinCount(buffer, 2 * PAGE));
        assertArrayEquals(new long[] {1, 1}, h.main.pinCount(buffer + 4 * PAGE, 4 * PAGE));
        assertArrayEquals(new long[] {0, 6, 6}, h.stats());
        assertEquals(6 * PAGE, h.unmap(ioas, 0, -1L));
        assertArrayEquals(new long[] {0, 0, 0}, h.stats());
        assertEquals(0, h.pinnedFrames());
    }

    @Test
    void aCutAtTheFirstOrLastIovaOfAnAreaOrOutsideEveryAreaChangesNothing() throws Exception {
        h.mapFixed(ioas, buffer, 4 * PAGE, 16 * PAGE);
        iopt.cutIova(16 * PAGE, 20 * PAGE - 1, 8 * PAGE, 40 * PAGE - 1);
        assertEquals(List.of("10000+4000"), areas());
    }

    @Test
    void aCutWhoseNewStartIsNotAlignedFailsWithEinvalAndKeepsTheArea() throws Exception {
        iopt.disableLargePages();
        h.mapFixed(ioas, buffer, 4 * PAGE, 16 * PAGE);
        fails(Errno.EINVAL, () -> iopt.cutIova(17 * PAGE + 0x7ff));
        assertEquals(List.of("10000+4000"), areas());
    }

    @Test
    void aByteGranularCutSplitsWhenTheAlignmentIsOneByte() throws Exception {
        h.mapFixed(ioas, buffer, 4 * PAGE, 16 * PAGE);
        iopt.cutIova(17 * PAGE + 0x7ff);
        assertEquals(List.of("10000+1800", "11800+2800"), areas());
        assertEquals(4 * PAGE, h.unmap(ioas, 16 * PAGE, 4 * PAGE));
    }

    @Test
    void aSharedPageOfAFilledAreaCutInsideAPageStaysPinnedUntilBothHalvesGo() throws Exception {
        // huge pages enabled: only an area no domain holds may be cut, then a domain fills both halves
        h.mapFixed(ioas, buffer, 4 * PAGE, 16 * PAGE);
        iopt.cutIova(17 * PAGE + 0x7ff);
        iopt.addDomain(new MockDomain(1, 0, -1L));
        assertArrayEquals(new long[] {1, 1}, h.main.pinCount(buffer, 4 * PAGE));
        assertEquals(0x1800, h.unmap(ioas, 16 * PAGE, 0x1800));
        assertArrayEquals(new long[] {1, 1}, h.main.pinCount(buffer + PAGE, PAGE), "the rhs still holds it");
        assertArrayEquals(new long[] {0, 0}, h.main.pinCount(buffer, PAGE));
        assertEquals(0x2800, h.unmap(ioas, 0, -1L));
        assertEquals(0, h.pinnedFrames());
    }

    @Test
    void anAreaADomainMayHoldWithHugePagesCannotBeCut() throws Exception {
        iopt.addDomain(MockDomain.x86());
        long huge = h.mmap(4L << 20, Backing.THP);
        long aligned = (huge + (2L << 20) - 1) & -(2L << 20);
        h.mapFixed(ioas, aligned, 2L << 20, 1L << 30);
        fails(Errno.EINVAL, () -> iopt.cutIova((1L << 30) + PAGE - 1));
        assertEquals(List.of("40000000+200000"), areas());
    }

    @Test
    void anAreaPinnedByAnAccessCannotBeCut() throws Exception {
        iopt.disableLargePages();
        int access = h.ctx.accesses().create(h.main, ioas, NEEDS_PIN_PAGES);
        h.mapFixed(ioas, buffer, 4 * PAGE, 16 * PAGE);
        h.ctx.accesses().pin(access, 16 * PAGE, PAGE, 0);
        fails(Errno.EINVAL, () -> iopt.cutIova(18 * PAGE - 1));
        assertEquals(List.of("10000+4000"), areas());
        h.ctx.accesses().unpin(access, 16 * PAGE, PAGE);
        iopt.cutIova(18 * PAGE - 1);
        assertEquals(List.of("10000+2000", "12000+2000"), areas());
    }

    @Test
    void cutsStopAtTheFirstFailureAndKeepTheEarlierOnes() throws Exception {
        iopt.disableLargePages();
        h.mapFixed(ioas, buffer, 4 * PAGE, 16 * PAGE);
        fails(Errno.EINVAL, () -> iopt.cutIova(18 * PAGE - 1, 17 * PAGE + 1, 19 * PAGE - 1));
        assertEquals(List.of("10000+2000", "12000+2000"), areas());
    }

    @Test
    void aFailedUnmapReportsTheBytesItRemovedBeforeTheFailure() throws Exception {
        h.mapFixed(ioas, buffer, 2 * PAGE, 16 * PAGE);
        h.mapFixed(ioas, buffer, 4 * PAGE, 32 * PAGE);
        long[] unmapped = {-1};
        fails(Errno.ENOENT, () -> iopt.unmapIova(16 * PAGE, 18 * PAGE, unmapped));
        assertEquals(2 * PAGE, unmapped[0]);
        assertEquals(List.of("20000+4000"), areas());
        unmapped[0] = -1;
        fails(Errno.EINVAL, () -> iopt.unmapIova(16 * PAGE, 0, unmapped));
        assertEquals(0, unmapped[0]);
        assertEquals(4 * PAGE, iopt.unmapAll(unmapped));
        assertEquals(4 * PAGE, unmapped[0]);
    }
}
