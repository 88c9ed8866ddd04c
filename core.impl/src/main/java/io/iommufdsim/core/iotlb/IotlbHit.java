package io.iommufdsim.core.iotlb;

/** The answer of an IOTLB lookup, reused by its caller so that a hit allocates nothing. */
public final class IotlbHit {
    private long physicalAddress;
    private int pageSizeLg2;
    private boolean readable;
    private boolean writable;

    void set(long pa, int sizeLg2, boolean read, boolean write) {
        physicalAddress = pa;
        pageSizeLg2 = sizeLg2;
        readable = read;
        writable = write;
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
}
