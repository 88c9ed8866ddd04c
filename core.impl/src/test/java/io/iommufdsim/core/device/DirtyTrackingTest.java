package io.iommufdsim.core.device;

import static io.iommufdsim.api.uapi.IoctlCommand.IOMMU_GET_HW_INFO;
import static io.iommufdsim.api.uapi.IoctlCommand.IOMMU_HWPT_GET_DIRTY_BITMAP;
import static io.iommufdsim.api.uapi.IoctlCommand.IOMMU_HWPT_SET_DIRTY_TRACKING;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.iommufdsim.api.Backing;
import io.iommufdsim.api.DeviceConfig;
import io.iommufdsim.api.Errno;
import io.iommufdsim.api.IommufdException;
import io.iommufdsim.api.IotlbStats;
import io.iommufdsim.api.SimDevice;
import io.iommufdsim.api.uapi.UapiConstants;
import io.iommufdsim.core.hwpt.HwptPaging;
import io.iommufdsim.core.pt.PageTableWalker;
import io.iommufdsim.core.pt.Translation;
import io.iommufdsim.spi.PhysicalMemory;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import org.junit.jupiter.api.Test;

/**
 * Dirty tracking end to end with the test driver (D bit 9, A bit 8, SSADE in the device entry):
 * the hardware update a DMA makes, IOMMU_HWPT_SET_DIRTY_TRACKING and IOMMU_HWPT_GET_DIRTY_BITMAP.
 */
class DirtyTrackingTest {
    private static final long RW = DeviceHarness.READABLE | DeviceHarness.WRITEABLE;
    private static final long IOVA = 0x100000000L;
    private static final long A = TestIommuDriver.A;
    private static final long D = TestIommuDriver.D;

    private final DeviceHarness h = new DeviceHarness();
    private final PciDevice nic = h.addDevice("nic0");
    private final int devId;
    private final int ioas;
    private final int hwpt;
    private final PhysicalMemory mem = h.machine.memory().physical();

    DirtyTrackingTest() throws IommufdException {
        devId = h.bind(nic);
        ioas = h.ioasAlloc();
        hwpt = h.hwptAlloc(devId, ioas, UapiConstants.IOMMU_HWPT_ALLOC_DIRTY_TRACKING);
        h.attach(nic, hwpt);
    }

    private void setTracking(boolean on) throws IommufdException {
        h.ioctl(IOMMU_HWPT_SET_DIRTY_TRACKING, "hwpt_id", hwpt, "flags", on ? 1 : 0);
    }

    /** GET_DIRTY_BITMAP into a fresh zeroed user buffer of {@code words} u64; returns them. */
    private long[] bitmap(long iova, long length, long pageSize, int flags, int words) throws IommufdException {
        long buf = h.mmap(0x1000, Backing.FOUR_K);
        h.ioctl(IOMMU_HWPT_GET_DIRTY_BITMAP, "hwpt_id", hwpt, "flags", flags, "iova", iova, "length", length,
                "page_size", pageSize, "data", buf);
        ByteBuffer b = ByteBuffer.wrap(h.main.read(buf, 8L * words)).order(ByteOrder.LITTLE_ENDIAN);
        long[] out = new long[words];
        for (int i = 0; i < words; i++) {
            out[i] = b.getLong();
        }
        return out;
    }

    private Translation walk(long iova) throws IommufdException {
        HwptPaging p = (HwptPaging) h.ctx.objects().get(hwpt);
        Translation t = new Translation();
        assertTrue(new PageTableWalker(p.domain().spec().format(), mem).walk(p.domain().rootPa(), iova, t));
        return t;
    }

    private long leaf(long iova) throws IommufdException {
        return mem.readLong(walk(iova).leafEntryPa());
    }

    private void write(long iova) throws IommufdException {
        nic.dmaWrite(SimDevice.NO_PASID, iova, new byte[] {1});
    }

