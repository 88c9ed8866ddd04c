package io.iommufdsim.core.ioas;

import static io.iommufdsim.api.EmulatedAccesses.NEEDS_PIN_PAGES;
import static io.iommufdsim.api.EmulatedAccesses.WRITE;
import static io.iommufdsim.api.uapi.IoctlCommand.IOMMU_DESTROY;
import static io.iommufdsim.core.ioas.IoasHarness.FIXED;
import static io.iommufdsim.core.ioas.IoasHarness.PAGE;
import static io.iommufdsim.core.ioas.IoasHarness.READABLE;
import static io.iommufdsim.core.ioas.IoasHarness.WRITEABLE;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.iommufdsim.api.EmulatedAccesses;
import io.iommufdsim.api.Errno;
import io.iommufdsim.api.IommufdException;
import io.iommufdsim.core.iommufd.ObjectType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

/**
 * Emulated accesses with the selftest driver's semantics (reference §6.8; device.c: iommufd_access_*;
 * selftest.c: iommufd_test_access_*).
 */
class AccessTest {
    private static final long RW = READABLE | WRITEABLE;
    private final IoasHarness h = new IoasHarness();
    private final EmulatedAccesses accesses = h.ctx.accesses();
    private final int ioas = h.ioasAlloc();
    private final long buffer = h.mmap(16 * PAGE);

    AccessTest() throws IommufdException {
    }

    private static void fails(Errno expected, Executable call) {
        assertEquals(expected, assertThrows(IommufdException.class, call).errno());
    }

    @Test
    void theContextHandsOutThisImplementation() {
        assertEquals(EmulatedAccessesImpl.class, accesses.getClass());
    }

    @Test
    void createChecksFlagsThenTheIoasAndAFailedAttachFreesTheId() throws Exception {
        fails(Errno.EOPNOTSUPP, () -> accesses.create(h.main, ioas, 2));
        fails(Errno.ENOENT, () -> accesses.create(h.main, 99, NEEDS_PIN_PAGES));
        int id = accesses.create(h.main, ioas, NEEDS_PIN_PAGES);
        assertEquals(ioas + 1, id);
        // the IOAS and the access are both held now
        h.fails(Errno.EBUSY, IOMMU_DESTROY, "id", ioas);
        h.fails(Errno.EBUSY, IOMMU_DESTROY, "id", id);
        accesses.destroy(id);
        fails(Errno.ENOENT, () -> accesses.destroy(id));
        h.ioctl(IOMMU_DESTROY, "id", ioas);
    }

    @Test
    void aPinningAccessNeedsPageAlignedAreas() throws Exception {
        h.mapFixed(ioas, buffer, 512, 16 * PAGE);
        fails(Errno.EADDRINUSE, () -> accesses.create(h.main, ioas, NEEDS_PIN_PAGES));
        assertEquals(1, h.ioas(ioas).iopt().iovaAlignment());
        int rwOnly = accesses.create(h.main, ioas, 0);
        assertEquals(ioas + 1, rwOnly, "the refused access's id was freed");
    }

    @Test
    void pinChecksInTheSelftestsOrder() throws Exception {
        int rwOnly = accesses.create(h.main, ioas, 0);
        int id = accesses.create(h.main, ioas, NEEDS_PIN_PAGES);
        h.mapFixed(ioas, buffer, 4 * PAGE, 16 * PAGE);
        fails(Errno.ENOMEM, () -> accesses.pin(id, 16 * PAGE, (16L << 20) + 1, 0));
        fails(Errno.EOPNOTSUPP, () -> accesses.pin(id, 16 * PAGE, PAGE, 2));
        fails(Errno.EOPNOTSUPP, () -> accesses.pin(rwOnly, 16 * PAGE, PAGE, 0));
        fails(Errno.EINVAL, () -> accesses.pin(id, 16 * PAGE, 0, 0));
        fails(Errno.EOVERFLOW, () -> accesses.pin(id, -PAGE, 2 * PAGE, 0));
        fails(Errno.ENOENT, () -> accesses.pin(id, 8 * PAGE, PAGE, 0));
        fails(Errno.ENOENT, () -> accesses.pin(id, 16 * PAGE, 5 * PAGE, 0));
        fails(Errno.EINVAL, () -> accesses.pin(id, 16 * PAGE + 8, PAGE, 0));
        fails(Errno.ENOENT, () -> accesses.pin(99, 16 * PAGE, PAGE, 0));
        assertEquals(0, h.main.pinCount(buffer, 4 * PAGE)[1]);
    }

