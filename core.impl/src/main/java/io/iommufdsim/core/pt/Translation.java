package io.iommufdsim.core.pt;

import io.iommufdsim.spi.WalkFault;

/**
 * The result of one table walk, reused by the caller so that a translation allocates nothing: the
 * output address, page size, leaf level, raw leaf entry and permissions, or the fault and the level
 * and entry where the walk stopped; and where in physical memory each entry of the walk lives, root
 * table first (what an IOMMU updates when it sets access and dirty bits).
 */
public final class Translation {
    /** More levels than any format has (PageTableFormat allows 8). */
    private static final int MAX_LEVELS = 8;

    private final long[] entryPa = new long[MAX_LEVELS];
    private final long[] entryValue = new long[MAX_LEVELS];
    private int walked;
    private long iova;
    private long physicalAddress;
    private int pageSizeLg2;
    private int level;
    private long entry;
    private boolean readable;
    private boolean writable;
    private WalkFault fault;

    void start(long forIova) {
        iova = forIova;
        physicalAddress = 0;
        pageSizeLg2 = 0;
        level = 0;
        entry = 0;
        readable = false;
        writable = false;
        fault = null;
        walked = 0;
    }

    /** The walk read {@code value} from the entry at {@code pa}. */
    void walkedEntry(long pa, long value) {
        entryPa[walked] = pa;
        entryValue[walked] = value;
        walked++;
    }

    boolean fail(WalkFault why, int atLevel, long atEntry) {
        fault = why;
        level = atLevel;
        entry = atEntry;
        return false;
    }

    boolean succeed(long pa, int sizeLg2, int atLevel, long leaf, boolean read, boolean write) {
        physicalAddress = pa;
        pageSizeLg2 = sizeLg2;
        level = atLevel;
        entry = leaf;
        readable = read;
        writable = write;
        return true;
    }

    public long iova() {
        return iova;
    }

    public boolean isTranslated() {
        return fault == null;
    }

    /** The fault, or null when translated. */
    public WalkFault fault() {
        return fault;
    }

    public long physicalAddress() {
        return physicalAddress;
    }

    public int pageSizeLg2() {
        return pageSizeLg2;
    }

    public long pageSize() {
        return 1L << pageSizeLg2;
    }

    /** The level of the leaf, or of the entry the walk stopped at. */
    public int level() {
        return level;
    }

    /** The raw leaf entry, or the entry the walk stopped at. */
    public long entry() {
        return entry;
    }

    /** How many entries the walk read (root table's entry first; the leaf last when translated). */
    public int walkedEntryCount() {
        return walked;
    }

    /** The physical address of the {@code i}-th entry the walk read. */
    public long walkedEntryPa(int i) {
        if (i < 0 || i >= walked) {
            throw new IndexOutOfBoundsException(i);
        }
        return entryPa[i];
    }

    /** The value the walk read from its {@code i}-th entry. */
    public long walkedEntryValue(int i) {
        if (i < 0 || i >= walked) {
            throw new IndexOutOfBoundsException(i);
        }
        return entryValue[i];
    }

    /** The physical address of the leaf entry of a successful walk (where the hardware sets D). */
    public long leafEntryPa() {
        if (fault != null || walked == 0) {
            throw new IllegalStateException("no translation");
        }
        return entryPa[walked - 1];
    }

    public boolean readable() {
        return readable;
    }

    public boolean writable() {
        return writable;
    }

    @Override
    public String toString() {
        return fault != null
                ? "Translation[iova=0x" + Long.toHexString(iova) + " fault=" + fault + " level=" + level + "]"
                : "Translation[iova=0x" + Long.toHexString(iova) + " pa=0x" + Long.toHexString(physicalAddress)
                        + " size=2^" + pageSizeLg2 + " level=" + level + (readable ? " r" : "") + (writable ? " w" : "")
                        + "]";
    }
}