    @Test
    void aDmaWriteWithTrackingOnSetsDirtyAndAccessedInTheLeafAtItsPhysicalAddress() throws Exception {
        long va = h.mmap(0x2000, Backing.FOUR_K);
        h.mapFixed(ioas, va, 0x2000, IOVA, RW);
        setTracking(true);
        Translation t = walk(IOVA + 0x1000);
        assertEquals(0, t.entry() & (A | D));
        write(IOVA + 0x1008);
        long pa = t.leafEntryPa();
        assertEquals(A | D, mem.readLong(pa) & (A | D), "D and A at the leaf's own address");
        assertEquals(t.entry() | A | D, mem.readLong(pa));
        for (int i = 0; i < t.walkedEntryCount() - 1; i++) {
            assertEquals(A, mem.readLong(t.walkedEntryPa(i)) & (A | D), "A only in the tables walked");
        }
        assertEquals(0, leaf(IOVA) & (A | D), "the other page is untouched");
    }

    @Test
    void aDmaReadSetsOnlyAccessed() throws Exception {
        long va = h.mmap(0x1000, Backing.FOUR_K);
        h.mapFixed(ioas, va, 0x1000, IOVA, RW);
        setTracking(true);
        nic.dmaRead(SimDevice.NO_PASID, IOVA, 4);
        assertEquals(A, leaf(IOVA) & (A | D));
    }

    @Test
    void withTrackingOffTheHardwareWritesNoBits() throws Exception {
        long va = h.mmap(0x1000, Backing.FOUR_K);
        h.mapFixed(ioas, va, 0x1000, IOVA, RW);
        write(IOVA);
        assertEquals(0, leaf(IOVA) & (A | D));
        setTracking(true);
        setTracking(false);
        write(IOVA + 8);
        assertEquals(0, leaf(IOVA) & (A | D));
    }

    @Test
    void aWriteHittingACleanCachedTranslationWalksAgainAndSetsDirty() throws Exception {
        long va = h.mmap(0x1000, Backing.FOUR_K);
        h.mapFixed(ioas, va, 0x1000, IOVA, RW);
        setTracking(true);
        nic.dmaRead(SimDevice.NO_PASID, IOVA, 4);
        IotlbStats afterRead = nic.iotlbStats();
        write(IOVA);
        assertEquals(A | D, leaf(IOVA) & (A | D));
        assertEquals(afterRead.misses() + 1, nic.iotlbStats().misses(), "the write walked");
        write(IOVA + 1);
        assertEquals(afterRead.hits() + 1, nic.iotlbStats().hits(), "now cached as dirty: a plain hit");
    }

    @Test
    void readAndClearReportsTheWrittenPagesThenClearsThem() throws Exception {
        long va = h.mmap(0x10000, Backing.FOUR_K);
        h.mapFixed(ioas, va, 0x10000, IOVA, RW);
        setTracking(true);
        write(IOVA + 0x1000);
        write(IOVA + 0x5ff0);
        write(IOVA + 0xf000);
        assertArrayEquals(new long[] {(1L << 1) | (1L << 5) | (1L << 15)}, bitmap(IOVA, 0x10000, 0x1000, 0, 1));
        assertEquals(A, leaf(IOVA + 0x1000) & (A | D), "D cleared, A kept");
        assertArrayEquals(new long[] {0}, bitmap(IOVA, 0x10000, 0x1000, 0, 1));
        // the clear flushed the IOTLB: the next write walks and dirties the page again
        write(IOVA + 0x1000);
        assertArrayEquals(new long[] {1L << 1}, bitmap(IOVA, 0x10000, 0x1000, 0, 1));
    }

    @Test
    void noClearReportsTheSameBitsAgain() throws Exception {
        long va = h.mmap(0x4000, Backing.FOUR_K);
        h.mapFixed(ioas, va, 0x4000, IOVA, RW);
        setTracking(true);
        write(IOVA + 0x2000);
        int noClear = UapiConstants.IOMMU_HWPT_GET_DIRTY_BITMAP_NO_CLEAR;
        assertArrayEquals(new long[] {4}, bitmap(IOVA, 0x4000, 0x1000, noClear, 1));
        assertArrayEquals(new long[] {4}, bitmap(IOVA, 0x4000, 0x1000, noClear, 1));
        assertEquals(D, leaf(IOVA + 0x2000) & D);
        assertArrayEquals(new long[] {4}, bitmap(IOVA, 0x4000, 0x1000, 0, 1));
        assertArrayEquals(new long[] {0}, bitmap(IOVA, 0x4000, 0x1000, 0, 1));
    }