    @Test
    void pinsAreCountedPerExactRangeAndPinTheFramesOnce() throws Exception {
        int id = accesses.create(h.main, ioas, NEEDS_PIN_PAGES);
        h.mapFixed(ioas, buffer, 4 * PAGE, 16 * PAGE);
        long[] pfns = accesses.pin(id, 16 * PAGE, 4 * PAGE, WRITE);
        assertEquals(4, pfns.length);
        assertArrayEquals(pfns, accesses.pin(id, 16 * PAGE, 4 * PAGE, 0));
        long[] one = accesses.pin(id, 17 * PAGE, PAGE, 0);
        assertEquals(pfns[1], one[0]);
        assertArrayEquals(new long[] {1, 1}, h.main.pinCount(buffer, 4 * PAGE));
        assertArrayEquals(new long[] {0, 4, 4}, h.stats());
        fails(Errno.ENOENT, () -> accesses.unpin(id, 16 * PAGE, 2 * PAGE));
        accesses.unpin(id, 16 * PAGE, 4 * PAGE);
        accesses.unpin(id, 17 * PAGE, PAGE);
        assertArrayEquals(new long[] {1, 1}, h.main.pinCount(buffer, 4 * PAGE));
        accesses.unpin(id, 16 * PAGE, 4 * PAGE);
        assertArrayEquals(new long[] {0, 0}, h.main.pinCount(buffer, 4 * PAGE));
        assertArrayEquals(new long[] {0, 0, 0}, h.stats());
        fails(Errno.ENOENT, () -> accesses.unpin(id, 16 * PAGE, 4 * PAGE));
    }

    @Test
    void accessPinsShareTheDomainsPinAndItsCharge() throws Exception {
        MockDomain d = MockDomain.x86();
        h.ioas(ioas).iopt().addDomain(d);
        int id = accesses.create(h.main, ioas, NEEDS_PIN_PAGES);
        h.mapFixed(ioas, buffer, 4 * PAGE, 16 * PAGE);
        long[] pfns = accesses.pin(id, 16 * PAGE, 4 * PAGE, 0);
        assertEquals(d.iovaToPhys(18 * PAGE) >>> 12, pfns[2]);
        assertArrayEquals(new long[] {1, 1}, h.main.pinCount(buffer, 4 * PAGE));
        assertArrayEquals(new long[] {0, 4, 4}, h.stats());
        h.ioas(ioas).iopt().removeDomain(d);
        assertArrayEquals(new long[] {1, 1}, h.main.pinCount(buffer, 4 * PAGE), "the access still holds them");
        accesses.unpin(id, 16 * PAGE, 4 * PAGE);
        assertArrayEquals(new long[] {0, 0, 0}, h.stats());
    }

