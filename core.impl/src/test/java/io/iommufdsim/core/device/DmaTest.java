package io.iommufdsim.core.device;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.iommufdsim.api.Backing;
import io.iommufdsim.api.DmaFaultException;
import io.iommufdsim.api.IommufdException;
import io.iommufdsim.api.IotlbStats;
import io.iommufdsim.api.PageTableDump;
import io.iommufdsim.api.SimDevice;
import io.iommufdsim.spi.PhysicalMemory;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class DmaTest {
    private static final long RW = DeviceHarness.READABLE | DeviceHarness.WRITEABLE;
    private final DeviceHarness h = new DeviceHarness();
    private final PciDevice nic = h.addDevice("nic0");
    private final int ioas;
    private final int hwpt;

    DmaTest() throws IommufdException {
        h.bind(nic);
        ioas = h.ioasAlloc();
        hwpt = h.attach(nic, ioas);
    }

    private static void assertFault(String reason, long iova, IommufdException e) {
        DmaFaultException f = (DmaFaultException) e;
        assertEquals(reason, f.reason());
        assertEquals(iova, f.faultIova());
    }

    @Test
    void aDeviceWriteThroughFourKPagesLandsInTheProcessMemory() throws Exception {
        long va = h.mmap(0x4000, Backing.FOUR_K);
        h.mapFixed(ioas, va, 0x4000, 0x100000000L, RW);
        byte[] data = "across two scattered pages".getBytes(StandardCharsets.US_ASCII);
        nic.dmaWrite(SimDevice.NO_PASID, 0x100000ff0L, data);
        assertArrayEquals(data, h.main.read(va + 0xff0, data.length));
        h.main.write(va + 0x3000, new byte[] {1, 2, 3});
        assertArrayEquals(new byte[] {1, 2, 3}, nic.dmaRead(SimDevice.NO_PASID, 0x100003000L, 3));
        PageTableDump dump = h.ctx.pageTableDump(hwpt);
        assertEquals(4, dump.leaves().size());
        assertEquals(0x1000, dump.leaves().get(0).size());
    }

    @Test
    void twoMegabyteAndOneGigabyteBackingIsMappedWithLargeLeaves() throws Exception {
        long thp = h.mmap(0x200000, Backing.THP);
        h.mapFixed(ioas, thp, 0x200000, 0x200000000L, RW);
        long huge = h.mmap(1L << 30, Backing.HUGETLB_1G);
        h.mapFixed(ioas, huge, 1L << 30, 0x400000000L, RW);
        PageTableDump dump = h.ctx.pageTableDump(hwpt);
        assertEquals(2, dump.leaves().size());
        assertEquals(0x200000, dump.leaves().get(0).size());
        assertEquals(1, dump.leaves().get(0).level());
        assertEquals(1L << 30, dump.leaves().get(1).size());
        assertEquals(2, dump.leaves().get(1).level());
        nic.dmaWrite(SimDevice.NO_PASID, 0x2001ffff8L, new byte[] {9, 8, 7, 6, 5, 4, 3, 2});
        assertArrayEquals(new byte[] {9, 8, 7, 6}, h.main.read(thp + 0x1ffff8, 4));
        nic.dmaWrite(SimDevice.NO_PASID, 0x43ffffff0L, new byte[] {0x55});
        assertArrayEquals(new byte[] {0x55}, h.main.read(huge + 0x3ffffff0L, 1));
    }

    @Test
    void faultsNameTheReasonAndTheIova() throws Exception {
        long va = h.mmap(0x1000, Backing.FOUR_K);
        h.mapFixed(ioas, va, 0x1000, 0x100000000L, DeviceHarness.READABLE);
        assertFault("permission", 0x100000000L, assertThrows(IommufdException.class,
                () -> nic.dmaWrite(SimDevice.NO_PASID, 0x100000000L, new byte[] {1})));
        assertFault("not-present", 0x100001000L, assertThrows(IommufdException.class,
                () -> nic.dmaRead(SimDevice.NO_PASID, 0x100000ffcL, 8)));
        assertFault("address-size", 1L << 48, assertThrows(IommufdException.class,
                () -> nic.dmaRead(SimDevice.NO_PASID, 1L << 48, 8)));
        h.detach(nic);
        assertFault("blocked", 0x100000000L, assertThrows(IommufdException.class,
                () -> nic.dmaRead(SimDevice.NO_PASID, 0x100000000L, 8)));
    }

    @Test
    void anUnboundDeviceIsBlocked() throws Exception {
        PciDevice other = h.addDevice("other");
        assertFault("blocked", 0x1000, assertThrows(IommufdException.class,
                () -> other.dmaRead(SimDevice.NO_PASID, 0x1000, 4)));
    }

    @Test
    void theIotlbServesAStaleTranslationUntilAnInvalidationCoversIt() throws Exception {
        long va = h.mmap(0x2000, Backing.FOUR_K);
        h.mapFixed(ioas, va, 0x1000, 0x100000000L, RW);
        h.main.write(va, new byte[] {42});
        assertArrayEquals(new byte[] {42}, nic.dmaRead(SimDevice.NO_PASID, 0x100000000L, 1));
        assertEquals(new IotlbStats(0, 1, 0), nic.iotlbStats());
        // rewrite the leaf behind the IOMMU's back, without an invalidation: point it at the second page
        PageTableDump.Leaf leaf = h.ctx.pageTableDump(hwpt).leaves().get(0);
        long slot = leafSlot(0x100000000L);
        assertEquals(leaf.pte(), h.machine.memory().physical().readLong(slot));
        h.main.write(va + 0x1000, new byte[] {43});
        h.machine.memory().physical().writeLong(slot, pteOf(va + 0x1000) | 3);
        assertArrayEquals(new byte[] {42}, nic.dmaRead(SimDevice.NO_PASID, 0x100000000L, 1));
        assertEquals(new IotlbStats(1, 1, 0), nic.iotlbStats());
        // the unmap invalidates the range: the next DMA walks and finds nothing
        h.unmap(ioas, 0x100000000L, 0x1000);
        assertEquals(1, nic.iotlbStats().invalidations());
        assertThrows(DmaFaultException.class, () -> nic.dmaRead(SimDevice.NO_PASID, 0x100000000L, 1));
    }

    /** The physical address of the page behind a user address, found through a fresh 4K mapping's walk. */
    private long pteOf(long userVa) throws Exception {
        h.mapFixed(ioas, userVa, 0x1000, 0x7000000000L, RW);
        long pte = h.ctx.pageTableDump(hwpt).leaves().stream().filter(l -> l.iova() == 0x7000000000L)
                .findFirst().orElseThrow().pte();
        return pte & ~0xfffL;
    }

    /** The slot of the 4K leaf of {@code iova}: a walk of the test format's four levels. */
    private long leafSlot(long iova) throws Exception {
        PhysicalMemory mem = h.machine.memory().physical();
        long table = ((io.iommufdsim.core.hwpt.HwptPaging) h.ctx.objects().get(hwpt)).domain().rootPa();
        for (int level = 3; level > 0; level--) {
            table = mem.readLong(table + 8 * ((iova >>> (12 + 9 * level)) & 511)) & TestIommuDriver.OA;
        }
        return table + 8 * ((iova >>> 12) & 511);
    }
}
