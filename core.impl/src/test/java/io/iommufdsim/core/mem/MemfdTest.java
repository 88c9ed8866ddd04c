package io.iommufdsim.core.mem;

import static io.iommufdsim.api.SimProcess.PROT_READ;
import static io.iommufdsim.api.SimProcess.PROT_WRITE;
import static io.iommufdsim.core.mem.ProcessMmapTest.assertErrno;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.iommufdsim.api.Backing;
import io.iommufdsim.api.Errno;
import io.iommufdsim.api.IommufdException;
import io.iommufdsim.api.SimMachine;
import org.junit.jupiter.api.Test;

class MemfdTest {
    private static final int RW = PROT_READ | PROT_WRITE;
    private static final long MIB = 1L << 20;
    private static final long GIB = 1L << 30;

    private final MachineMemory machine = MachineMemory.createDefault();
    private final ProcessImpl p = machine.process(SimMachine.DEFAULT_PROCESS);

    private Memfd memfd(int fd) throws IommufdException {
        return (Memfd) p.fds().get(fd);
    }

    @Test
    void memfdCreateSizesTheFileAndTakesTheLowestFreeDescriptor() throws IommufdException {
        int a = p.memfdCreate(4096, Backing.FOUR_K);
        int b = p.memfdCreate(2 * MIB, Backing.THP);
        assertEquals(3, a);
        assertEquals(4, b);
        assertEquals(4096, memfd(a).size());
        assertEquals(Backing.THP, memfd(b).backing());
        p.closeFd(a);
        assertEquals(3, p.memfdCreate(0, Backing.FOUR_K));
    }

    @Test
    void badMemfdArgumentsAreEinvalAndLeaveNoDescriptor() {
        assertErrno(Errno.EINVAL, () -> p.memfdCreate(4096, Backing.MMIO));
        assertErrno(Errno.EINVAL, () -> p.memfdCreate(4096, null));
        assertErrno(Errno.EINVAL, () -> p.memfdCreate(-1, Backing.FOUR_K));
        assertErrno(Errno.EINVAL, () -> p.memfdCreate(2 * MIB, Backing.HUGETLB_1G));
        assertEquals(0, p.fds().openCount());
    }

    @Test
    void ftruncateChecksItsDescriptorAndLength() throws IommufdException {
        int fd = p.memfdCreate(GIB, Backing.HUGETLB_1G);
        assertErrno(Errno.EBADF, () -> p.ftruncate(99, 0));
        assertErrno(Errno.EINVAL, () -> p.ftruncate(fd, -4096));
        assertErrno(Errno.EINVAL, () -> p.ftruncate(fd, GIB + 4096));
        assertEquals(GIB, memfd(fd).size());
        p.ftruncate(fd, 2 * GIB);
        assertEquals(2 * GIB, memfd(fd).size());
    }

    @Test
    void pinningPastEofIsEinval() throws IommufdException {
        int fd = p.memfdCreate(4 * 4096 + 100, Backing.FOUR_K);
        PinSource pages = memfd(fd).pages();
        Runs runs = new Runs();
        pages.resolve(0, 4, true, runs);
        assertEquals(4, runs.size());
        // the fifth page is only partly inside the file: memfd_pin_folios' end is past EOF
        assertErrno(Errno.EINVAL, () -> pages.resolve(4, 1, true, new Runs()));
        assertErrno(Errno.EINVAL, () -> pages.resolve(2, 10, true, new Runs()));
        assertErrno(Errno.EINVAL, () -> pages.resolve(-1, 1, true, new Runs()));
        assertErrno(Errno.EINVAL, () -> pages.resolve(0, 0, true, new Runs()));
        assertEquals(4, memfd(fd).residentPages());
    }

    @Test
    void aTruncatedMemfdRefusesPinsOfItsFormerPages() throws IommufdException {
        int fd = p.memfdCreate(8 * 4096, Backing.FOUR_K);
        PinSource pages = memfd(fd).pages();
        pages.resolve(0, 8, true, new Runs());
        p.ftruncate(fd, 2 * 4096);
        assertErrno(Errno.EINVAL, () -> pages.resolve(0, 3, true, new Runs()));
        assertEquals(2, memfd(fd).residentPages());
    }

    @Test
    void memfdPagesOfAHugetlbFileAreGigabyteRuns() throws IommufdException {
        int fd = p.memfdCreate(2 * GIB, Backing.HUGETLB_1G);
        Runs runs = new Runs();
        memfd(fd).pages().resolve(0, (2 * GIB) >>> 12, false, runs);
        assertTrue(runs.size() <= 2);
        assertEquals(0, runs.get(0)[1] % (1L << 18));
        assertEquals((2 * GIB) >>> 12, runs.totalPages());
    }

    @Test
    void shrinkingZeroesThePartialPageAndGrowingReadsZeros() throws IommufdException {
        int fd = p.memfdCreate(2 * 4096, Backing.FOUR_K);
        long va = p.mmap(2 * 4096, null, RW, fd, 0);
        byte[] ones = new byte[2 * 4096];
        java.util.Arrays.fill(ones, (byte) 1);
        p.write(va, ones);
        p.ftruncate(fd, 100);
        assertErrno(Errno.EFAULT, () -> p.read(va + 4096, 1));
        assertEquals(1, memfd(fd).residentPages());
        p.ftruncate(fd, 2 * 4096);
        byte[] back = p.read(va, 2 * 4096);
        for (int i = 0; i < back.length; i++) {
            assertEquals(i < 100 ? 1 : 0, back[i], "byte " + i);
        }
    }

    @Test
    void shrinkingIntoAThpFolioKeepsTheFolioAndZeroesItsTail() throws IommufdException {
        int fd = p.memfdCreate(4 * MIB, Backing.THP);
        long va = p.mmap(4 * MIB, null, RW, fd, 0);
        byte[] ones = new byte[(int) (4 * MIB)];
        java.util.Arrays.fill(ones, (byte) 1);
        p.write(va, ones);
        assertEquals(1024, memfd(fd).residentPages());
        p.ftruncate(fd, MIB);
        assertEquals(512, memfd(fd).residentPages(), "the second folio is gone, the first stays whole");
        p.ftruncate(fd, 4 * MIB);
        byte[] back = p.read(va + MIB - 1, 2);
        assertArrayEquals(new byte[] {1, 0}, back);
        assertArrayEquals(new byte[4], p.read(va + 3 * MIB, 4));
    }

    @Test
    void pinnedFramesDroppedByTruncationStayPinnedWithTheirContent() throws IommufdException {
        int fd = p.memfdCreate(2 * 4096, Backing.FOUR_K);
        long va = p.mmap(2 * 4096, null, RW, fd, 0);
        p.write(va + 4096, new byte[] {7});
        Runs runs = new Runs();
        memfd(fd).pages().resolve(1, 1, true, runs);
        long pfn = runs.get(0)[1];
        machine.pins().pin(pfn, 1);
        p.ftruncate(fd, 4096);
        assertEquals(1, machine.pins().pinCount(pfn));
        byte[] b = new byte[1];
        machine.physical().read(pfn << 12, b, 0, 1);
        assertEquals(7, b[0]);
        p.ftruncate(fd, 2 * 4096);
        assertArrayEquals(new byte[] {0}, p.read(va + 4096, 1), "a new page, not the pinned one");
    }
}
