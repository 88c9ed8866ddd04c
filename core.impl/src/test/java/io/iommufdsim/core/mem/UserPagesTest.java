package io.iommufdsim.core.mem;

import static io.iommufdsim.api.SimProcess.PROT_READ;
import static io.iommufdsim.api.SimProcess.PROT_WRITE;
import static io.iommufdsim.core.mem.ProcessMmapTest.assertErrno;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.iommufdsim.api.Backing;
import io.iommufdsim.api.Errno;
import io.iommufdsim.api.IommufdException;
import io.iommufdsim.api.SimMachine;
import org.junit.jupiter.api.Test;

/** pin_user_pages as iopt_pages sees it: ProcessImpl.userPages. */
class UserPagesTest {
    private static final int RW = PROT_READ | PROT_WRITE;
    private static final long MIB = 1L << 20;
    private static final long GIB = 1L << 30;
    private static final long TIB = 1L << 40;

    private final MachineMemory machine = MachineMemory.createDefault();
    private final ProcessImpl p = machine.process(SimMachine.DEFAULT_PROCESS);

    @Test
    void aTerabyteMappingTouchedAtBothEndsCostsTwoFrames() throws IommufdException {
        long va = p.mmap(TIB, Backing.FOUR_K, RW, -1, 0);
        Runs first = new Runs();
        Runs last = new Runs();
        p.userPages(va).resolve(0, 1, true, first);
        p.userPages(va).resolve((TIB >>> 12) - 1, 1, true, last);
        assertEquals(1, first.size());
        assertEquals(1, last.size());
        assertEquals((TIB >>> 12) - 1, last.get(0)[0]);
        assertEquals(2, machine.frames().allocatedDataFrames());
        long[] mm = p.pinCount(va, TIB);
        assertArrayEquals(new long[] {0, 0}, mm);
        machine.pins().pin(last.get(0)[1], 1);
        assertArrayEquals(new long[] {0, 1}, p.pinCount(va, TIB));
        assertArrayEquals(new long[] {1, 1}, p.pinCount(va + TIB - 4096, 4096));
    }

    @Test
    void fourKMappingsResolveToRunsOfOnePage() throws IommufdException {
        long va = p.mmap(64 * 4096, Backing.FOUR_K, RW, -1, 0);
        Runs runs = new Runs();
        p.userPages(va).resolve(0, 64, true, runs);
        assertEquals(64, runs.size());
        for (int i = 0; i < 64; i++) {
            assertEquals(i, runs.get(i)[0]);
            assertEquals(1, runs.get(i)[2]);
            if (i > 0) {
                assertNotEquals(runs.get(i - 1)[1] + 1, runs.get(i)[1]);
            }
        }
        // resolving again finds the same frames and allocates nothing
        long allocated = machine.frames().allocatedDataFrames();
        Runs again = new Runs();
        p.userPages(va).resolve(10, 3, false, again);
        assertEquals(allocated, machine.frames().allocatedDataFrames());
        assertEquals(3, again.size());
        assertEquals(10, again.get(0)[0]);
        assertEquals(runs.get(10)[1], again.get(0)[1]);
    }

    @Test
    void thpMappingsResolveToWholeAlignedTwoMegabyteRuns() throws IommufdException {
        long va = p.mmap(8 * MIB, Backing.THP, RW, -1, 0);
        Runs runs = new Runs();
        p.userPages(va).resolve(0, (8 * MIB) >>> 12, true, runs);
        assertEquals(2048, runs.totalPages());
        assertTrue(runs.size() <= 4);
        for (int i = 0; i < runs.size(); i++) {
            long[] r = runs.get(i);
            assertEquals(0, r[1] % 512, "2 MiB aligned frames");
            assertEquals(0, r[2] % 512);
        }
        // frames are contiguous within a chunk, so page k is base + k
        Runs one = new Runs();
        p.userPages(va).resolve(700, 10, true, one);
        assertEquals(1, one.size());
        assertEquals(pfnOf(runs, 700), one.get(0)[1]);
        assertEquals(pfnOf(runs, 512) - 512, pfnOf(runs, 1023) - 1023, "one folio per 2 MiB chunk");
        assertEquals(4L * 512, machine.frames().allocatedDataFrames());
    }

    private static long pfnOf(Runs runs, long page) {
        for (long[] r : runs.runs) {
            if (page >= r[0] && page < r[0] + r[2]) {
                return r[1] + page - r[0];
            }
        }
        throw new AssertionError("page " + page + " not reported");
    }

    @Test
    void aThpRangeStartingMidChunkReportsFromThatPage() throws IommufdException {
        long va = p.mmap(4 * MIB, Backing.THP, RW, -1, 0);
        Runs runs = new Runs();
        p.userPages(va + 4096 * 3).resolve(0, 600, true, runs);
        assertEquals(0, runs.get(0)[0]);
        assertEquals(3, runs.get(0)[1] % 512);
        assertEquals(600, runs.totalPages());
    }

    @Test
    void theTailOfAThpMappingNotCoveringAWholeChunkUsesSmallPages() throws IommufdException {
        long va = p.mmap(2 * MIB + 8192, Backing.THP, RW, -1, 0);
        Runs runs = new Runs();
        p.userPages(va).resolve(0, 514, true, runs);
        assertEquals(3, runs.size());
        assertEquals(512, runs.get(0)[2]);
        assertEquals(1, runs.get(1)[2]);
        assertEquals(1, runs.get(2)[2]);
        assertTrue(machine.frames().isScattered(runs.get(1)[1]));
    }

