package io.iommufdsim.core.iommufd;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.iommufdsim.api.Capability;
import io.iommufdsim.api.DeviceConfig;
import io.iommufdsim.api.Errno;
import io.iommufdsim.api.IommufdException;
import io.iommufdsim.api.SimMachine;
import io.iommufdsim.api.SimProcess;
import java.util.EnumSet;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

/** A machine with no driver bundle loaded. */
class SimMachineImplTest {
    private final SimMachine machine = new SimMachineFactoryComponent().newMachine();

    private static void assertErrno(Errno expected, Executable call) {
        assertEquals(expected, assertThrows(IommufdException.class, call).errno());
    }

    @Test
    void aNewMachineHasTheDefaultProcess() {
        SimProcess main = machine.process(SimMachine.DEFAULT_PROCESS);
        assertEquals(1000, main.uid());
        assertTrue(main.hasCapability(Capability.CAP_SYS_RESOURCE));
        assertEquals(8L << 20, main.rlimitMemlock());
        assertNull(machine.process("nobody"));
    }

    @Test
    void machinesAreIndependent() throws Exception {
        SimMachine other = new SimMachineFactoryComponent().newMachine();
        assertNotSame(machine.process("main"), other.process("main"));
        machine.createProcess("p", 1, EnumSet.noneOf(Capability.class));
        assertNull(other.process("p"));
    }

    @Test
    void withoutADriverThereAreNoIommusDevicesOrDriversToStop() {
        assertErrno(Errno.ENODEV, () -> machine.addIommu("intel-vtd", "vtd0", Map.of()));
        assertErrno(Errno.ENOENT, () -> machine.addDevice("vtd0", "dev0", DeviceConfig.DEFAULT));
        assertNull(machine.device("dev0"));
        assertErrno(Errno.ENOENT, () -> machine.stopDriver("intel-vtd"));
        assertErrno(Errno.ENOENT, () -> machine.startDriver("intel-vtd"));
    }

    @Test
    void openIommufdInstallsADescriptorInTheOpenersTable() throws Exception {
        SimProcess p = machine.createProcess("p", 1001, EnumSet.noneOf(Capability.class));
        assertEquals(3, machine.openIommufd(p).fd());
        assertEquals(4, machine.openIommufd(p).fd());
        assertEquals(3, machine.openIommufd(machine.process("main")).fd());
    }

    @Test
    void aProcessOfAnotherMachineOrAnExitedOneCannotOpen() throws Exception {
        SimMachine other = new SimMachineFactoryComponent().newMachine();
        assertErrno(Errno.ESRCH, () -> machine.openIommufd(other.process("main")));
        SimProcess p = machine.createProcess("p", 1001, EnumSet.noneOf(Capability.class));
        p.exit();
        assertErrno(Errno.ESRCH, () -> machine.openIommufd(p));
    }

    @Test
    void theFactorysMachineServesIoasAllocAndDestroy() throws Exception {
        SimProcess main = machine.process("main");
        long buf = main.mmap(4096, io.iommufdsim.api.Backing.FOUR_K, SimProcess.PROT_READ | SimProcess.PROT_WRITE, -1, 0);
        IommufdContext ctx = (IommufdContext) machine.openIommufd(main);
        main.write(buf, Raw.struct(io.iommufdsim.api.uapi.IoctlCommand.IOMMU_IOAS_ALLOC));
        ctx.ioctl(main, io.iommufdsim.api.uapi.IoctlCommand.IOMMU_IOAS_ALLOC.number(), buf, main.memory());
        assertEquals(1, Raw.field(io.iommufdsim.api.uapi.IoctlCommand.IOMMU_IOAS_ALLOC, main.read(buf, 12), "out_ioas_id"));
        assertEquals(ObjectType.IOAS, ctx.objects().get(1).type());
        main.write(buf, Raw.struct(io.iommufdsim.api.uapi.IoctlCommand.IOMMU_DESTROY, "id", 1));
        ctx.ioctl(main, io.iommufdsim.api.uapi.IoctlCommand.IOMMU_DESTROY.number(), buf, main.memory());
        assertTrue(ctx.objects().isEmpty());
    }

    @Test
    void closingTheMachineReleasesItsFiles() throws Exception {
        IommufdContext ctx = (IommufdContext) machine.openIommufd(machine.process("main"));
        machine.close();
        assertTrue(ctx.isReleased());
    }
}
