package io.iommufdsim.core.mem;

import static io.iommufdsim.api.SimProcess.PROT_READ;
import static io.iommufdsim.api.SimProcess.PROT_WRITE;
import static io.iommufdsim.core.mem.ProcessMmapTest.assertErrno;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.iommufdsim.api.Backing;
import io.iommufdsim.api.Capability;
import io.iommufdsim.api.Errno;
import io.iommufdsim.api.IommufdException;
import io.iommufdsim.api.MemoryStats;
import io.iommufdsim.api.SimMachine;
import java.util.EnumSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

class MachineMemoryTest {
    private final MachineMemory machine = MachineMemory.createDefault();

    @Test
    void theDefaultProcessIsMainWithUid1000CapSysResourceAndEightMegabytes() {
        ProcessImpl main = machine.process(SimMachine.DEFAULT_PROCESS);
        assertEquals(1000, main.uid());
        assertTrue(main.hasCapability(Capability.CAP_SYS_RESOURCE));
        assertFalse(main.hasCapability(Capability.CAP_IPC_LOCK));
        assertEquals(8L << 20, main.rlimitMemlock());
        assertEquals(2048, main.rlimitMemlockPages());
        assertTrue(main.isAlive());
        assertEquals(new MemoryStats(0, 0, 0), main.stats());
    }

    @Test
    void processNamesAreUnique() throws IommufdException {
        int before = machine.processes().size();
        assertErrno(Errno.EEXIST, () -> machine.createProcess("main", 1000, Set.of()));
        assertErrno(Errno.EINVAL, () -> machine.createProcess("", 1000, Set.of()));
        assertEquals(before, machine.processes().size());
        ProcessImpl other = machine.createProcess("other", 1001, EnumSet.of(Capability.CAP_IPC_LOCK));
        assertSame(other, machine.process("other"));
        assertNull(machine.process("nobody"));
        assertTrue(other.hasCapability(Capability.CAP_IPC_LOCK));
    }

    @Test
    void processesOfOneUidShareTheirUserStruct() throws IommufdException {
        ProcessImpl main = machine.process("main");
        ProcessImpl sibling = machine.createProcess("sibling", 1000, Set.of());
        ProcessImpl stranger = machine.createProcess("stranger", 2000, Set.of());
        assertSame(main.user(), sibling.user());
        assertSame(machine.user(1000), main.user());
        main.user().lockedVm().add(5);
        sibling.lockedVm().add(2);
        sibling.pinnedVm().add(3);
        assertEquals(new MemoryStats(2, 3, 5), sibling.stats());
        assertEquals(new MemoryStats(0, 0, 5), main.stats());
        assertEquals(new MemoryStats(0, 0, 0), stranger.stats());
    }

    @Test
    void rlimitCanBeChangedAndInfinityIsNegative() {
        ProcessImpl main = machine.process("main");
        main.setRlimitMemlock(1L << 30);
        assertEquals(1L << 18, main.rlimitMemlockPages());
        main.setRlimitMemlock(-1);
        assertEquals(Long.MAX_VALUE, main.rlimitMemlockPages());
    }

    @Test
    void countersRefuseToGoNegativeOrPastALimit() {
        PageCounter c = new PageCounter();
        assertTrue(c.tryAdd(10, 10));
        assertFalse(c.tryAdd(1, 10));
        assertEquals(10, c.get());
        assertThrows(IllegalStateException.class, () -> c.sub(11));
        c.sub(10);
        assertEquals(0, c.get());
    }

    @Test
    void processesHaveSeparateAddressSpacesOverSharedPhysicalMemory() throws IommufdException {
        ProcessImpl a = machine.process("main");
        ProcessImpl b = machine.createProcess("b", 1000, Set.of());
        long va = a.mmap(4096, Backing.FOUR_K, PROT_READ | PROT_WRITE, -1, 0);
        long vb = b.mmap(4096, Backing.FOUR_K, PROT_READ | PROT_WRITE, -1, 0);
        assertEquals(va, vb);
        a.write(va, new byte[] {1});
        assertArrayEquals(new byte[] {0}, b.read(vb, 1));
    }

    @Test
    void shutdownExitsEveryProcess() throws IommufdException {
        machine.createProcess("b", 1000, Set.of());
        machine.shutdown();
        for (ProcessImpl p : machine.processes()) {
            assertFalse(p.isAlive());
        }
    }
}
