package io.iommufdsim.core.mem;

import io.iommufdsim.spi.PhysicalMemory;

/**
 * The simulated machine's RAM. A frame's content ({@code long[512]}) exists only once something
 * non-zero-able was written to it; everything else reads as zero, so terabytes of address space cost
 * nothing. Frames hang off a three-level radix directory indexed by PFN (root → 2048 leaves of 2048
 * frames), so a lookup is three array loads and never allocates once the frame exists.
 *
 * <p>Thread safety: readers take no lock. Directory levels and frames are created under this
 * object's lock and published by a plain array store; a reader that races with the creation sees
 * either null (and reads zero, as if it had come first) or a fully zeroed array (JLS 17.4.4: default
 * values are visible to every thread). Concurrent stores to the same word race as they would on real
 * memory. Accesses outside the physical address space read as zero and writes there are dropped,
 * like a bus that has no device at that address.
 */
public final class SparsePhysicalMemory implements PhysicalMemory {
    private static final int LEAF_BITS = 11;
    private static final int MID_BITS = 11;
    private static final int LEAF_MASK = (1 << LEAF_BITS) - 1;
    private static final int MID_MASK = (1 << MID_BITS) - 1;
    private static final int WORDS = (int) (PAGE_SIZE / 8);

    private static final java.lang.invoke.VarHandle WORD = java.lang.invoke.MethodHandles.arrayElementVarHandle(long[].class);

    private final int physicalAddressBits;
    private final long limit;
    private final long[][][][] root;
    private long populatedFrames;

    /** @param physicalAddressBits width of a physical address, 32 to 52 bits */
    public SparsePhysicalMemory(int physicalAddressBits) {
        if (physicalAddressBits < 32 || physicalAddressBits > 52) {
            throw new IllegalArgumentException("physicalAddressBits " + physicalAddressBits);
        }
        this.physicalAddressBits = physicalAddressBits;
        this.limit = 1L << physicalAddressBits;
        int rootBits = physicalAddressBits - PAGE_SHIFT - LEAF_BITS - MID_BITS;
        this.root = new long[1 << Math.max(0, rootBits)][][][];
    }

    public int physicalAddressBits() {
        return physicalAddressBits;
    }

    /** One past the highest physical address. */
    public long size() {
        return limit;
    }

    /** How many frames hold content (for tests and statistics). */
    public synchronized long populatedFrames() {
        return populatedFrames;
    }

    @Override
    public long readLong(long physicalAddress) {
        if ((physicalAddress & 7) != 0) {
            return readUnaligned(physicalAddress);
        }
        long[] frame = frameOrNull(physicalAddress >>> PAGE_SHIFT);
        return frame == null ? 0 : frame[(int) ((physicalAddress >>> 3) & (WORDS - 1))];
    }

    @Override
    public void writeLong(long physicalAddress, long value) {
        if ((physicalAddress & 7) != 0) {
            writeUnaligned(physicalAddress, value);
            return;
        }
        long[] frame = frameForWrite(physicalAddress >>> PAGE_SHIFT, value == 0);
        if (frame != null) {
            frame[(int) ((physicalAddress >>> 3) & (WORDS - 1))] = value;
        }
    }

    /**
     * A real compare-exchange on the word (a VarHandle CAS on the frame's array element), so that a
     * hardware A/D update and a software store to the same entry never lose each other.
     */
    @Override
    public boolean compareAndSetLong(long physicalAddress, long expected, long value) {
        if ((physicalAddress & 7) != 0) {
            throw new IllegalArgumentException("unaligned compare-and-set at 0x" + Long.toHexString(physicalAddress));
        }
        long[] frame = frameForWrite(physicalAddress >>> PAGE_SHIFT, expected == 0 && value == 0);
        if (frame == null) {
            return expected == 0; // outside RAM (reads zero, stores dropped), or 0 → 0 on an empty frame
        }
        return WORD.compareAndSet(frame, (int) ((physicalAddress >>> 3) & (WORDS - 1)), expected, value);
    }

    @Override
    public void read(long physicalAddress, byte[] destination, int offset, int length) {
        checkBounds(destination.length, offset, length);
        long pa = physicalAddress;
        int done = 0;
        while (done < length) {
            int inPage = (int) (pa & (PAGE_SIZE - 1));
            int n = (int) Math.min(length - done, PAGE_SIZE - inPage);
            long[] frame = frameOrNull(pa >>> PAGE_SHIFT);
            if (frame == null) {
                java.util.Arrays.fill(destination, offset + done, offset + done + n, (byte) 0);
            } else {
                for (int i = 0; i < n; i++) {
                    int b = inPage + i;
                    destination[offset + done + i] = (byte) (frame[b >>> 3] >>> ((b & 7) * 8));
                }
            }
            done += n;
            pa += n;
        }
    }

