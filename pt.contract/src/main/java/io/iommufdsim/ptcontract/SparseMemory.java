package io.iommufdsim.ptcontract;

import io.iommufdsim.spi.PhysicalMemory;

import java.util.Arrays;

/**
 * A sparse physical memory for tests: 4 KiB frames created on first write, kept in an open-addressing
 * table keyed by frame number so that reads and writes allocate nothing (the engine's allocation
 * tests measure the engine, not this class). Unwritten memory reads as zero.
 */
public final class SparseMemory implements PhysicalMemory {
    private long[] keys = new long[1024];
    private long[][] frames = new long[1024][];
    private int size;

    private int slot(long frame) {
        int mask = keys.length - 1;
        int i = (int) (frame * 0x9E3779B97F4A7C15L >>> 40) & mask;
        while (frames[i] != null && keys[i] != frame) {
            i = (i + 1) & mask;
        }
        return i;
    }

    private long[] frame(long pa, boolean create) {
        long frame = pa >>> PAGE_SHIFT;
        int i = slot(frame);
        if (frames[i] == null) {
            if (!create) {
                return null;
            }
            if ((size + 1) * 2 > keys.length) {
                grow();
                i = slot(frame);
            }
            keys[i] = frame;
            frames[i] = new long[(int) (PAGE_SIZE / 8)];
            size++;
        }
        return frames[i];
    }

    private void grow() {
        long[] oldKeys = keys;
        long[][] oldFrames = frames;
        keys = new long[oldKeys.length * 2];
        frames = new long[oldKeys.length * 2][];
        for (int j = 0; j < oldKeys.length; j++) {
            if (oldFrames[j] != null) {
                int i = slot(oldKeys[j]);
                keys[i] = oldKeys[j];
                frames[i] = oldFrames[j];
            }
        }
    }

    @Override
    public long readLong(long physicalAddress) {
        checkAligned(physicalAddress);
        long[] f = frame(physicalAddress, false);
        return f == null ? 0 : f[(int) ((physicalAddress & (PAGE_SIZE - 1)) >>> 3)];
    }

    @Override
    public void writeLong(long physicalAddress, long value) {
        checkAligned(physicalAddress);
        frame(physicalAddress, true)[(int) ((physicalAddress & (PAGE_SIZE - 1)) >>> 3)] = value;
    }

    @Override
    public void read(long physicalAddress, byte[] destination, int offset, int length) {
        for (int i = 0; i < length; i++) {
            long pa = physicalAddress + i;
            long word = readLong(pa & ~7L);
            destination[offset + i] = (byte) (word >>> ((pa & 7) * 8));
        }
    }

    @Override
    public void write(long physicalAddress, byte[] source, int offset, int length) {
        for (int i = 0; i < length; i++) {
            long pa = physicalAddress + i;
            long word = readLong(pa & ~7L);
            int shift = (int) (pa & 7) * 8;
            word = (word & ~(0xFFL << shift)) | ((source[offset + i] & 0xFFL) << shift);
            writeLong(pa & ~7L, word);
        }
    }

    /** Zeroes a frame (what a page allocator does before handing it out). */
    public void zeroFrame(long pa) {
        long[] f = frame(pa, false);
        if (f != null) {
            Arrays.fill(f, 0);
        }
    }

    private static void checkAligned(long pa) {
        if ((pa & 7) != 0) {
            throw new IllegalArgumentException("unaligned 64-bit access at 0x" + Long.toHexString(pa));
        }
    }
}