    @Test
    void aDirtyTwoMegabyteLeafMarksAllItsFiveHundredTwelvePages() throws Exception {
        long thp = h.mmap(0x200000, Backing.THP);
        h.mapFixed(ioas, thp, 0x200000, 0x200000000L, RW);
        assertEquals(1, walk(0x200000000L).level());
        setTracking(true);
        write(0x200123456L);
        long[] bits = bitmap(0x200000000L, 0x200000, 0x1000, 0, 9);
        for (int i = 0; i < 8; i++) {
            assertEquals(-1L, bits[i], "word " + i);
        }
        assertEquals(0, bits[8], "nothing past the leaf");
        // with 2 MiB per bit the same leaf is one bit
        write(0x200000000L);
        assertArrayEquals(new long[] {1}, bitmap(0x200000000L, 0x200000, 0x200000, 0, 1));
    }

    @Test
    void enablingClearsDirtyBitsLeftFromAnEarlierCycle() throws Exception {
        long va = h.mmap(0x2000, Backing.FOUR_K);
        h.mapFixed(ioas, va, 0x2000, IOVA, RW);
        setTracking(true);
        write(IOVA);
        setTracking(false);
        assertEquals(D, leaf(IOVA) & D, "disabling keeps the bits");
        setTracking(true);
        assertEquals(0, leaf(IOVA) & D, "enabling starts from a clean snapshot");
        assertArrayEquals(new long[] {0}, bitmap(IOVA, 0x2000, 0x1000, 0, 1));
    }

    @Test
    void setDirtyTrackingRefusesBadFlagsUnknownHwptsAndHwptsWithoutDirtyOps() throws Exception {
        long va = h.mmap(0x1000, Backing.FOUR_K);
        h.mapFixed(ioas, va, 0x1000, IOVA, RW);
        setTracking(true);
        write(IOVA);
        int plain = h.hwptAlloc(devId, ioas, 0);
        TestIommuDriver.Instance unit = h.instance(DeviceHarness.DRIVER);
        int calls = unit.setDirtyCalls;
        h.fails(Errno.EOPNOTSUPP, IOMMU_HWPT_SET_DIRTY_TRACKING, "hwpt_id", hwpt, "flags", 2);
        h.fails(Errno.EOPNOTSUPP, IOMMU_HWPT_SET_DIRTY_TRACKING, "hwpt_id", hwpt, "flags", 3);
        h.fails(Errno.ENOENT, IOMMU_HWPT_SET_DIRTY_TRACKING, "hwpt_id", ioas, "flags", 1);
        h.fails(Errno.ENOENT, IOMMU_HWPT_SET_DIRTY_TRACKING, "hwpt_id", 999, "flags", 0);
        h.fails(Errno.EOPNOTSUPP, IOMMU_HWPT_SET_DIRTY_TRACKING, "hwpt_id", plain, "flags", 1);
        assertEquals(calls, unit.setDirtyCalls);
        assertEquals(D, leaf(IOVA) & D, "nothing cleared");
        assertTrue(((HwptPaging) h.ctx.objects().get(hwpt)).domain().dirtyTracking());
        // __reserved is not checked (hw_pagetable.c); the same state again is a no-op for the unit
        h.ioctl(IOMMU_HWPT_SET_DIRTY_TRACKING, "hwpt_id", hwpt, "flags", 1, "__reserved", 5);
        assertEquals(calls, unit.setDirtyCalls);
    }