    @Override
    public void write(long physicalAddress, byte[] source, int offset, int length) {
        checkBounds(source.length, offset, length);
        long pa = physicalAddress;
        int done = 0;
        while (done < length) {
            int inPage = (int) (pa & (PAGE_SIZE - 1));
            int n = (int) Math.min(length - done, PAGE_SIZE - inPage);
            long[] frame = frameForWrite(pa >>> PAGE_SHIFT, allZero(source, offset + done, n));
            if (frame != null) {
                for (int i = 0; i < n; i++) {
                    int b = inPage + i;
                    int shift = (b & 7) * 8;
                    frame[b >>> 3] = (frame[b >>> 3] & ~(0xffL << shift))
                            | ((source[offset + done + i] & 0xffL) << shift);
                }
            }
            done += n;
            pa += n;
        }
    }

    /** Zeroes {@code length} bytes from {@code physicalAddress} (may cross pages). */
    public void zero(long physicalAddress, long length) {
        long pa = physicalAddress;
        long end = physicalAddress + length;
        while (pa < end) {
            int inPage = (int) (pa & (PAGE_SIZE - 1));
            long n = Math.min(end - pa, PAGE_SIZE - inPage);
            if (inPage == 0 && n == PAGE_SIZE) {
                discardFrame(pa >>> PAGE_SHIFT);
            } else {
                long[] frame = frameOrNull(pa >>> PAGE_SHIFT);
                if (frame != null) {
                    for (int b = inPage; b < inPage + n; b++) {
                        frame[b >>> 3] &= ~(0xffL << ((b & 7) * 8));
                    }
                }
            }
            pa += n;
        }
    }

    /**
     * Zeroes frame {@code pfn} but keeps its storage, for a frame about to be written again (a recycled
     * page-table page): reads see zero at once, and the next stores allocate nothing.
     */
    public void zeroFrameKeepingStorage(long pfn) {
        long[] frame = frameOrNull(pfn);
        if (frame != null) {
            java.util.Arrays.fill(frame, 0L);
        }
    }

    /** Forgets the content of frame {@code pfn}: it reads as zero again and costs nothing. */
    public synchronized void discardFrame(long pfn) {
        if (pfn < 0 || pfn >= (limit >>> PAGE_SHIFT)) {
            return;
        }
        long[][][] mid = root[(int) (pfn >>> (LEAF_BITS + MID_BITS))];
        if (mid == null) {
            return;
        }
        long[][] leaf = mid[(int) ((pfn >>> LEAF_BITS) & MID_MASK)];
        if (leaf == null) {
            return;
        }
        int i = (int) (pfn & LEAF_MASK);
        if (leaf[i] != null) {
            leaf[i] = null;
            populatedFrames--;
        }
    }

    private long[] frameOrNull(long pfn) {
        if (pfn < 0 || pfn >= (limit >>> PAGE_SHIFT)) {
            return null;
        }
        long[][][] mid = root[(int) (pfn >>> (LEAF_BITS + MID_BITS))];
        if (mid == null) {
            return null;
        }
        long[][] leaf = mid[(int) ((pfn >>> LEAF_BITS) & MID_MASK)];
        return leaf == null ? null : leaf[(int) (pfn & LEAF_MASK)];
    }

    /** The frame to store into; null (drop the store) outside RAM or when storing zeros to an empty frame. */
    private long[] frameForWrite(long pfn, boolean storingZero) {
        long[] frame = frameOrNull(pfn);
        if (frame != null || storingZero || pfn < 0 || pfn >= (limit >>> PAGE_SHIFT)) {
            return frame;
        }
        return createFrame(pfn);
    }

    private synchronized long[] createFrame(long pfn) {
        int r = (int) (pfn >>> (LEAF_BITS + MID_BITS));
        long[][][] mid = root[r];
        if (mid == null) {
            mid = new long[1 << MID_BITS][][];
            root[r] = mid;
        }
        int m = (int) ((pfn >>> LEAF_BITS) & MID_MASK);
        long[][] leaf = mid[m];
        if (leaf == null) {
            leaf = new long[1 << LEAF_BITS][];
            mid[m] = leaf;
        }
        int i = (int) (pfn & LEAF_MASK);
        long[] frame = leaf[i];
        if (frame == null) {
            frame = new long[WORDS];
            leaf[i] = frame;
            populatedFrames++;
        }
        return frame;
    }

    private long readUnaligned(long physicalAddress) {
        byte[] b = new byte[8];
        read(physicalAddress, b, 0, 8);
        long v = 0;
        for (int i = 7; i >= 0; i--) {
            v = (v << 8) | (b[i] & 0xffL);
        }
        return v;
    }

    private void writeUnaligned(long physicalAddress, long value) {
        byte[] b = new byte[8];
        for (int i = 0; i < 8; i++) {
            b[i] = (byte) (value >>> (i * 8));
        }
        write(physicalAddress, b, 0, 8);
    }

    private static boolean allZero(byte[] a, int from, int n) {
        for (int i = from; i < from + n; i++) {
            if (a[i] != 0) {
                return false;
            }
        }
        return true;
    }

    private static void checkBounds(int arrayLength, int offset, int length) {
        if (offset < 0 || length < 0 || offset > arrayLength - length) {
            throw new IndexOutOfBoundsException("offset " + offset + " length " + length);
        }
    }
}
