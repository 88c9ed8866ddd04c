package io.iommufdsim.core.iommufd;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.iommufdsim.api.Backing;
import io.iommufdsim.api.Errno;
import io.iommufdsim.api.IommufdException;
import io.iommufdsim.api.SimProcess;
import io.iommufdsim.api.uapi.IoctlCommand;
import io.iommufdsim.core.mem.ProcessImpl;

/** A machine, its default process, a mapped buffer for structs and an open iommufd. */
final class Harness {
    final SimMachineImpl machine;
    final ProcessImpl main;
    final long buf;
    final IommufdContext ctx;

    Harness() throws IommufdException {
        machine = SimMachineImpl.create();
        main = machine.process("main");
        buf = main.mmap(1 << 16, Backing.FOUR_K, SimProcess.PROT_READ | SimProcess.PROT_WRITE, -1, 0);
        ctx = (IommufdContext) machine.openIommufd(main);
    }

    /** Writes the struct to the buffer and issues the ioctl as {@code caller}; returns the struct as written back. */
    byte[] ioctlAs(ProcessImpl caller, IoctlCommand command, Object... fieldsAndValues) throws IommufdException {
        byte[] image = Raw.struct(command, fieldsAndValues);
        main.write(buf, image);
        ctx.ioctl(caller, command.number(), buf, main.memory());
        return main.read(buf, image.length);
    }

    byte[] ioctl(IoctlCommand command, Object... fieldsAndValues) throws IommufdException {
        return ioctlAs(main, command, fieldsAndValues);
    }

    /** Asserts the ioctl fails with {@code expected}; returns the struct as it is in memory afterwards. */
    byte[] fails(Errno expected, IoctlCommand command, Object... fieldsAndValues) throws IommufdException {
        return failsAs(expected, main, command, fieldsAndValues);
    }

    byte[] failsAs(Errno expected, ProcessImpl caller, IoctlCommand command, Object... fieldsAndValues)
            throws IommufdException {
        IommufdException e = assertThrows(IommufdException.class, () -> ioctlAs(caller, command, fieldsAndValues));
        assertEquals(expected, e.errno());
        return main.read(buf, command.struct().size());
    }

    /** An IOAS-typed test object published in the context, as IOMMU_IOAS_ALLOC would leave one. */
    TestObject object(ObjectType type, java.util.List<String> log) throws Exception {
        return new TestObject(type, log).publishIn(ctx.objects());
    }
}
