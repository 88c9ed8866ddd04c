package io.iommufdsim.core.ioas;

import static io.iommufdsim.api.uapi.IoctlCommand.IOMMU_IOAS_CHANGE_PROCESS;
import static io.iommufdsim.api.uapi.IoctlCommand.IOMMU_IOAS_MAP;
import static io.iommufdsim.api.uapi.IoctlCommand.IOMMU_IOAS_MAP_FILE;
import static io.iommufdsim.api.uapi.IoctlCommand.IOMMU_OPTION;
import static io.iommufdsim.core.ioas.IoasHarness.FIXED;
import static io.iommufdsim.core.ioas.IoasHarness.PAGE;
import static io.iommufdsim.core.ioas.IoasHarness.READABLE;
import static io.iommufdsim.core.ioas.IoasHarness.WRITEABLE;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.iommufdsim.api.Backing;
import io.iommufdsim.api.Capability;
import io.iommufdsim.api.Errno;
import io.iommufdsim.api.IommufdException;
import io.iommufdsim.core.mem.ProcessImpl;
import java.util.EnumSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * Pinning and RLIMIT_MEMLOCK accounting (reference §3.6, §3.11, §7.1, §7.3; pages.c:
 * iopt_pages_update_pinned; ioas.c: iommufd_ioas_change_process).
 */
class AccountingTest {
    private static final long RW = READABLE | WRITEABLE;
    private final IoasHarness h = new IoasHarness();

    AccountingTest() throws IommufdException {
    }

    private int ioasWithDomain() throws IommufdException {
        int ioas = h.ioasAlloc();
        h.ioas(ioas).iopt().addDomain(MockDomain.x86());
        return ioas;
    }

    @Test
    void twoMapsOfTheSameMemoryAreChargedTwiceButPinnedOnceEach() throws Exception {
        int ioas = ioasWithDomain();
        long buffer = h.mmap(8 * PAGE);
        h.map(ioas, buffer, 8 * PAGE, 0, RW);
        assertArrayEquals(new long[] {0, 8, 8}, h.stats());
        h.map(ioas, buffer, 8 * PAGE, 0, RW);
        assertArrayEquals(new long[] {0, 16, 16}, h.stats());
        assertArrayEquals(new long[] {2, 2}, h.main.pinCount(buffer, 8 * PAGE));
        h.unmap(ioas, 0, -1L);
        assertArrayEquals(new long[] {0, 0, 0}, h.stats());
        assertArrayEquals(new long[] {0, 0}, h.main.pinCount(buffer, 8 * PAGE));
    }

    @Test
    void pastTheLimitMapFailsWithEnomemAndNothingStaysPinned() throws Exception {
        int ioas = ioasWithDomain();
        h.main.setRlimitMemlock(4 * PAGE);
        long buffer = h.mmap(8 * PAGE);
        long frames = h.pinnedFrames();
        h.fails(Errno.ENOMEM, IOMMU_IOAS_MAP, "ioas_id", ioas, "flags", RW, "user_va", buffer, "length", 8 * PAGE);
        assertEquals(frames, h.pinnedFrames());
        assertArrayEquals(new long[] {0, 0, 0}, h.stats());
        assertEquals(0, h.ioas(ioas).iopt().areaCount());
        h.map(ioas, buffer, 4 * PAGE, 0, RW);
        h.fails(Errno.ENOMEM, IOMMU_IOAS_MAP, "ioas_id", ioas, "flags", RW, "user_va", buffer, "length", PAGE);
        assertArrayEquals(new long[] {0, 4, 4}, h.stats());
    }

    @Test
    void theUserCounterIsSharedByEveryProcessOfTheUid() throws Exception {
        ProcessImpl other = h.machine.createProcess("other", h.main.uid(), Set.of());
        other.setRlimitMemlock(12 * PAGE);
        int ioas = ioasWithDomain();
        long buffer = h.mmap(8 * PAGE);
        h.map(ioas, buffer, 8 * PAGE, 0, RW);
        long otherBuffer = other.mmap(8 * PAGE, Backing.FOUR_K, IoasHarness.RW, -1, 0);
        assertEquals(Errno.ENOMEM, assertThrows(IommufdException.class,
                () -> h.mapAs(other, ioas, otherBuffer, 8 * PAGE, 0, RW)).errno());
        h.mapAs(other, ioas, otherBuffer, 4 * PAGE, 0, RW);
        assertArrayEquals(new long[] {0, 4, 12}, IoasHarness.stats(other));
    }

    @Test
    void capIpcLockPinsAreNotChargedToLockedVmButCountInPinnedVm() throws Exception {
        ProcessImpl locker = h.machine.createProcess("locker", 7, EnumSet.of(Capability.CAP_IPC_LOCK));
        locker.setRlimitMemlock(0);
        int ioas = ioasWithDomain();
        long buffer = locker.mmap(8 * PAGE, Backing.FOUR_K, IoasHarness.RW, -1, 0);
        h.mapAs(locker, ioas, buffer, 8 * PAGE, 0, RW);
        assertArrayEquals(new long[] {0, 8, 0}, IoasHarness.stats(locker));
    }

