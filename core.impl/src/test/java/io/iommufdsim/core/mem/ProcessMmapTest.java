package io.iommufdsim.core.mem;

import static io.iommufdsim.api.SimProcess.PROT_READ;
import static io.iommufdsim.api.SimProcess.PROT_WRITE;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.iommufdsim.api.Backing;
import io.iommufdsim.api.Errno;
import io.iommufdsim.api.IommufdException;
import io.iommufdsim.api.SimMachine;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

class ProcessMmapTest {
    private static final int RW = PROT_READ | PROT_WRITE;
    private static final long MIB = 1L << 20;
    private static final long GIB = 1L << 30;

    private final MachineMemory machine = MachineMemory.createDefault();
    private final ProcessImpl p = machine.process(SimMachine.DEFAULT_PROCESS);

    static void assertErrno(Errno expected, Executable call) {
        IommufdException e = assertThrows(IommufdException.class, call);
        assertEquals(expected, e.errno());
    }

    @Test
    void mappingsAreAlignedToTheirBackingsFolioSize() throws IommufdException {
        long a = p.mmap(4096, Backing.FOUR_K, RW, -1, 0);
        long t = p.mmap(3 * MIB, Backing.THP, RW, -1, 0);
        long h = p.mmap(GIB, Backing.HUGETLB_1G, RW, -1, 0);
        long m = p.mmap(8192, Backing.MMIO, RW, -1, 0);
        assertEquals(0, a % 4096);
        assertEquals(0, t % (2 * MIB));
        assertEquals(0, h % GIB);
        assertEquals(0, m % 4096);
    }

    @Test
    void addressesGoDownFromMmapBaseWithoutOverlapping() throws IommufdException {
        long a = p.mmap(4096, Backing.FOUR_K, RW, -1, 0);
        long b = p.mmap(5000, Backing.FOUR_K, RW, -1, 0);
        long c = p.mmap(2 * MIB, Backing.THP, RW, -1, 0);
        assertEquals(AddressSpace.MMAP_BASE - 4096, a);
        assertEquals(a - 8192, b, "5000 bytes round up to two pages");
        assertTrue(c + 2 * MIB <= b);
        assertEquals(0, c % (2 * MIB));
        // the gap left by alignment below b is used by the next small mapping
        long d = p.mmap(4096, Backing.FOUR_K, RW, -1, 0);
        assertEquals(b - 4096, d);
        assertTrue(d >= c + 2 * MIB);
    }

    @Test
    void aHoleLeftByMunmapIsReusedTopDown() throws IommufdException {
        long a = p.mmap(4096, Backing.FOUR_K, RW, -1, 0);
        long b = p.mmap(4096, Backing.FOUR_K, RW, -1, 0);
        p.munmap(a, 4096);
        assertEquals(a, p.mmap(4096, Backing.FOUR_K, RW, -1, 0));
        assertEquals(b - 4096, p.mmap(4096, Backing.FOUR_K, RW, -1, 0));
    }

    @Test
    void badMmapArgumentsFailWithTheKernelsErrnoAndMapNothing() throws IommufdException {
        int before = p.addressSpace().vmaCount();
        assertErrno(Errno.EINVAL, () -> p.mmap(0, Backing.FOUR_K, RW, -1, 0));
        assertErrno(Errno.ENOMEM, () -> p.mmap(-4096, Backing.FOUR_K, RW, -1, 0));
        assertErrno(Errno.ENOMEM, () -> p.mmap(1L << 48, Backing.FOUR_K, RW, -1, 0));
        assertErrno(Errno.EINVAL, () -> p.mmap(4096, Backing.FOUR_K, 4, -1, 0));
        assertErrno(Errno.EINVAL, () -> p.mmap(4096, null, RW, -1, 0));
        assertErrno(Errno.EBADF, () -> p.mmap(4096, null, RW, 3, 0));
        assertEquals(before, p.addressSpace().vmaCount());
    }

    @Test
    void hugetlbLengthsRoundUpToAGigabyte() throws IommufdException {
        long h = p.mmap(4096, Backing.HUGETLB_1G, RW, -1, 0);
        p.write(h + GIB - 8, new byte[] {1});
        assertErrno(Errno.EFAULT, () -> p.write(h + GIB, new byte[] {1}));
    }

    @Test
    void memfdMappingsCheckTheirOffset() throws IommufdException {
        int fd = p.memfdCreate(4 * MIB, Backing.FOUR_K);
        int huge = p.memfdCreate(GIB, Backing.HUGETLB_1G);
        int before = p.addressSpace().vmaCount();
        assertErrno(Errno.EINVAL, () -> p.mmap(4096, null, RW, fd, 100));
        assertErrno(Errno.EINVAL, () -> p.mmap(4096, null, RW, fd, -4096));
        assertErrno(Errno.EINVAL, () -> p.mmap(4096, Backing.THP, RW, fd, 0));
        assertErrno(Errno.EINVAL, () -> p.mmap(4096, null, RW, huge, 0));
        assertErrno(Errno.EINVAL, () -> p.mmap(GIB, null, RW, huge, 2 * MIB));
        assertErrno(Errno.EOVERFLOW, () -> p.mmap(8192, null, RW, fd, Long.MAX_VALUE & -4096L));
        assertEquals(before, p.addressSpace().vmaCount());
        assertEquals(0, p.mmap(GIB, null, RW, huge, 0) % GIB);
        assertEquals(0, p.mmap(4096, Backing.FOUR_K, RW, fd, 4096) % 4096);
    }