    @Test
    void aUnitThatFailsToSwitchLeavesTrackingAsItWas() throws Exception {
        long va = h.mmap(0x1000, Backing.FOUR_K);
        h.mapFixed(ioas, va, 0x1000, IOVA, RW);
        TestIommuDriver.Instance unit = h.instance(DeviceHarness.DRIVER);
        unit.failNextSetDirty = Errno.EOPNOTSUPP.ordinal() + 1;
        h.fails(Errno.EOPNOTSUPP, IOMMU_HWPT_SET_DIRTY_TRACKING, "hwpt_id", hwpt, "flags", 1);
        assertFalse(((HwptPaging) h.ctx.objects().get(hwpt)).domain().dirtyTracking());
        write(IOVA);
        assertEquals(0, leaf(IOVA) & (A | D), "the hardware still does not track");
    }

    @Test
    void getDirtyBitmapChecksInTheKernelsOrderAndChangesNothingOnError() throws Exception {
        long va = h.mmap(0x4000, Backing.FOUR_K);
        h.mapFixed(ioas, va, 0x4000, IOVA, RW);
        setTracking(true);
        write(IOVA);
        int plain = h.hwptAlloc(devId, ioas, 0);
        long buf = h.mmap(0x1000, Backing.FOUR_K);
        Object[][] rows = {
            {Errno.EOPNOTSUPP, new Object[] {"hwpt_id", 999, "flags", 2}},
            {Errno.EOPNOTSUPP, new Object[] {"hwpt_id", 999, "__reserved", 1}},
            {Errno.ENOENT, new Object[] {"hwpt_id", 999, "iova", IOVA, "length", 0x4000, "page_size", 0x1000}},
            {Errno.ENOENT, new Object[] {"hwpt_id", ioas, "iova", IOVA, "length", 0x4000, "page_size", 0x1000}},
            {Errno.EOVERFLOW, new Object[] {"hwpt_id", hwpt, "iova", -0x1000L, "length", 0x2000, "page_size", 0x1000}},
            {Errno.EOVERFLOW, new Object[] {"hwpt_id", hwpt, "iova", IOVA, "length", 0, "page_size", 0x1000}},
            {Errno.EINVAL, new Object[] {"hwpt_id", hwpt, "iova", IOVA + 0x800, "length", 0x1000, "page_size", 0x800}},
            {Errno.EINVAL, new Object[] {"hwpt_id", hwpt, "iova", IOVA, "length", 0x1800, "page_size", 0x800}},
            {Errno.EINVAL, new Object[] {"hwpt_id", hwpt, "iova", IOVA, "length", 0x4000, "page_size", 0}},
            {Errno.EINVAL, new Object[] {"hwpt_id", hwpt, "iova", IOVA + 0x1000, "length", 0x2000, "page_size", 0x2000}},
            {Errno.EINVAL, new Object[] {"hwpt_id", hwpt, "iova", IOVA, "length", 0x3000, "page_size", 0x2000}},
            // no dirty ops is checked after the range
            {Errno.EINVAL, new Object[] {"hwpt_id", plain, "iova", IOVA, "length", 0x4000, "page_size", 0}},
            {Errno.EOPNOTSUPP, new Object[] {"hwpt_id", plain, "iova", IOVA, "length", 0x4000, "page_size", 0x1000}},
        };
        for (Object[] row : rows) {
            Object[] args = java.util.Arrays.copyOf((Object[]) row[1], ((Object[]) row[1]).length + 2);
            args[args.length - 2] = "data";
            args[args.length - 1] = buf;
            h.fails((Errno) row[0], IOMMU_HWPT_GET_DIRTY_BITMAP, args);
        }
        assertArrayEquals(new byte[8], h.main.read(buf, 8), "no bit written");
        assertEquals(D, leaf(IOVA) & D, "no bit cleared");
    }

