package io.iommufdsim.core.mem;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.iommufdsim.api.Errno;
import io.iommufdsim.api.IommufdException;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

class FrameAllocatorTest {
    private final SparsePhysicalMemory memory = new SparsePhysicalMemory(46);
    private final FaultInjection faults = new FaultInjection();
    private final FrameAllocator frames = new FrameAllocator(memory, faults);

    @Test
    void contiguousRunsAreAlignedToTheirSize() throws IommufdException {
        long a = frames.allocateContiguous(512);
        long b = frames.allocateContiguous(1L << 18);
        long c = frames.allocateContiguous(512);
        assertEquals(0, a % 512);
        assertEquals(0, b % (1L << 18));
        assertEquals(0, c % 512);
        assertTrue(b >= a + 512);
        assertTrue(c >= b + (1L << 18));
        assertEquals(512 + (1L << 18) + 512, frames.allocatedDataFrames());
    }

    @Test
    void scatteredFramesAreNeverNeighbours() throws IommufdException {
        Set<Long> seen = new HashSet<>();
        for (int i = 0; i < 10_000; i++) {
            long pfn = frames.allocateScattered();
            assertTrue(pfn > 0);
            assertTrue(frames.isScattered(pfn));
            assertTrue(!seen.contains(pfn - 1) && !seen.contains(pfn + 1));
            assertTrue(seen.add(pfn));
        }
    }

    @Test
    void tablePagesAreZeroedAndAFreedOneIsZeroedAndReusedWithItsStorage() throws IommufdException {
        long pa = frames.allocateTablePage();
        assertEquals(0, pa & 0xfff);
        assertNotEquals(0, pa);
        for (long off = 0; off < 4096; off += 8) {
            assertEquals(0, memory.readLong(pa + off));
        }
        memory.writeLong(pa + 8, 0xabc);
        assertEquals(1, frames.liveTablePages());
        frames.freeTablePage(pa);
        assertEquals(0, frames.liveTablePages());
        assertEquals(0, memory.readLong(pa + 8));
        assertEquals(1, memory.populatedFrames(), "the frame storage is kept for the next table page");
        memory.writeLong(pa + 16, 0x100); // a stale walker setting an accessed bit
        long again = frames.allocateTablePage();
        assertEquals(pa, again, "table-page PFNs are reused");
        for (long off = 0; off < 4096; off += 8) {
            assertEquals(0, memory.readLong(again + off));
        }
        assertEquals(1, memory.populatedFrames());
        assertNotEquals(pa, frames.allocateTablePage(), "a live table page is not handed out twice");
    }

    @Test
    void dataFramesAreNeverReusedEvenWhenTablePagesAre() throws IommufdException {
        long table = frames.allocateTablePage();
        frames.freeTablePage(table);
        long a = frames.allocateScattered();
        long b = frames.allocateContiguous(512);
        assertTrue(a != table >>> 12 && b != table >>> 12);
        assertNotEquals(a, frames.allocateScattered());
        assertEquals(table, frames.allocateTablePage());
    }

    @Test
    void multiPageTableRunsAreContiguousAlignedAndEachPageIsLive() throws IommufdException {
        frames.allocateTablePage();
        long run = frames.allocateTablePages(5);
        assertEquals(0, (run >>> 12) % 32, "a run of 32 pages is aligned to 128 KiB");
        assertEquals(33, frames.liveTablePages());
        for (int i = 0; i < 32; i++) {
            frames.freeTablePage(run + ((long) i << 12));
        }
        assertEquals(1, frames.liveTablePages());
    }

    @Test
    void freeingSomethingThatIsNotALiveTablePageIsABug() throws IommufdException {
        long pa = frames.allocateTablePage();
        frames.freeTablePage(pa);
        assertThrows(IllegalStateException.class, () -> frames.freeTablePage(pa));
        assertThrows(IllegalStateException.class, () -> frames.freeTablePage(pa + 8));
    }

    @Test
    void exhaustionIsEnomem() throws IommufdException {
        FrameAllocator small = new FrameAllocator(new SparsePhysicalMemory(32), faults);
        // 32-bit space: 2^20 frames, 3/4 of them for runs: three 1 GiB runs fit at most
        IommufdException e = assertThrows(IommufdException.class, () -> {
            for (int i = 0; i < 5; i++) {
                small.allocateContiguous(1L << 18);
            }
        });
        assertEquals(Errno.ENOMEM, e.errno());
        assertEquals(3L << 18, small.allocatedDataFrames());
        assertEquals(Errno.ENOMEM, assertThrows(IommufdException.class, () -> small.allocateContiguous(512)).errno());
    }

    @Test
    void injectedFailuresHitTheArmedKindOnly() throws IommufdException {
        faults.failNth(FaultInjection.Kind.TABLE_PAGE, 2);
        frames.allocateScattered();
        frames.allocateContiguous(512);
        frames.allocateTablePage();
        long before = frames.liveTablePages();
        IommufdException e = assertThrows(IommufdException.class, frames::allocateTablePage);
        assertEquals(Errno.ENOMEM, e.errno());
        assertEquals(before, frames.liveTablePages());
        frames.allocateTablePage();
    }
}