    @Test
    void mmModeChargesTheProcessLockedVm() throws Exception {
        ProcessImpl admin = h.machine.createProcess("admin", 1000, EnumSet.of(Capability.CAP_SYS_RESOURCE));
        h.ioctlAs(admin, IOMMU_OPTION, "option_id", 0, "op", 0, "val64", 1);
        int ioas = ioasWithDomain();
        long buffer = h.mmap(8 * PAGE);
        h.map(ioas, buffer, 8 * PAGE, 0, RW);
        assertArrayEquals(new long[] {8, 8, 0}, h.stats());
        h.main.setRlimitMemlock(10 * PAGE);
        h.fails(Errno.ENOMEM, IOMMU_IOAS_MAP, "ioas_id", ioas, "flags", RW, "user_va", buffer, "length", 4 * PAGE);
        assertArrayEquals(new long[] {8, 8, 0}, h.stats());
    }

    @Test
    void pagesStayPinnedAndMappedAfterMunmapUntilTheUnmap() throws Exception {
        int ioas = h.ioasAlloc();
        MockDomain d = MockDomain.x86();
        h.ioas(ioas).iopt().addDomain(d);
        long buffer = h.mmap(4 * PAGE);
        h.main.write(buffer, new byte[] {1, 2, 3, 4});
        long frames = h.pinnedFrames();
        long iova = h.map(ioas, buffer, 4 * PAGE, 0, RW);
        long pa = d.iovaToPhys(iova);
        h.main.munmap(buffer, 4 * PAGE);
        assertEquals(frames + 4, h.pinnedFrames());
        assertEquals(pa, d.iovaToPhys(iova));
        byte[] data = new byte[4];
        h.memory.physical().read(pa, data, 0, 4);
        assertArrayEquals(new byte[] {1, 2, 3, 4}, data);
        assertArrayEquals(new long[] {0, 4, 4}, h.stats());
        h.unmap(ioas, iova, 4 * PAGE);
        assertEquals(frames, h.pinnedFrames());
        assertArrayEquals(new long[] {0, 0, 0}, h.stats());
    }

    // ---- MAP_FILE --------------------------------------------------------------------------------

    @Test
    void mapFileErrnoRowsInTheKernelsOrder() throws Exception {
        int ioas = h.ioasAlloc();
        int fd = h.main.memfdCreate(8 * PAGE, Backing.FOUR_K);
        h.fails(Errno.EOPNOTSUPP, IOMMU_IOAS_MAP_FILE, "ioas_id", 99, "fd", 99, "flags", RW | 8, "length", PAGE);
        h.fails(Errno.EOVERFLOW, IOMMU_IOAS_MAP_FILE, "ioas_id", 99, "fd", 99, "flags", RW, "length", -1L);
        h.fails(Errno.EINVAL, IOMMU_IOAS_MAP_FILE, "ioas_id", 99, "fd", 99, "length", PAGE);
        h.fails(Errno.ENOENT, IOMMU_IOAS_MAP_FILE, "ioas_id", 99, "fd", 99, "flags", RW, "length", PAGE);
        h.fails(Errno.EINVAL, IOMMU_IOAS_MAP_FILE, "ioas_id", ioas, "fd", 99, "flags", RW, "length", 0);
        h.fails(Errno.EOVERFLOW, IOMMU_IOAS_MAP_FILE, "ioas_id", ioas, "fd", 99, "flags", RW,
                "start", -PAGE, "length", 2 * PAGE);
        h.fails(Errno.EBADF, IOMMU_IOAS_MAP_FILE, "ioas_id", ioas, "fd", 99, "flags", RW, "length", PAGE);
        h.fails(Errno.EBADF, IOMMU_IOAS_MAP_FILE, "ioas_id", ioas, "fd", -1, "flags", RW, "length", PAGE);
        assertEquals(0, h.ioas(ioas).iopt().areaCount());
        h.ioctl(IOMMU_IOAS_MAP_FILE, "ioas_id", ioas, "fd", fd, "flags", RW, "length", 8 * PAGE);
        assertEquals(1, h.ioas(ioas).iopt().areaCount());
    }