    @Test
    void aHoleEndsTheWalkSilentlyAndAFaultingBitmapIsNotAnError() throws Exception {
        long va = h.mmap(0x3000, Backing.FOUR_K);
        h.mapFixed(ioas, va, 0x1000, IOVA, RW);
        h.mapFixed(ioas, va + 0x2000, 0x1000, IOVA + 0x2000, RW);
        setTracking(true);
        write(IOVA);
        write(IOVA + 0x2000);
        // the area at IOVA + 0x2000 is behind a hole: not read, not cleared, still 0 returned
        assertArrayEquals(new long[] {1}, bitmap(IOVA, 0x3000, 0x1000, 0, 1));
        assertEquals(D, leaf(IOVA + 0x2000) & D);
        // an unmapped bitmap pointer: the ioctl succeeds, and the bits are still cleared
        h.ioctl(IOMMU_HWPT_GET_DIRTY_BITMAP, "hwpt_id", hwpt, "iova", IOVA + 0x2000, "length", 0x1000,
                "page_size", 0x1000, "data", 0x10);
        assertEquals(0, leaf(IOVA + 0x2000) & D);
    }

    @Test
    void aLeafLargerThanTheRangeMarksBitsToTheEndOfTheBitmapPage() throws Exception {
        long thp = h.mmap(0x200000, Backing.THP);
        h.mapFixed(ioas, thp, 0x200000, 0x200000000L, RW);
        setTracking(true);
        write(0x200000000L);
        // one page asked for, the 2 MiB leaf recorded whole from there (iova_bitmap_set): 512 bits
        long[] bits = bitmap(0x200001000L, 0x1000, 0x1000, 0, 9);
        for (int i = 0; i < 8; i++) {
            assertEquals(-1L, bits[i], "word " + i);
        }
        assertEquals(0, bits[8]);
    }

    @Test
    void dirtyTrackingNeedsTheCapabilityToAllocateAndToAttach() throws Exception {
        h.machine.addIommu(DeviceHarness.DRIVER, "plain", DeviceHarness.config("dirty_tracking", false));
        PciDevice old = (PciDevice) h.machine.addDevice("plain", "old0", DeviceConfig.DEFAULT);
        int oldId = h.bind(old);
        h.fails(Errno.EOPNOTSUPP, io.iommufdsim.api.uapi.IoctlCommand.IOMMU_HWPT_ALLOC, "dev_id", oldId,
                "pt_id", ioas, "flags", UapiConstants.IOMMU_HWPT_ALLOC_DIRTY_TRACKING);
        // selftest enforce_dirty: a device whose IOMMU cannot track cannot join a dirty-tracking HWPT
        TestIommuDriver.Instance plainUnit = h.instance("plain");
        int attachCalls = plainUnit.attachCalls;
        h.deviceFails(Errno.EINVAL, old, io.iommufdsim.api.uapi.IoctlCommand.VFIO_DEVICE_ATTACH_IOMMUFD_PT,
                "pt_id", hwpt);
        assertEquals(attachCalls, plainUnit.attachCalls, "the unit was not asked");
        assertThrows(IommufdException.class, () -> old.dmaRead(SimDevice.NO_PASID, 0, 1), "still blocked");
        // attaching it to the IOAS gets it a new auto domain instead of the dirty HWPT
        int auto = h.attach(old, ioas);
        assertTrue(auto != hwpt);
    }

    @Test
    void getHwInfoReportsDirtyTrackingWhenTheUnitHasIt() throws Exception {
        h.machine.addIommu(DeviceHarness.DRIVER, "plain", DeviceHarness.config("dirty_tracking", false));
        PciDevice old = (PciDevice) h.machine.addDevice("plain", "old0", DeviceConfig.DEFAULT);
        int oldId = h.bind(old);
        long caps = DeviceHarness.field(IOMMU_GET_HW_INFO, h.ioctl(IOMMU_GET_HW_INFO, "dev_id", devId),
                "out_capabilities");
        assertEquals(UapiConstants.IOMMU_HW_CAP_DIRTY_TRACKING, caps & UapiConstants.IOMMU_HW_CAP_DIRTY_TRACKING);
        caps = DeviceHarness.field(IOMMU_GET_HW_INFO, h.ioctl(IOMMU_GET_HW_INFO, "dev_id", oldId), "out_capabilities");
        assertEquals(0, caps & UapiConstants.IOMMU_HW_CAP_DIRTY_TRACKING);
    }
}
