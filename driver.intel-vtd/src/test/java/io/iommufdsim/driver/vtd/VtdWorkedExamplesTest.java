package io.iommufdsim.driver.vtd;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.iommufdsim.api.Errno;
import io.iommufdsim.api.IommufdException;
import io.iommufdsim.core.pt.IotlbGather;
import io.iommufdsim.core.pt.PageTable;
import io.iommufdsim.core.pt.Translation;
import io.iommufdsim.ptcontract.SparseMemory;
import io.iommufdsim.ptcontract.TestPageAllocator;
import io.iommufdsim.spi.IommuProt;
import io.iommufdsim.spi.PageTableFeatures;
import io.iommufdsim.spi.PageTableFormat;
import io.iommufdsim.spi.WalkFault;

import org.junit.jupiter.api.Test;

/**
 * The worked examples of vendor-formats.md §2.1, bit for bit, read back from the simulated memory the
 * engine wrote them to; and how the hardware walk treats entries Linux never writes.
 */
class VtdWorkedExamplesTest {
    private static final int R = IommuProt.READ | IommuProt.CACHE;
    private static final int W = IommuProt.WRITE | IommuProt.CACHE;
    private static final int RW = R | W;
    private static final long TABLES = 0x7F00_0000L;

    private final SparseMemory memory = new SparseMemory();
    private final TestPageAllocator allocator = new TestPageAllocator(memory, TABLES);
    private final IotlbGather gather = new IotlbGather();
    private final Translation tr = new Translation();

    private PageTable table(PageTableFormat format) throws IommufdException {
        return new PageTable(format, memory, allocator);
    }

    private PageTable secondStage() throws IommufdException {
        return table(VtdSecondStage.format(4, 48, 48, true));
    }

    private PageTable firstStage() throws IommufdException {
        return table(VtdFirstStage.format(4, 48, 48));
    }

    private long leaf(PageTable t, long iova) {
        assertTrue(t.translate(iova, tr), () -> tr.toString());
        return tr.entry();
    }

    private long entry(PageTable t, long iova, int level) {
        long table = t.rootPa();
        PageTableFormat f = t.format();
        for (int l = f.topLevel(); ; l--) {
            long slot = table + (((iova >>> f.level(l).itemShift()) & 511) << 3);
            long e = memory.readLong(slot);
            if (l == level) {
                return e;
            }
            table = e & VtdBits.field(51, 12);
        }
    }

    @Test
    void secondStage4kReadWriteLeafWithoutForceSnoopIs0x12345003() throws IommufdException {
        PageTable t = secondStage();
        t.map(0x1000, 0x12345000L, 0x1000, RW, gather);
        assertEquals(0x0000000012345003L, leaf(t, 0x1000));
    }

    @Test
    void secondStage4kReadWriteLeafOnAForceSnoopDomainIs0x12345803() throws IommufdException {
        PageTable t = secondStage();
        t.setFeatures(PageTableFeatures.FORCE_COHERENCE);
        t.map(0x1000, 0x12345000L, 0x1000, RW, gather);
        assertEquals(0x0000000012345803L, leaf(t, 0x1000));
    }

    @Test
    void secondStage4kReadOnlyLeafIs0x12345001() throws IommufdException {
        PageTable t = secondStage();
        t.map(0x1000, 0x12345000L, 0x1000, R, gather);
        assertEquals(0x0000000012345001L, leaf(t, 0x1000));
        assertTrue(tr.readable());
        assertFalse(tr.writable());
    }

    /**
     * Linux 7.0 (generic_pt vtdss_pt_iommu_set_prot) writes W alone; the pre-generic_pt driver forced R
     * (0x...003), as vendor-formats.md §2.1 notes for the legacy code.
     */
    @Test
    void secondStage4kWriteOnlyLeafHasWAloneAsLinux70WritesIt() throws IommufdException {
        PageTable t = secondStage();
        t.map(0x1000, 0x12345000L, 0x1000, W, gather);
        assertEquals(0x0000000012345002L, leaf(t, 0x1000));
        assertFalse(tr.readable());
        assertTrue(tr.writable());
    }

