package io.iommufdsim.scenario.internal.ops;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.iommufdsim.api.Errno;
import io.iommufdsim.api.IommufdException;
import org.junit.jupiter.api.Test;

class StagingMemoryTest {
    @Test
    void aCopyPastTheEndOfABlockFaultsAfterCopyingThePrefix() throws Exception {
        StagingMemory m = new StagingMemory();
        long a = m.place(new byte[] {1, 2, 3, 4});
        byte[] dst = new byte[8];
        IommufdException e = assertThrows(IommufdException.class, () -> m.copyFromUser(a, dst, 0, 8));
        assertEquals(Errno.EFAULT, e.errno());
        assertArrayEquals(new byte[] {1, 2, 3, 4, 0, 0, 0, 0}, dst);
        assertThrows(IommufdException.class, () -> m.copyFromUser(0, dst, 0, 1));
        assertThrows(IommufdException.class, () -> m.copyFromUser(-8, dst, 0, 1));
    }

    @Test
    void blocksAreSeparatedByAnUnmappedGuard() throws Exception {
        StagingMemory m = new StagingMemory();
        long a = m.place(new byte[16]);
        long b = m.place(new byte[16]);
        assertTrue(b - a >= 8192);
        assertThrows(IommufdException.class, () -> m.copyToUser(a + 8, new byte[16], 0, 16));
    }

    @Test
    void itRecordsWhichBytesTheKernelWrote() throws Exception {
        StagingMemory m = new StagingMemory();
        long a = m.place(new byte[16]);
        assertFalse(m.anyWritten(a, 16));
        m.copyToUser(a + 8, new byte[] {9, 9, 9, 9}, 0, 4);
        assertTrue(m.anyWritten(a, 16));
        assertTrue(m.written(a + 8, 4));
        assertFalse(m.written(a + 8, 8));
        assertFalse(m.written(a, 4));
        assertArrayEquals(new byte[] {9, 9, 9, 9, 0}, m.peek(a + 8, 5));
    }
}