    @Test
    void aFileRangePastEofFailsWithEinvalOnlyOnceADomainPinsIt() throws Exception {
        int fd = h.main.memfdCreate(4 * PAGE, Backing.FOUR_K);
        int lazy = h.ioasAlloc();
        h.ioctl(IOMMU_IOAS_MAP_FILE, "ioas_id", lazy, "fd", fd, "flags", RW, "length", 8 * PAGE);
        int ioas = ioasWithDomain();
        long frames = h.pinnedFrames();
        h.fails(Errno.EINVAL, IOMMU_IOAS_MAP_FILE, "ioas_id", ioas, "fd", fd, "flags", RW, "length", 8 * PAGE);
        assertEquals(frames, h.pinnedFrames());
        assertEquals(Errno.EINVAL, assertThrows(IommufdException.class,
                () -> h.ioas(lazy).iopt().addDomain(MockDomain.x86())).errno());
        // a file mapped from an offset keeps the offset's in-page position in the IOVA
        byte[] out = h.ioctl(IOMMU_IOAS_MAP_FILE, "ioas_id", lazy, "fd", fd, "flags", RW, "start", PAGE + 512,
                "length", 1024);
        assertEquals(512, IoasHarness.field(IOMMU_IOAS_MAP_FILE, out, "iova") % PAGE);
        // with a domain the 512-byte alignment it implies is below the IOAS's PAGE_SIZE alignment
        h.fails(Errno.EINVAL, IOMMU_IOAS_MAP_FILE, "ioas_id", ioas, "fd", fd, "flags", RW, "start", PAGE + 512,
                "length", 1024);
        assertEquals(frames, h.pinnedFrames());
    }

    @Test
    void closingTheMemfdDoesNotUnpinItsMappedPages() throws Exception {
        int fd = h.main.memfdCreate(4 * PAGE, Backing.FOUR_K);
        int ioas = ioasWithDomain();
        long frames = h.pinnedFrames();
        h.ioctl(IOMMU_IOAS_MAP_FILE, "ioas_id", ioas, "fd", fd, "flags", RW, "length", 4 * PAGE,
                "iova", 16 * PAGE, "flags", FIXED | RW);
        h.main.closeFd(fd);
        assertEquals(frames + 4, h.pinnedFrames());
        h.unmap(ioas, 16 * PAGE, 4 * PAGE);
        assertEquals(frames, h.pinnedFrames());
    }

    // ---- CHANGE_PROCESS ----------------------------------------------------------------------------

    @Test
    void changeProcessMovesTheChargeOfFileMappingsToTheCaller() throws Exception {
        ProcessImpl next = h.machine.createProcess("next", 2000, Set.of());
        next.setRlimitMemlock(-1);
        h.ioctl(IOMMU_IOAS_CHANGE_PROCESS); // no IOAS: nothing to do
        int fd = h.main.memfdCreate(8 * PAGE, Backing.FOUR_K);
        int a = ioasWithDomain();
        int b = ioasWithDomain();
        h.ioctl(IOMMU_IOAS_MAP_FILE, "ioas_id", a, "fd", fd, "flags", FIXED | RW, "length", 8 * PAGE,
                "iova", 16 * PAGE);
        h.copy(b, a, 16 * PAGE, 8 * PAGE, 0, RW); // the same iopt_pages seen twice: counted once
        assertArrayEquals(new long[] {0, 8, 8}, h.stats());
        h.ioctlAs(next, IOMMU_IOAS_CHANGE_PROCESS);
        assertArrayEquals(new long[] {0, 0, 0}, h.stats());
        assertArrayEquals(new long[] {0, 8, 8}, IoasHarness.stats(next));
        h.unmap(a, 0, -1L);
        h.unmap(b, 0, -1L);
        assertArrayEquals(new long[] {0, 0, 0}, IoasHarness.stats(next));
    }

    @Test
    void changeProcessRefusesUserAddressMappingsAndAFullLimitWithoutChangingAnything() throws Exception {
        ProcessImpl next = h.machine.createProcess("next", 2000, Set.of());
        next.setRlimitMemlock(4 * PAGE);
        int fd = h.main.memfdCreate(8 * PAGE, Backing.FOUR_K);
        int a = ioasWithDomain();
        h.ioctl(IOMMU_IOAS_MAP_FILE, "ioas_id", a, "fd", fd, "flags", RW, "length", 8 * PAGE);
        h.failsAs(Errno.EOPNOTSUPP, next, IOMMU_IOAS_CHANGE_PROCESS, "__reserved", 1);
        h.failsAs(Errno.ENOMEM, next, IOMMU_IOAS_CHANGE_PROCESS);
        assertArrayEquals(new long[] {0, 8, 8}, h.stats());
        assertArrayEquals(new long[] {0, 0, 0}, IoasHarness.stats(next));
        next.setRlimitMemlock(-1);
        long buffer = h.mmap(PAGE);
        int b = h.ioasAlloc();
        h.map(b, buffer, PAGE, 0, RW);
        h.failsAs(Errno.EINVAL, next, IOMMU_IOAS_CHANGE_PROCESS);
        assertArrayEquals(new long[] {0, 8, 8}, h.stats());
        h.unmap(b, 0, -1L);
        h.ioctlAs(next, IOMMU_IOAS_CHANGE_PROCESS);
        assertArrayEquals(new long[] {0, 8, 8}, IoasHarness.stats(next));
    }
}
