package io.iommufdsim.core.ioas;

import static io.iommufdsim.api.EmulatedAccesses.NEEDS_PIN_PAGES;
import static io.iommufdsim.api.uapi.IoctlCommand.IOMMU_IOAS_MAP_FILE;
import static io.iommufdsim.core.ioas.IoasHarness.FIXED;
import static io.iommufdsim.core.ioas.IoasHarness.PAGE;
import static io.iommufdsim.core.ioas.IoasHarness.READABLE;
import static io.iommufdsim.core.ioas.IoasHarness.WRITEABLE;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.iommufdsim.api.Backing;
import io.iommufdsim.api.EmulatedAccesses;
import io.iommufdsim.api.Errno;
import io.iommufdsim.api.IommufdException;
import io.iommufdsim.api.SimProcess;
import io.iommufdsim.core.mem.ProcessImpl;
import java.util.Arrays;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

/**
 * Which path an access read/write takes (pages.c: iopt_pages_rw_access, iopt_pages_rw_page,
 * iopt_pages_rw_slow): copy_to/from_user in the caller's own mm, GUP of one page of another live mm,
 * the pinned pages (pfn_reader) otherwise.
 */
class AccessRwTest {
    private static final long RW = READABLE | WRITEABLE;
    private static final long IOVA = 16 * PAGE;
    private final IoasHarness h = new IoasHarness();
    private final EmulatedAccesses accesses = h.ctx.accesses();
    private final int ioas = h.ioasAlloc();
    private final int pinner = accesses.create(h.main, ioas, NEEDS_PIN_PAGES);
    private final int rw = accesses.create(h.main, ioas, 0);
    private final ProcessImpl child = h.machine.createProcess("child", h.main.uid(), Set.of());

    AccessRwTest() throws IommufdException {
    }

    private static void fails(Errno expected, Executable call) {
        assertEquals(expected, assertThrows(IommufdException.class, call).errno());
    }

    private static byte[] filled(int length, int value) {
        byte[] b = new byte[length];
        Arrays.fill(b, (byte) value);
        return b;
    }

    /** 4 pages of {@code owner}, page i holding byte i + 1, mapped at IOVA by {@code owner}. */
    private long mapFourPagesOf(ProcessImpl owner) throws IommufdException {
        long va = owner.mmap(4 * PAGE, Backing.FOUR_K, IoasHarness.RW, -1, 0);
        for (int i = 0; i < 4; i++) {
            owner.write(va + i * PAGE, filled((int) PAGE, i + 1));
        }
        h.mapAs(owner, ioas, va, 4 * PAGE, IOVA, FIXED | RW);
        return va;
    }

    @Test
    void accessReadOfAMunmappedRangeIsEfaultWhilePagesStayPinned() throws Exception {
        long va = mapFourPagesOf(h.main);
        accesses.pin(pinner, IOVA, 4 * PAGE, 0);
        h.main.munmap(va, 4 * PAGE);
        // the caller's own mm: copy_from_user at the user address, which is gone
        fails(Errno.EFAULT, () -> accesses.read(rw, IOVA, 8));
        fails(Errno.EFAULT, () -> accesses.read(rw, IOVA, 2 * PAGE));
        fails(Errno.EFAULT, () -> accesses.write(rw, IOVA, new byte[] {9}));
        assertEquals(4, h.pinnedFrames(), "the pins keep the pages");
        // another process sharing the file reads several pages through the pinned pages (the slow path)
        assertArrayEquals(new byte[] {1, 1, 2, 2}, accesses.read(child, rw, IOVA + PAGE - 2, 4));
        // but one page of it through pin_user_pages_remote in the unmapped source mm: EFAULT
        fails(Errno.EFAULT, () -> accesses.read(child, rw, IOVA, 8));
    }

    @Test
    void accessReadAfterTheSourceProcessExitedUsesThePinnedPages() throws Exception {
        mapFourPagesOf(child);
        accesses.pin(pinner, IOVA, 2 * PAGE, 0);
        assertArrayEquals(filled(4, 3), accesses.read(rw, IOVA + 2 * PAGE, 4), "one page of a live mm by GUP");
        child.exit();
        assertArrayEquals(filled(4, 1), accesses.read(rw, IOVA, 4), "one page, mm gone: the slow path");
        assertArrayEquals(new byte[] {1, 2}, accesses.read(rw, IOVA + PAGE - 1, 2));
        accesses.write(rw, IOVA + 8, new byte[] {7});
        assertArrayEquals(new byte[] {1, 7, 1}, accesses.read(rw, IOVA + 7, 3));
        // a page nobody pinned cannot be pinned from a gone mm (pfn_reader_user_pin: EFAULT)
        fails(Errno.EFAULT, () -> accesses.read(rw, IOVA + 2 * PAGE, 4));
        fails(Errno.EFAULT, () -> accesses.read(rw, IOVA + 2 * PAGE - 2, 4));
        assertEquals(2, h.pinnedFrames(), "the copies pinned nothing for good");
    }