    @Test
    void secondStageLeafAfterADeviceWriteWithSsadeHasAAndDSet() throws IommufdException {
        PageTable t = secondStage();
        t.map(0x1000, 0x12345000L, 0x1000, RW, gather);
        long after = t.format().dirtyBits().orElseThrow().afterWrite(leaf(t, 0x1000));
        assertEquals(0x0000000012345303L, after);
        assertTrue(t.format().dirtyBits().orElseThrow().isDirty(after));
        assertEquals(0x0000000012345103L, t.format().dirtyBits().orElseThrow().makeClean(after));
    }

    @Test
    void secondStage2mReadWriteLeafIs0x40000083AndWithSnoop0x40000883() throws IommufdException {
        PageTable t = secondStage();
        t.map(0x4000_0000L, 0x4000_0000L, 0x20_0000, RW, gather);
        assertEquals(0x0000000040000083L, leaf(t, 0x4000_0000L));
        assertEquals(1, tr.level());
        PageTable snoop = secondStage();
        snoop.setFeatures(PageTableFeatures.FORCE_COHERENCE);
        snoop.map(0x4000_0000L, 0x4000_0000L, 0x20_0000, RW, gather);
        assertEquals(0x0000000040000883L, leaf(snoop, 0x4000_0000L));
    }

    @Test
    void secondStage1gReadOnlyLeafIs0x80000081() throws IommufdException {
        PageTable t = secondStage();
        t.map(0x8000_0000L, 0x8000_0000L, 0x4000_0000L, R, gather);
        assertEquals(0x0000000080000081L, leaf(t, 0x8000_0000L));
        assertEquals(2, tr.level());
    }

    @Test
    void secondStageTablePointerIsTableAddressWithRAndW() throws IommufdException {
        PageTable t = secondStage();
        t.map(0x1000, 0x12345000L, 0x1000, RW, gather);
        for (int level = 1; level <= 3; level++) {
            long e = entry(t, 0x1000, level);
            assertEquals(0x3L, e & 0xFFF, "level " + level);
            assertTrue((e & VtdBits.field(51, 12)) >= TABLES);
        }
        // the entry format itself: a table at 0x7F000000 is 0x7F000003
        assertEquals(0x000000007F000003L, entry(t, 0x1000, 3) - (entry(t, 0x1000, 3) & VtdBits.field(51, 12))
                + 0x7F000000L);
    }

    @Test
    void aReadOnlyMapOnANestParentIsRefusedWithEinval() throws IommufdException {
        PageTable t = secondStage();
        t.setFeatures(PageTableFeatures.FORCE_WRITEABLE);
        IommufdException e = assertThrows(IommufdException.class, () -> t.map(0x1000, 0x12345000L, 0x1000, R, gather));
        assertEquals(Errno.EINVAL, e.errno());
        assertEquals(1, t.tablePageCount());
        t.map(0x1000, 0x12345000L, 0x1000, RW, gather);
        assertEquals(0x0000000012345003L, leaf(t, 0x1000));
    }

    @Test
    void firstStage4kReadWriteLeafIs0x12345067() throws IommufdException {
        PageTable t = firstStage();
        t.map(0x1000, 0x12345000L, 0x1000, RW, gather);
        assertEquals(0x0000000012345067L, leaf(t, 0x1000));
    }

    @Test
    void firstStage4kReadOnlyLeafIs0x12345025() throws IommufdException {
        PageTable t = firstStage();
        t.map(0x1000, 0x12345000L, 0x1000, R, gather);
        assertEquals(0x0000000012345025L, leaf(t, 0x1000));
        assertFalse(tr.writable());
    }

    @Test
    void firstStage2mReadWriteLeafIs0x400000E7() throws IommufdException {
        PageTable t = firstStage();
        t.map(0x4000_0000L, 0x4000_0000L, 0x20_0000, RW, gather);
        assertEquals(0x00000000400000E7L, leaf(t, 0x4000_0000L));
    }

