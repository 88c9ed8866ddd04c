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
    void closingTheMachineReleasesItsFiles() throws Exception {
        IommufdContext ctx = (IommufdContext) machine.openIommufd(machine.process("main"));
        machine.close();
        assertTrue(ctx.isReleased());
    }
}
