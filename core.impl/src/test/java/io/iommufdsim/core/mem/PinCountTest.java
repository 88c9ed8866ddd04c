package io.iommufdsim.core.mem;

import static io.iommufdsim.api.SimProcess.PROT_READ;
import static io.iommufdsim.api.SimProcess.PROT_WRITE;
import static io.iommufdsim.core.mem.ProcessMmapTest.assertErrno;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.iommufdsim.api.Backing;
import io.iommufdsim.api.Errno;
import io.iommufdsim.api.IommufdException;
import io.iommufdsim.api.SimMachine;
import org.junit.jupiter.api.Test;

/** SIM_PIN_COUNT through ProcessImpl.pinCount. */
class PinCountTest {
    private static final int RW = PROT_READ | PROT_WRITE;
    private static final long MIB = 1L << 20;

    private final MachineMemory machine = MachineMemory.createDefault();
    private final ProcessImpl p = machine.process(SimMachine.DEFAULT_PROCESS);

    @Test
    void pagesNeverTouchedCountZeroAndStayUntouched() throws IommufdException {
        long va = p.mmap(4 * MIB, Backing.THP, RW, -1, 0);
        assertArrayEquals(new long[] {0, 0}, p.pinCount(va, 4 * MIB));
        assertEquals(0, machine.frames().allocatedDataFrames());
    }

    @Test
    void countsFollowPinsOfEachPageWhateverTheBacking() throws IommufdException {
        long va = p.mmap(4 * MIB, Backing.THP, RW, -1, 0);
        p.userPages(va).resolve(0, 512, true, Runs.pinningInto(machine.pins()));
        p.userPages(va).resolve(0, 1, true, Runs.pinningInto(machine.pins()));
        assertArrayEquals(new long[] {2, 2}, p.pinCount(va, 4096));
        assertArrayEquals(new long[] {1, 2}, p.pinCount(va, 2 * MIB));
        assertArrayEquals(new long[] {0, 2}, p.pinCount(va, 4 * MIB));
        assertArrayEquals(new long[] {1, 1}, p.pinCount(va + 4096 + 100, 10), "bytes round out to pages");
    }

    @Test
    void unmappedRangesAreEfaultAndBadLengthsEinval() throws IommufdException {
        long va = p.mmap(4096, Backing.FOUR_K, RW, -1, 0);
        assertErrno(Errno.EFAULT, () -> p.pinCount(va - 4096, 8192));
        assertErrno(Errno.EFAULT, () -> p.pinCount(va, 8192));
        assertErrno(Errno.EINVAL, () -> p.pinCount(va, 0));
        assertErrno(Errno.EFAULT, () -> p.pinCount(Long.MAX_VALUE - 10, 100));
    }

    @Test
    void munmapLeavesPinnedFramesPinned() throws IommufdException {
        long va = p.mmap(2 * 4096, Backing.FOUR_K, RW, -1, 0);
        Runs runs = new Runs();
        p.userPages(va).resolve(0, 2, true, runs);
        machine.pins().pin(runs.get(0)[1], 1);
        machine.pins().pin(runs.get(1)[1], 1);
        p.munmap(va, 2 * 4096);
        assertEquals(2, machine.pins().pinnedFrames());
        assertErrno(Errno.EFAULT, () -> p.pinCount(va, 4096));
        long again = p.mmap(2 * 4096, Backing.FOUR_K, RW, -1, 0);
        assertEquals(va, again);
        assertArrayEquals(new long[] {0, 0}, p.pinCount(again, 2 * 4096), "fresh memory, not the pinned frames");
    }

    @Test
    void memfdMappingsReportTheFilesPinsAndZeroPastEof() throws IommufdException {
        int fd = p.memfdCreate(4096, Backing.FOUR_K);
        long va = p.mmap(2 * 4096, null, RW, fd, 0);
        ((Memfd) p.fds().get(fd)).pages().resolve(0, 1, true, Runs.pinningInto(machine.pins()));
        assertArrayEquals(new long[] {1, 1}, p.pinCount(va, 4096));
        assertArrayEquals(new long[] {0, 1}, p.pinCount(va, 2 * 4096));
    }

    @Test
    void anInjectedPinFailureStopsTheWalkAfterThePinsBeforeIt() throws IommufdException {
        long va = p.mmap(2 * 4096, Backing.FOUR_K, RW, -1, 0);
        machine.faults().failNth(FaultInjection.Kind.PIN, 2);
        assertErrno(Errno.ENOMEM, () -> p.userPages(va).resolve(0, 2, true, Runs.pinningInto(machine.pins())));
        // the sink's caller (iopt_pages) unwinds the first pin; here we do it by hand
        assertArrayEquals(new long[] {0, 1}, p.pinCount(va, 2 * 4096));
    }
}
