package io.iommufdsim.core.iotlb;

/** The answer of an IOTLB lookup, reused by its caller so that a hit allocates nothing. */
public final class IotlbHit {
    private long physicalAddress;
    private int pageSizeLg2;
    private boolean readable;
    private boolean writable;
    private boolean dirty;

    void set(long pa, int sizeLg2, boolean read, boolean write, boolean leafDirty) {
        physicalAddress = pa;
        pageSizeLg2 = sizeLg2;
        readable = read;
        writable = write;
        dirty = leafDirty;
    }

    /** The physical address of the byte looked up. */
    public long physicalAddress() {
        return physicalAddress;
    }

    public int pageSizeLg2() {
        return pageSizeLg2;
    }

    public boolean readable() {
        return readable;
    }

    public boolean writable() {
        return writable;
    }

    /**
     * Whether the leaf was already write-dirty when the entry was cached: a write hit on an entry that
     * was not must re-walk to set the dirty bit in memory (VT-d 3.0 §3.6.2, as hardware caches D).
     */
    public boolean dirty() {
        return dirty;
    }
}
