package io.iommufdsim.spi;

import org.osgi.annotation.versioning.ProviderType;

/**
 * The simulated machine's physical memory, as an IOMMU's table walker and a device's DMA see it.
 * It is sparse: it can stand for terabytes, and a frame has content only once written (unwritten
 * memory reads as zero). Multi-byte values are little endian.
 */
@ProviderType
public interface PhysicalMemory {
    int PAGE_SHIFT = 12;
    long PAGE_SIZE = 1L << PAGE_SHIFT;

    /** Reads the naturally aligned 64-bit word at {@code physicalAddress}. */
    long readLong(long physicalAddress);

    /** Writes the naturally aligned 64-bit word at {@code physicalAddress}. */
    void writeLong(long physicalAddress, long value);

    void read(long physicalAddress, byte[] destination, int offset, int length);

    void write(long physicalAddress, byte[] source, int offset, int length);

    /**
     * Atomically replaces the naturally aligned 64-bit word at {@code physicalAddress} with
     * {@code value} if it holds {@code expected} (the locked compare-exchange an IOMMU uses to set the
     * A/D bits of a table entry while software may rewrite it, VT-d 3.0 §3.6.2 / §3.7.2). Returns
     * whether it did. The default is atomic only against other callers of this method on the same
     * object; implementations make it atomic against every store.
     */
    default boolean compareAndSetLong(long physicalAddress, long expected, long value) {
        synchronized (this) {
            if (readLong(physicalAddress) != expected) {
                return false;
            }
            writeLong(physicalAddress, value);
            return true;
        }
    }
}
