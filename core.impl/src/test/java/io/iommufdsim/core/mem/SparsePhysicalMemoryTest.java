package io.iommufdsim.core.mem;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class SparsePhysicalMemoryTest {
    private final SparsePhysicalMemory memory = new SparsePhysicalMemory(46);

    @Test
    void unwrittenMemoryReadsZeroAndCostsNothing() {
        assertEquals(0, memory.readLong(0x1234_5678_9000L));
        byte[] buf = {1, 2, 3};
        memory.read(0x3fff_ffff_fff0L, buf, 0, 3);
        assertArrayEquals(new byte[3], buf);
        assertEquals(0, memory.populatedFrames());
    }

    @Test
    void aTerabyteApartTwoWordsCostTwoFrames() {
        long low = 0x10_0000_0000L;
        long high = low + (1L << 40) - 8;
        memory.writeLong(low, 0x1122334455667788L);
        memory.writeLong(high, -1L);
        assertEquals(0x1122334455667788L, memory.readLong(low));
        assertEquals(-1L, memory.readLong(high));
        assertEquals(0, memory.readLong(low + 8));
        assertEquals(2, memory.populatedFrames());
    }

    @Test
    void wordsAreLittleEndian() {
        memory.writeLong(0x2000, 0x0102030405060708L);
        byte[] b = new byte[8];
        memory.read(0x2000, b, 0, 8);
        assertArrayEquals(new byte[] {8, 7, 6, 5, 4, 3, 2, 1}, b);
    }

    @Test
    void bytesCrossingAPageBoundaryLandInBothFrames() {
        byte[] data = new byte[100];
        for (int i = 0; i < data.length; i++) {
            data[i] = (byte) (i + 1);
        }
        long pa = 0x5000 - 50;
        memory.write(pa, data, 0, data.length);
        assertEquals(2, memory.populatedFrames());
        byte[] back = new byte[100];
        memory.read(pa, back, 0, back.length);
        assertArrayEquals(data, back);
        assertEquals(0x36353433L, memory.readLong(0x5000) & 0xffffffffL);
    }

    @Test
    void unalignedWordsGoThroughTheByteView() {
        memory.writeLong(0x6ffc, 0x1122334455667788L);
        assertEquals(0x1122334455667788L, memory.readLong(0x6ffc));
        assertEquals(0x55667788L, memory.readLong(0x6ff8) >>> 32);
    }

    @Test
    void storingZeroToUntouchedMemoryAllocatesNothing() {
        memory.writeLong(0x8000, 0);
        memory.write(0x9000, new byte[4096], 0, 4096);
        assertEquals(0, memory.populatedFrames());
    }

    @Test
    void outsideThePhysicalAddressSpaceReadsZeroAndDropsWrites() {
        long beyond = 1L << 46;
        memory.writeLong(beyond, 42);
        assertEquals(0, memory.readLong(beyond));
        assertEquals(0, memory.populatedFrames());
    }

    @Test
    void zeroAndDiscardForgetContent() {
        memory.writeLong(0xa000, 5);
        memory.writeLong(0xb008, 6);
        memory.zero(0xa000, 0x1008);
        assertEquals(0, memory.readLong(0xa000));
        assertEquals(6, memory.readLong(0xb008));
        assertEquals(1, memory.populatedFrames());
        memory.discardFrame(0xb);
        assertEquals(0, memory.readLong(0xb008));
        assertEquals(0, memory.populatedFrames());
    }
}