    @Test
    void aFaultingWriteToTheOwnMmKeepsTheBytesStoredBeforeTheFaultingPage() throws Exception {
        long va = mapFourPagesOf(h.main);
        h.main.munmap(va + 2 * PAGE, PAGE);
        fails(Errno.EFAULT, () -> accesses.write(rw, IOVA + PAGE - 4, filled((int) (3 * PAGE), 9)));
        assertArrayEquals(new byte[] {1, 9, 9, 9, 9}, h.main.read(va + PAGE - 5, 5));
        assertArrayEquals(filled((int) PAGE, 9), h.main.read(va + PAGE, PAGE));
        assertArrayEquals(filled((int) PAGE, 4), h.main.read(va + 3 * PAGE, PAGE), "nothing past the fault");
    }

    @Test
    void theOwnMmIsCopiedUnderItsMappingsProtection() throws Exception {
        long va = h.main.mmap(2 * PAGE, Backing.FOUR_K, SimProcess.PROT_READ, -1, 0);
        h.map(ioas, va, 2 * PAGE, IOVA, FIXED | RW);
        assertArrayEquals(new byte[4], accesses.read(rw, IOVA + PAGE - 2, 4));
        // copy_to_user into a read-only mapping faults, although the area is writeable
        fails(Errno.EFAULT, () -> accesses.write(rw, IOVA, new byte[] {1}));
    }

    @Test
    void anotherProcessesReadOnlyMemoryIsRefusedByGupInTheWayEachPathAsks() throws Exception {
        long va = child.mmap(2 * PAGE, Backing.FOUR_K, SimProcess.PROT_READ, -1, 0);
        h.mapAs(child, ioas, va, 2 * PAGE, IOVA, FIXED | RW);
        // one page: pin_user_pages_remote with FOLL_WRITE only for a write
        assertArrayEquals(new byte[4], accesses.read(rw, IOVA, 4));
        fails(Errno.EFAULT, () -> accesses.write(rw, IOVA, new byte[] {1}));
        // several pages: the pfn_reader pins with FOLL_WRITE because the area's pages are writeable
        fails(Errno.EFAULT, () -> accesses.read(rw, IOVA + PAGE - 2, 4));
    }

    @Test
    void aSlowPathWriteThatCannotPinEveryPageWritesNothing() throws Exception {
        long va = mapFourPagesOf(child);
        accesses.pin(pinner, IOVA, PAGE, 0);
        child.munmap(va + PAGE, PAGE);
        fails(Errno.EFAULT, () -> accesses.write(rw, IOVA + PAGE - 2, new byte[] {8, 8, 8, 8}));
        assertArrayEquals(new byte[] {1, 1}, accesses.read(rw, IOVA + PAGE - 2, 2));
    }

    @Test
    void aCopyAcrossAreasKeepsWhatEarlierAreasCopiedWhenALaterOneFails() throws Exception {
        long va = mapFourPagesOf(h.main);
        long other = child.mmap(PAGE, Backing.FOUR_K, IoasHarness.RW, -1, 0);
        h.mapAs(child, ioas, other, PAGE, IOVA + 4 * PAGE, FIXED | RW);
        child.exit();
        fails(Errno.EFAULT, () -> accesses.write(rw, IOVA + 4 * PAGE - 2, new byte[] {5, 5, 5, 5}));
        assertArrayEquals(new byte[] {4, 5, 5}, h.main.read(va + 4 * PAGE - 3, 3));
    }

    @Test
    void filePagesAlwaysGoThroughThePinnedPagesPath() throws Exception {
        int fd = h.main.memfdCreate(2 * PAGE, Backing.FOUR_K);
        long va = h.main.mmap(2 * PAGE, null, IoasHarness.RW, fd, 0);
        h.main.write(va + PAGE, new byte[] {6});
        h.ioctl(IOMMU_IOAS_MAP_FILE, "ioas_id", ioas, "fd", fd, "flags", FIXED | RW, "length", 2 * PAGE,
                "iova", IOVA);
        h.main.munmap(va, 2 * PAGE);
        assertArrayEquals(new byte[] {6}, accesses.read(rw, IOVA + PAGE, 1), "no user address is involved");
        h.main.ftruncate(fd, PAGE);
        fails(Errno.EINVAL, () -> accesses.read(rw, IOVA + PAGE, 1)); // memfd_pin_folios past EOF
        assertEquals(0, h.pinnedFrames());
    }
}