    @Test
    void firstStageTablePointerIsTableAddressWith0x27() throws IommufdException {
        PageTable t = firstStage();
        t.map(0x1000, 0x12345000L, 0x1000, RW, gather);
        for (int level = 1; level <= 3; level++) {
            assertEquals(0x27L, entry(t, 0x1000, level) & 0xFFF, "level " + level);
        }
    }

    @Test
    void theWalkFaultsOnAPsBitInAPml4Entry() throws IommufdException {
        PageTable t = secondStage();
        t.map(0x1000, 0x12345000L, 0x1000, RW, gather);
        long slot = t.rootPa();
        memory.writeLong(slot, memory.readLong(slot) | 0x80);
        assertFalse(t.translate(0x1000, tr));
        assertEquals(WalkFault.RESERVED_BIT, tr.fault());
        assertEquals(3, tr.level());
    }

    @Test
    void theWalkFaultsOnASnoopBitWhenTheUnitHasNoSnoopControl() throws IommufdException {
        PageTable t = table(VtdSecondStage.format(4, 48, 48, false));
        t.setFeatures(PageTableFeatures.FORCE_COHERENCE);
        t.map(0x1000, 0x12345000L, 0x1000, RW, gather);
        assertFalse(t.translate(0x1000, tr));
        assertEquals(WalkFault.RESERVED_BIT, tr.fault());
    }

    @Test
    void theWalkFaultsOnAnAddressAboveTheHostAddressWidth() throws IommufdException {
        PageTable t = table(VtdSecondStage.format(4, 48, 39, true));
        t.map(0x1000, 1L << 40, 0x1000, RW, gather);
        assertFalse(t.translate(0x1000, tr));
        assertEquals(WalkFault.RESERVED_BIT, tr.fault());
    }

    @Test
    void theFirstStageWalkRefusesWritesThroughATableWithoutRw() throws IommufdException {
        PageTable t = firstStage();
        t.map(0x1000, 0x12345000L, 0x1000, RW, gather);
        long slot = t.rootPa();
        memory.writeLong(slot, memory.readLong(slot) & ~VtdFirstStage.RW);
        assertTrue(t.translate(0x1000, tr));
        assertTrue(tr.readable());
        assertFalse(tr.writable());
    }

    @Test
    void linuxGivesSecondStageDomainsTheDepthSagawAndMgawAllow() {
        assertEquals(new VtdTableGeometry(4, 48), VtdTableGeometry.secondStage(0b00100, 48));
        assertEquals(new VtdTableGeometry(5, 57), VtdTableGeometry.secondStage(0b01100, 57));
        // as written in 7.0 compute_vasz_lg2_ss: with the 5-level bit set the walk is 5 levels even for 48 bits
        assertEquals(new VtdTableGeometry(5, 48), VtdTableGeometry.secondStage(0b01100, 48));
        assertEquals(new VtdTableGeometry(5, 48), VtdTableGeometry.secondStage(0b01000, 48));
        assertEquals(new VtdTableGeometry(3, 39), VtdTableGeometry.secondStage(0b00010, 39));
        assertEquals(new VtdTableGeometry(4, 39), VtdTableGeometry.secondStage(0b00100, 39));
        assertEquals(null, VtdTableGeometry.secondStage(0b00001, 48));
    }

    @Test
    void linuxGivesFirstStageDomainsFiveLevelsOnlyWithFl5lpAndAWideMgaw() {
        assertEquals(new VtdTableGeometry(5, 57), VtdTableGeometry.firstStage(57, true));
        assertEquals(new VtdTableGeometry(4, 48), VtdTableGeometry.firstStage(57, false));
        assertEquals(new VtdTableGeometry(4, 39), VtdTableGeometry.firstStage(39, true));
    }

    @Test
    void theFirstStageApertureIsTheLowerCanonicalHalf() {
        assertEquals((1L << 47) - 1, VtdFirstStage.format(4, 48, 48).apertureLast());
        assertEquals((1L << 48) - 1, VtdSecondStage.format(4, 48, 48, true).apertureLast());
    }
}