    @Test
    void hugetlbMappingsResolveToGigabyteRuns() throws IommufdException {
        long va = p.mmap(2 * GIB, Backing.HUGETLB_1G, RW, -1, 0);
        Runs runs = new Runs();
        p.userPages(va).resolve(0, (2 * GIB) >>> 12, true, runs);
        assertTrue(runs.size() <= 2);
        assertEquals((2 * GIB) >>> 12, runs.totalPages());
        assertEquals(0, runs.get(0)[1] % (1L << 18));
    }

    @Test
    void aHoleInTheRangeIsEfaultAndNothingIsReported() throws IommufdException {
        long a = p.mmap(4096, Backing.FOUR_K, RW, -1, 0);
        long b = p.mmap(4096, Backing.FOUR_K, RW, -1, 0);
        long c = p.mmap(4096, Backing.FOUR_K, RW, -1, 0);
        assertEquals(a - 2 * 4096, c);
        p.munmap(b, 4096);
        Runs runs = new Runs();
        assertErrno(Errno.EFAULT, () -> p.userPages(c).resolve(0, 3, true, runs));
        assertEquals(0, runs.size());
        assertEquals(0, machine.frames().allocatedDataFrames());
        assertErrno(Errno.EFAULT, () -> p.userPages(0x10000).resolve(0, 1, false, runs));
    }

    @Test
    void pinningMmioIsEfault() throws IommufdException {
        long bar = p.mmap(4096, Backing.MMIO, RW, -1, 0);
        assertErrno(Errno.EFAULT, () -> p.userPages(bar).resolve(0, 1, false, new Runs()));
        assertErrno(Errno.EFAULT, () -> p.userPages(bar).resolve(0, 1, true, new Runs()));
    }

    @Test
    void aWritePinOfAReadOnlyMappingIsEfaultButAReadPinWorks() throws IommufdException {
        long ro = p.mmap(4096, Backing.FOUR_K, PROT_READ, -1, 0);
        assertErrno(Errno.EFAULT, () -> p.userPages(ro).resolve(0, 1, true, new Runs()));
        Runs runs = new Runs();
        p.userPages(ro).resolve(0, 1, false, runs);
        assertEquals(1, runs.size());
    }

    @Test
    void aReadPinOfProtNoneOrWriteOnlyIsEfault() throws IommufdException {
        long none = p.mmap(4096, Backing.FOUR_K, 0, -1, 0);
        long wo = p.mmap(4096, Backing.FOUR_K, PROT_WRITE, -1, 0);
        assertErrno(Errno.EFAULT, () -> p.userPages(none).resolve(0, 1, false, new Runs()));
        assertErrno(Errno.EFAULT, () -> p.userPages(wo).resolve(0, 1, false, new Runs()));
        p.userPages(wo).resolve(0, 1, true, new Runs());
    }

    @Test
    void anExitedProcessIsEfault() throws IommufdException {
        long va = p.mmap(4096, Backing.FOUR_K, RW, -1, 0);
        PinSource source = p.userPages(va);
        p.exit();
        assertErrno(Errno.EFAULT, () -> source.resolve(0, 1, false, new Runs()));
    }

    @Test
    void runsMergeAcrossVmasOfOneSplitThpMapping() throws IommufdException {
        long va = p.mmap(4 * MIB, Backing.THP, RW, -1, 0);
        p.userPages(va).resolve(0, 1024, true, new Runs());
        // munmap of a middle page splits the VMA; the huge folio keeps its frames
        p.munmap(va + 4096, 4096);
        Runs runs = new Runs();
        p.userPages(va + 8192).resolve(0, 510, true, runs);
        assertEquals(1, runs.size());
        assertEquals(2, runs.get(0)[1] % 512);
    }

    @Test
    void aSharedMemfdMappingPinsTheFilesFrames() throws IommufdException {
        int fd = p.memfdCreate(4 * MIB, Backing.THP);
        long va = p.mmap(4 * MIB, null, RW, fd, 0);
        Runs viaVa = new Runs();
        p.userPages(va).resolve(0, 1024, true, viaVa);
        Runs viaFile = new Runs();
        ((Memfd) p.fds().get(fd)).pages().resolve(0, 1024, true, viaFile);
        assertEquals(viaFile.get(0)[1], viaVa.get(0)[1]);
        assertEquals(viaFile.totalPages(), viaVa.totalPages());
    }

    @Test
    void aSinkFailureStopsTheWalk() throws IommufdException {
        long va = p.mmap(8 * 4096, Backing.FOUR_K, RW, -1, 0);
        int[] calls = {0};
        IommufdException e = assertThrows(IommufdException.class, () -> p.userPages(va).resolve(0, 8, true,
                (page, pfn, count) -> {
                    if (++calls[0] == 3) {
                        throw new IommufdException(Errno.ENOMEM);
                    }
                }));
        assertEquals(Errno.ENOMEM, e.errno());
        assertEquals(3, calls[0]);
    }

    @Test
    void anInjectedFrameFailureReportsOnlyTheResolvedPrefix() throws IommufdException {
        long va = p.mmap(8 * 4096, Backing.FOUR_K, RW, -1, 0);
        machine.faults().failNth(FaultInjection.Kind.FRAME_ALLOC, 4);
        Runs runs = new Runs();
        assertErrno(Errno.ENOMEM, () -> p.userPages(va).resolve(0, 8, true, runs));
        assertEquals(3, runs.size());
        assertEquals(2, runs.get(2)[0]);
    }

    @Test
    void unalignedBasesAreAProgrammingError() {
        assertThrows(IllegalArgumentException.class, () -> p.userPages(0x1001));
    }
}
