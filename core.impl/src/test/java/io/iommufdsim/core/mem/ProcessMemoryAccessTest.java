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

class ProcessMemoryAccessTest {
    private static final int RW = PROT_READ | PROT_WRITE;

    private final MachineMemory machine = MachineMemory.createDefault();
    private final ProcessImpl p = machine.process(SimMachine.DEFAULT_PROCESS);

    @Test
    void writesAreReadBackAcrossPageBoundaries() throws IommufdException {
        long va = p.mmap(3 * 4096, Backing.FOUR_K, RW, -1, 0);
        byte[] data = new byte[6000];
        for (int i = 0; i < data.length; i++) {
            data[i] = (byte) (i * 7);
        }
        p.write(va + 3000, data);
        assertArrayEquals(data, p.read(va + 3000, data.length));
    }

    @Test
    void untouchedMemoryReadsZeroWithoutAllocatingFrames() throws IommufdException {
        long va = p.mmap(1L << 40, Backing.FOUR_K, RW, -1, 0);
        assertArrayEquals(new byte[64], p.read(va + (1L << 39), 64));
        assertEquals(0, machine.frames().allocatedDataFrames());
    }

    @Test
    void writingIntoAReadOnlyMappingIsEfaultAndStoresNothing() throws IommufdException {
        long ro = p.mmap(4096, Backing.FOUR_K, PROT_READ, -1, 0);
        long rw = p.mmap(4096, Backing.FOUR_K, RW, -1, 0);
        assertEquals(ro - 4096, rw);
        assertErrno(Errno.EFAULT, () -> p.write(ro, new byte[] {1}));
        // a store straddling a writable and a read-only page stores nothing at all
        assertErrno(Errno.EFAULT, () -> p.write(ro - 2, new byte[] {1, 2, 3, 4}));
        assertArrayEquals(new byte[2], p.read(rw + 4094, 2));
        assertEquals(0, machine.frames().allocatedDataFrames());
        assertErrno(Errno.EFAULT, () -> p.memory().copyToUser(ro, new byte[] {1}, 0, 1));
    }

    @Test
    void protNoneIsInaccessibleButWriteOnlyIsReadable() throws IommufdException {
        long none = p.mmap(4096, Backing.FOUR_K, 0, -1, 0);
        long wo = p.mmap(4096, Backing.FOUR_K, PROT_WRITE, -1, 0);
        assertErrno(Errno.EFAULT, () -> p.read(none, 1));
        assertErrno(Errno.EFAULT, () -> p.memory().copyFromUser(none, new byte[1], 0, 1));
        p.write(wo, new byte[] {5});
        assertArrayEquals(new byte[] {5}, p.read(wo, 1));
    }

    @Test
    void unmappedAddressesAreEfault() {
        assertErrno(Errno.EFAULT, () -> p.read(0x1000, 1));
        assertErrno(Errno.EFAULT, () -> p.write(-4096, new byte[1]));
        assertErrno(Errno.EFAULT, () -> p.read(Long.MAX_VALUE - 2, 8));
        assertErrno(Errno.EINVAL, () -> p.read(0x1000, -1));
    }

    @Test
    void mmioRangesAreCpuAccessible() throws IommufdException {
        long bar = p.mmap(4096, Backing.MMIO, RW, -1, 0);
        p.write(bar + 8, new byte[] {1, 2});
        assertArrayEquals(new byte[] {1, 2}, p.read(bar + 8, 2));
    }

    @Test
    void aMemfdIsSharedBetweenItsMappingsAndProcesses() throws IommufdException {
        int fd = p.memfdCreate(2 * 4096, Backing.FOUR_K);
        long a = p.mmap(2 * 4096, null, RW, fd, 0);
        long b = p.mmap(4096, Backing.FOUR_K, PROT_READ, fd, 4096);
        p.write(a + 4096 + 10, new byte[] {42});
        assertArrayEquals(new byte[] {42}, p.read(b + 10, 1));
        assertEquals(1, ((Memfd) p.fds().get(fd)).residentPages());
    }

    @Test
    void touchingAMemfdMappingPastEofIsEfault() throws IommufdException {
        int fd = p.memfdCreate(4096, Backing.FOUR_K);
        long va = p.mmap(3 * 4096, null, RW, fd, 0);
        p.write(va, new byte[] {1});
        assertErrno(Errno.EFAULT, () -> p.read(va + 4096, 1));
        assertErrno(Errno.EFAULT, () -> p.write(va + 4095, new byte[] {1, 2}));
        p.ftruncate(fd, 3 * 4096);
        assertArrayEquals(new byte[] {1, 0}, p.read(va + 4095 - 4095, 2));
        p.write(va + 2 * 4096, new byte[] {3});
    }

    @Test
    void copyFromUserChecksTheJavaBufferToo() throws IommufdException {
        long va = p.mmap(4096, Backing.FOUR_K, RW, -1, 0);
        byte[] buf = new byte[4];
        p.memory().copyToUser(va, new byte[] {9, 8, 7, 6}, 1, 2);
        p.memory().copyFromUser(va, buf, 2, 2);
        assertArrayEquals(new byte[] {0, 0, 8, 7}, buf);
        assertErrno(Errno.EFAULT, () -> p.memory().copyFromUser(va, buf, 3, 2));
    }

    @Test
    void injectedFrameFailureOnAWriteStoresNothing() throws IommufdException {
        long va = p.mmap(2 * 4096, Backing.FOUR_K, RW, -1, 0);
        machine.faults().failNth(FaultInjection.Kind.FRAME_ALLOC, 2);
        assertErrno(Errno.ENOMEM, () -> p.write(va + 4090, new byte[] {1, 2, 3, 4, 5, 6, 7, 8, 9, 10}));
        assertArrayEquals(new byte[10], p.read(va + 4090, 10));
        p.write(va + 4090, new byte[] {1, 2, 3, 4, 5, 6, 7, 8, 9, 10});
        assertArrayEquals(new byte[] {1, 2, 3, 4, 5, 6, 7, 8, 9, 10}, p.read(va + 4090, 10));
    }
}
