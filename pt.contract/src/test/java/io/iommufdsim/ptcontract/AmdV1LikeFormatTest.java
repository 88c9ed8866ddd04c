package io.iommufdsim.ptcontract;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.iommufdsim.api.IommufdException;
import io.iommufdsim.api.PageTableDump;
import io.iommufdsim.core.pt.IotlbGather;
import io.iommufdsim.core.pt.PageTable;
import io.iommufdsim.core.pt.Translation;
import io.iommufdsim.spi.IommuProt;
import io.iommufdsim.spi.PageTableFormat;
import io.iommufdsim.spi.WalkFault;

import java.util.List;

import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/** The engine with pages made of several entries and level-skipping tables (an AMD-v1-shaped format). */
class AmdV1LikeFormatTest {
    private static final int RW = IommuProt.READ | IommuProt.WRITE | IommuProt.CACHE;

    @Nested
    class Contract extends PageTableFormatContract {
        @Override
        protected PageTableFormat format() {
            return AmdV1LikeFormat.format();
        }
    }

    private final SparseMemory memory = new SparseMemory();
    private final TestPageAllocator allocator = new TestPageAllocator(memory, 0x100000L);
    private final IotlbGather gather = new IotlbGather();
    private final Translation tr = new Translation();

    private long slotOf(PageTable t, long iova, int level) {
        long table = t.rootPa();
        for (int l = 2; ; l--) {
            long slot = table + (((iova >>> (12 + 9 * l)) & 511) << 3);
            if (l == level) {
                return slot;
            }
            table = memory.readLong(slot) & AmdV1LikeFormat.OA;
        }
    }

    @Test
    void a64kPageIsSixteenIdenticalEntriesWithTheSizeCode() throws IommufdException {
        PageTable t = new PageTable(AmdV1LikeFormat.format(), memory, allocator);
        t.map(0x12340000L, 0x12340000L, 0x10000, RW, gather);
        long first = slotOf(t, 0x12340000L, 0);
        for (int i = 0; i < 16; i++) {
            assertEquals(0x7000000012347E01L, memory.readLong(first + 8L * i), "replica " + i);
        }
        assertEquals(0, memory.readLong(first + 8L * 16));
        assertEquals(List.of(new PageTableDump.Leaf(0x12340000L, 0x10000, 0, 0x7000000012347E01L)),
                t.dump().leaves());
        assertTrue(t.translate(0x1234FFF8L, tr));
        assertEquals(0x1234FFF8L, tr.physicalAddress());
        assertEquals(16, tr.pageSizeLg2());
        assertEquals(0x10000, t.unmap(0x12340000L, 0x1000, gather));
        for (int i = 0; i < 16; i++) {
            assertEquals(0, memory.readLong(first + 8L * i));
        }
    }

    @Test
    void an8kAndA4mPageCarryTheirSizeCodes() throws IommufdException {
        PageTable t = new PageTable(AmdV1LikeFormat.format(), memory, allocator);
        t.map(0x12344000L, 0x12344000L, 0x2000, RW, gather);
        assertEquals(0x7000000012344E01L, memory.readLong(slotOf(t, 0x12344000L, 0)));
        t.map(0x40400000L, 0x40400000L, 0x400000, RW, gather);
        assertEquals(0x70000000405FFE01L, memory.readLong(slotOf(t, 0x40400000L, 1)));
        assertEquals(0x70000000405FFE01L, memory.readLong(slotOf(t, 0x40600000L, 1)));
        assertTrue(t.translate(0x40600010L, tr));
        assertEquals(0x40600010L, tr.physicalAddress());
        assertEquals(22, tr.pageSizeLg2());
    }

    @Test
    void aTableEntryThatSkipsALevelTranslatesOnlyIovasWhoseSkippedIndexIsZero() throws IommufdException {
        PageTable t = new PageTable(AmdV1LikeFormat.format(), memory, allocator);
        t.map(0x1000, 0x55555000L, 0x1000, RW, gather);
        long level1Slot = slotOf(t, 0x1000, 1);
        long leafTable = memory.readLong(level1Slot) & AmdV1LikeFormat.OA;
        // level-2 entry 1 (IOVA 1 GiB) points straight at the level-0 table: NextLevel 1
        long rootSlot = t.rootPa() + 8;
        memory.writeLong(rootSlot, leafTable | AmdV1LikeFormat.PR | AmdV1LikeFormat.IR | AmdV1LikeFormat.IW | (1L << 9));
        assertTrue(t.translate((1L << 30) + 0x1008, tr));
        assertEquals(0x55555008L, tr.physicalAddress());
        assertFalse(t.translate((1L << 30) + (1L << 21) + 0x1000, tr));
        assertEquals(WalkFault.NOT_PRESENT, tr.fault());
    }
}