    @Test
    void aThpMemfdMappingIsCongruentWithItsOffset() throws IommufdException {
        int fd = p.memfdCreate(8 * MIB, Backing.THP);
        long va = p.mmap(4 * MIB, null, RW, fd, MIB);
        assertEquals(MIB, va % (2 * MIB));
    }

    @Test
    void mappingADescriptorWithoutMmapIsEnodev() throws IommufdException {
        int fd = p.fds().install(new RecordFile() {
            @Override
            public List<Map<String, Object>> readRecords(int count) {
                return List.of();
            }
        });
        assertErrno(Errno.ENODEV, () -> p.mmap(4096, null, RW, fd, 0));
    }

    @Test
    void partialMunmapSplitsTheMappingAndKeepsTheRest() throws IommufdException {
        long va = p.mmap(4 * 4096, Backing.FOUR_K, RW, -1, 0);
        p.write(va, new byte[] {1});
        p.write(va + 3 * 4096, new byte[] {4});
        p.munmap(va + 4096, 2 * 4096);
        assertEquals(2, p.addressSpace().vmaCount());
        assertArrayEquals(new byte[] {1}, p.read(va, 1));
        assertArrayEquals(new byte[] {4}, p.read(va + 3 * 4096, 1));
        assertErrno(Errno.EFAULT, () -> p.read(va + 4096, 1));
        assertErrno(Errno.EFAULT, () -> p.read(va + 3 * 4096 - 1, 2));
    }

    @Test
    void munmapOfAHoleOrAcrossMappingsWorks() throws IommufdException {
        long a = p.mmap(4096, Backing.FOUR_K, RW, -1, 0);
        long b = p.mmap(4096, Backing.FOUR_K, RW, -1, 0);
        p.munmap(0x10000000, 4096);
        p.munmap(b, 2 * 4096 + 100);
        assertEquals(0, p.addressSpace().vmaCount());
        assertErrno(Errno.EFAULT, () -> p.read(a, 1));
    }

    @Test
    void badMunmapArgumentsAreEinvalAndUnmapNothing() throws IommufdException {
        long va = p.mmap(4096, Backing.FOUR_K, RW, -1, 0);
        assertErrno(Errno.EINVAL, () -> p.munmap(va + 1, 4096));
        assertErrno(Errno.EINVAL, () -> p.munmap(va, 0));
        assertErrno(Errno.EINVAL, () -> p.munmap(va, -4096));
        assertErrno(Errno.EINVAL, () -> p.munmap(AddressSpace.TASK_SIZE - 4096, 8192));
        assertEquals(1, p.addressSpace().vmaCount());
    }

    @Test
    void cuttingAHugetlbMappingOffAGigabyteBoundaryIsEinvalAndUnmapsNothing() throws IommufdException {
        long small = p.mmap(4096, Backing.FOUR_K, RW, -1, 0);
        long h = p.mmap(2 * GIB, Backing.HUGETLB_1G, RW, -1, 0);
        p.write(h + 4096, new byte[] {9});
        assertErrno(Errno.EINVAL, () -> p.munmap(h, 2 * MIB));
        assertErrno(Errno.EINVAL, () -> p.munmap(h + GIB + 4096, small + 4096 - (h + GIB + 4096)));
        assertEquals(2, p.addressSpace().vmaCount());
        assertArrayEquals(new byte[] {9}, p.read(h + 4096, 1));
        p.munmap(h + GIB, GIB);
        assertArrayEquals(new byte[] {9}, p.read(h + 4096, 1));
        assertErrno(Errno.EFAULT, () -> p.read(h + GIB, 1));
    }

    @Test
    void exitUnmapsEverythingClosesDescriptorsAndRefusesSyscalls() throws IommufdException {
        long va = p.mmap(4096, Backing.FOUR_K, RW, -1, 0);
        int fd = p.memfdCreate(4096, Backing.FOUR_K);
        p.exit();
        assertTrue(!p.isAlive());
        assertEquals(0, p.addressSpace().vmaCount());
        assertEquals(0, p.fds().openCount());
        assertErrno(Errno.ESRCH, () -> p.mmap(4096, Backing.FOUR_K, RW, -1, 0));
        assertErrno(Errno.ESRCH, () -> p.closeFd(fd));
        assertErrno(Errno.EFAULT, () -> p.pinCount(va, 4096));
        assertErrno(Errno.EFAULT, () -> p.memory().copyFromUser(va, new byte[1], 0, 1));
        p.exit();
    }
}
