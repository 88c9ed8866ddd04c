package io.iommufdsim.core.pt;

import io.iommufdsim.spi.PageTableFormat;
import io.iommufdsim.spi.PageTableLevel;
import io.iommufdsim.spi.PhysicalMemory;
import io.iommufdsim.spi.WalkFault;

/**
 * The hardware's view of a page table: reads one entry per level from physical memory, starting at
 * a root table address, and stops at the first entry that is not present, not allowed at its level
 * or has a reserved bit set. Permissions are the AND of every entry walked (VT-d second stage R/W,
 * AMD v1 IR/IW and x86-64 R/W are hierarchical). It reads each entry once and keeps no state, so
 * it may run while the map path writes (it then sees the old or the new entry, as a device would).
 */
public final class PageTableWalker {
    private final FormatTables t;
    private final PhysicalMemory memory;

    public PageTableWalker(PageTableFormat format, PhysicalMemory memory) {
        this(new FormatTables(format), memory);
    }

    PageTableWalker(FormatTables tables, PhysicalMemory memory) {
        this.t = tables;
        this.memory = memory;
    }

    /** Walks the table rooted at {@code rootPa} (a table of the format's top level) for {@code iova}. */
    public boolean walk(long rootPa, long iova, Translation out) {
        out.start(iova);
        if (!t.vaInRange(iova)) {
            return out.fail(WalkFault.ADDRESS_SIZE, t.top, 0);
        }
        long table = rootPa;
        int l = t.top;
        boolean read = true;
        boolean write = true;
        while (true) {
            long slot = table + ((long) t.index(l, iova) << 3);
            long e = memory.readLong(slot);
            out.walkedEntry(slot, e);
            if (!t.present(l, e)) {
                return out.fail(WalkFault.NOT_PRESENT, l, e);
            }
            byte kind = t.kind(l, e);
            if (kind == PageTableLevel.KIND_LEAF) {
                if ((e & t.leafCheckMask[l]) != t.leafCheckValue[l]) {
                    return out.fail(WalkFault.RESERVED_BIT, l, e);
                }
                read &= (e & t.leafReadMask[l]) == t.leafReadValue[l];
                write &= (e & t.leafWriteMask[l]) == t.leafWriteValue[l];
                int sizeLg2 = t.leafSizeLg2(l, e);
                long offsetMask = (1L << sizeLg2) - 1;
                long pa = (t.leafAddress(l, e) & ~offsetMask) | (iova & offsetMask);
                return out.succeed(pa, sizeLg2, l, e, read, write);
            }
            int next = PageTableLevel.nextLevel(kind, l);
            if (next < 0 || (e & t.tableCheckMask[l]) != t.tableCheckValue[l]) {
                return out.fail(WalkFault.RESERVED_BIT, l, e);
            }
            read &= (e & t.tableReadMask[l]) == t.tableReadValue[l];
            write &= (e & t.tableWriteMask[l]) == t.tableWriteValue[l];
            // A table entry that skips levels (AMD v1 NextLevel below level - 1) translates only IOVAs
            // whose index bits for the skipped levels are zero [unsure: AMD IOMMU spec level skipping].
            for (int skipped = l - 1; skipped > next; skipped--) {
                if (t.index(skipped, iova) != 0) {
                    return out.fail(WalkFault.NOT_PRESENT, l, e);
                }
            }
            table = t.tableAddress(l, e);
            l = next;
        }
    }
}