    @Test
    void writePinsAndWritesNeedAWriteableAreaAndReadsAReadableOne() throws Exception {
        int id = accesses.create(h.main, ioas, NEEDS_PIN_PAGES);
        h.map(ioas, buffer, 2 * PAGE, 16 * PAGE, FIXED | READABLE);
        h.map(ioas, buffer, 2 * PAGE, 32 * PAGE, FIXED | WRITEABLE);
        fails(Errno.EPERM, () -> accesses.pin(id, 16 * PAGE, PAGE, WRITE));
        fails(Errno.EPERM, () -> accesses.pin(id, 32 * PAGE, PAGE, 0));
        fails(Errno.EPERM, () -> accesses.write(id, 16 * PAGE, new byte[] {1}));
        fails(Errno.EPERM, () -> accesses.read(id, 32 * PAGE, 1));
        accesses.pin(id, 16 * PAGE, PAGE, 0);
        accesses.pin(id, 32 * PAGE, PAGE, WRITE);
    }

    @Test
    void aPinAcrossTwoAreasFailingOnTheSecondDropsThePinsOfTheFirst() throws Exception {
        int id = accesses.create(h.main, ioas, NEEDS_PIN_PAGES);
        h.mapFixed(ioas, buffer, 2 * PAGE, 16 * PAGE);
        h.map(ioas, buffer + 2 * PAGE, 2 * PAGE, 18 * PAGE, FIXED | READABLE);
        fails(Errno.EPERM, () -> accesses.pin(id, 16 * PAGE, 4 * PAGE, WRITE));
        assertArrayEquals(new long[] {0, 0}, h.main.pinCount(buffer, 4 * PAGE));
        assertEquals(4, accesses.pin(id, 16 * PAGE, 4 * PAGE, 0).length);
    }

    @Test
    void rwIsByteGranularAcrossAreasAndReachesTheUserMemory() throws Exception {
        int id = accesses.create(h.main, ioas, 0);
        h.mapFixed(ioas, buffer, 2 * PAGE, 16 * PAGE);
        h.mapFixed(ioas, buffer + 2 * PAGE, 2 * PAGE, 18 * PAGE);
        byte[] data = new byte[100];
        for (int i = 0; i < data.length; i++) {
            data[i] = (byte) i;
        }
        accesses.write(id, 18 * PAGE - 50, data);
        assertArrayEquals(data, h.main.read(buffer + 2 * PAGE - 50, 100));
        h.main.write(buffer + 7, new byte[] {9, 8, 7});
        assertArrayEquals(new byte[] {9, 8, 7}, accesses.read(id, 16 * PAGE + 7, 3));
        fails(Errno.EINVAL, () -> accesses.read(id, 16 * PAGE, 0));
        fails(Errno.ENOENT, () -> accesses.read(id, 20 * PAGE - 1, 2));
        fails(Errno.EOVERFLOW, () -> accesses.read(id, -1L, 2));
        assertArrayEquals(new long[] {0, 0}, h.main.pinCount(buffer, 4 * PAGE), "rw pins only for the copy");
    }

    @Test
    void unmapOfAPinnedRangeCallsTheDriverWhichUnpins() throws Exception {
        // selftest access_pin_unmap
        int id = accesses.create(h.main, ioas, NEEDS_PIN_PAGES);
        int other = accesses.create(h.main, ioas, NEEDS_PIN_PAGES);
        h.mapFixed(ioas, buffer, 4 * PAGE, 16 * PAGE);
        accesses.pin(id, 16 * PAGE, 4 * PAGE, 0);
        accesses.pin(other, 17 * PAGE, PAGE, 0);
        assertEquals(4 * PAGE, h.unmap(ioas, 16 * PAGE, 4 * PAGE));
        assertArrayEquals(new long[] {0, 0}, h.main.pinCount(buffer, 4 * PAGE));
        fails(Errno.ENOENT, () -> accesses.unpin(id, 16 * PAGE, 4 * PAGE));
        fails(Errno.ENOENT, () -> accesses.unpin(other, 17 * PAGE, PAGE));
    }

