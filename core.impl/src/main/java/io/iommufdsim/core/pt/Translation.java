package io.iommufdsim.core.pt;

import io.iommufdsim.spi.WalkFault;

/**
 * The result of one table walk, reused by the caller so that a translation allocates nothing: the
 * output address, page size, leaf level, raw leaf entry and permissions, or the fault and the level
 * and entry where the walk stopped.
 */
public final class Translation {
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