    @Test
    void anAccessThatNeverUnpinsMakesUnmapFailWithEdeadlkAndBlocksNewPins() throws Exception {
        IoPagetable iopt = h.ioas(ioas).iopt();
        h.mapFixed(ioas, buffer, 4 * PAGE, 16 * PAGE);
        int[] calls = {0};
        IoptAccess stubborn = new IoptAccess() {
            @Override
            public long iovaAlignment() {
                return PAGE;
            }

            @Override
            public void notifyUnmap(long iova, long length) {
                calls[0]++;
            }
        };
        iopt.addAccess(stubborn);
        iopt.accessPin(16 * PAGE, 17 * PAGE - 1, false);
        h.fails(Errno.EDEADLK, io.iommufdsim.api.uapi.IoctlCommand.IOMMU_IOAS_UNMAP, "ioas_id", ioas,
                "iova", 16 * PAGE, "length", 4 * PAGE);
        assertEquals(IoPagetable.UNMAP_ACCESS_TRIES + 1, calls[0]);
        assertEquals(1, iopt.areaCount());
        assertEquals(Errno.EINVAL, assertThrows(IommufdException.class,
                () -> iopt.accessPin(16 * PAGE, 17 * PAGE - 1, false)).errno());
        assertEquals(Errno.EINVAL, assertThrows(IommufdException.class,
                () -> iopt.accessRw(16 * PAGE, new byte[1], false, h.main)).errno());
        iopt.accessUnpin(16 * PAGE, 17 * PAGE - 1);
        assertEquals(4 * PAGE, h.unmap(ioas, 16 * PAGE, 4 * PAGE));
    }

    @Test
    void replaceMovesTheAccessAndDropsItsPins() throws Exception {
        int second = h.ioasAlloc();
        int id = accesses.create(h.main, ioas, NEEDS_PIN_PAGES);
        h.mapFixed(ioas, buffer, 4 * PAGE, 16 * PAGE);
        accesses.pin(id, 16 * PAGE, 4 * PAGE, 0);
        fails(Errno.ENOENT, () -> accesses.replaceIoas(id, 99));
        assertArrayEquals(new long[] {1, 1}, h.main.pinCount(buffer, 4 * PAGE));
        accesses.replaceIoas(id, second);
        assertArrayEquals(new long[] {0, 0}, h.main.pinCount(buffer, 4 * PAGE));
        h.ioctl(IOMMU_DESTROY, "id", ioas);
        h.fails(Errno.EBUSY, IOMMU_DESTROY, "id", second);
        fails(Errno.ENOENT, () -> accesses.pin(id, 16 * PAGE, PAGE, 0));
        accesses.destroy(id);
        h.ioctl(IOMMU_DESTROY, "id", second);
    }

    @Test
    void destroyingAnAccessUnpinsEverythingAndFreesTheIoas() throws Exception {
        int id = accesses.create(h.main, ioas, NEEDS_PIN_PAGES);
        h.mapFixed(ioas, buffer, 4 * PAGE, 16 * PAGE);
        accesses.pin(id, 16 * PAGE, 4 * PAGE, 0);
        accesses.pin(id, 16 * PAGE, PAGE, 0);
        accesses.destroy(id);
        assertArrayEquals(new long[] {0, 0}, h.main.pinCount(buffer, 4 * PAGE));
        assertFalse(h.ctx.objects().objects().stream().anyMatch(o -> o.type() == ObjectType.ACCESS));
        h.ioctl(IOMMU_DESTROY, "id", ioas);
    }

    @Test
    void closingTheContextWithALiveAccessKeepsItUntilTheAccessGoes() throws Exception {
        int id = accesses.create(h.main, ioas, NEEDS_PIN_PAGES);
        h.mapFixed(ioas, buffer, 4 * PAGE, 16 * PAGE);
        accesses.pin(id, 16 * PAGE, 4 * PAGE, 0);
        h.ctx.close();
        assertFalse(h.ctx.isReleased());
        accesses.destroy(id);
        assertEquals(true, h.ctx.isReleased());
        assertArrayEquals(new long[] {0, 0}, h.main.pinCount(buffer, 4 * PAGE));
    }
}
