package io.iommufdsim.core.ioas;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.iommufdsim.api.Backing;
import io.iommufdsim.api.Errno;
import io.iommufdsim.api.IommufdException;
import io.iommufdsim.api.SimProcess;
import io.iommufdsim.api.uapi.IoctlCommand;
import io.iommufdsim.api.uapi.UapiStruct;
import io.iommufdsim.core.iommufd.CoreIoctls;
import io.iommufdsim.core.iommufd.IommufdContext;
import io.iommufdsim.core.iommufd.ObjectType;
import io.iommufdsim.core.iommufd.SimMachineImpl;
import io.iommufdsim.core.mem.FaultInjection;
import io.iommufdsim.core.mem.MachineMemory;
import io.iommufdsim.core.mem.ProcessImpl;
import java.util.List;

/**
 * A machine with the core and IOAS handlers, its default process, a struct buffer, an array buffer and
 * an open iommufd; ioctls go through the raw path, structs in process memory.
 */
final class IoasHarness {
    static final long PAGE = 4096;
    static final int RW = SimProcess.PROT_READ | SimProcess.PROT_WRITE;
    static final long FIXED = 1;
    static final long WRITEABLE = 2;
    static final long READABLE = 4;

    final SimMachineImpl machine;
    final MachineMemory memory;
    final ProcessImpl main;
    final long buf;
    final long arr;
    final IommufdContext ctx;

    IoasHarness() throws IommufdException {
        machine = SimMachineImpl.create(List.of(CoreIoctls::registerInto, IoasHandlers::registerInto));
        memory = machine.memory();
        main = machine.process("main");
        main.setRlimitMemlock(-1);
        buf = main.mmap(PAGE, Backing.FOUR_K, RW, -1, 0);
        arr = main.mmap(16 * PAGE, Backing.FOUR_K, RW, -1, 0);
        ctx = (IommufdContext) machine.openIommufd(main);
    }

    static byte[] struct(IoctlCommand command, Object... fieldsAndValues) {
        UapiStruct s = command.struct();
        byte[] image = new byte[s.size()];
        s.require("size").set(image, s.size());
        for (int i = 0; i < fieldsAndValues.length; i += 2) {
            s.require((String) fieldsAndValues[i]).set(image, ((Number) fieldsAndValues[i + 1]).longValue());
        }
        return image;
    }

    /** Issues the ioctl as {@code caller}; returns the struct as it is in memory afterwards. */
    byte[] ioctlAs(ProcessImpl caller, IoctlCommand command, Object... fieldsAndValues) throws IommufdException {
        byte[] image = struct(command, fieldsAndValues);
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
        assertEquals(expected, e.errno(), command.name());
        return main.read(buf, command.struct().size());
    }

    static long field(IoctlCommand command, byte[] image, String field) {
        return command.struct().require(field).get(image);
    }

    int ioasAlloc() throws IommufdException {
        return (int) field(IoctlCommand.IOMMU_IOAS_ALLOC, ioctl(IoctlCommand.IOMMU_IOAS_ALLOC), "out_ioas_id");
    }

    IoasObject ioas(int id) throws IommufdException {
        return ctx.objects().get(id, ObjectType.IOAS, IoasObject.class);
    }

    /** MAP with the given flags; returns the IOVA. */
    long map(int ioasId, long userVa, long length, long iova, long flags) throws IommufdException {
        return mapAs(main, ioasId, userVa, length, iova, flags);
    }

    long mapAs(ProcessImpl caller, int ioasId, long userVa, long length, long iova, long flags)
            throws IommufdException {
        return field(IoctlCommand.IOMMU_IOAS_MAP, ioctlAs(caller, IoctlCommand.IOMMU_IOAS_MAP, "ioas_id", ioasId,
                "flags", flags, "user_va", userVa, "length", length, "iova", iova), "iova");
    }

    /** MAP read/write at a fixed IOVA. */
    long mapFixed(int ioasId, long userVa, long length, long iova) throws IommufdException {
        return map(ioasId, userVa, length, iova, FIXED | READABLE | WRITEABLE);
    }

    long unmap(int ioasId, long iova, long length) throws IommufdException {
        return field(IoctlCommand.IOMMU_IOAS_UNMAP, ioctl(IoctlCommand.IOMMU_IOAS_UNMAP, "ioas_id", ioasId,
                "iova", iova, "length", length), "length");
    }

    long copy(int dst, int src, long srcIova, long length, long dstIova, long flags) throws IommufdException {
        return field(IoctlCommand.IOMMU_IOAS_COPY, ioctl(IoctlCommand.IOMMU_IOAS_COPY, "dst_ioas_id", dst,
                "src_ioas_id", src, "src_iova", srcIova, "length", length, "dst_iova", dstIova, "flags", flags),
                "dst_iova");
    }

    /** Anonymous read/write memory of the process. */
    long mmap(long length) throws IommufdException {
        return main.mmap(length, Backing.FOUR_K, RW, -1, 0);
    }

    long mmap(long length, Backing backing) throws IommufdException {
        return main.mmap(length, backing, RW, -1, 0);
    }

    /** Writes {start, last} pairs to the array buffer. */
    void writeRanges(long... startLast) throws IommufdException {
        byte[] b = new byte[startLast.length * 8];
        for (int i = 0; i < startLast.length; i++) {
            for (int k = 0; k < 8; k++) {
                b[i * 8 + k] = (byte) (startLast[i] >>> (8 * k));
            }
        }
        main.write(arr, b);
    }

    long[] readRanges(int count) throws IommufdException {
        byte[] b = main.read(arr, count * 16L);
        long[] out = new long[count * 2];
        for (int i = 0; i < out.length; i++) {
            long v = 0;
            for (int k = 7; k >= 0; k--) {
                v = (v << 8) | (b[i * 8 + k] & 0xffL);
            }
            out[i] = v;
        }
        return out;
    }

    FaultInjection faults() {
        return memory.faults();
    }

    long pinnedFrames() {
        return memory.pins().pinnedFrames();
    }

    /** {locked_vm, pinned_vm, user locked_vm} of the main process. */
    long[] stats() {
        return stats(main);
    }

    static long[] stats(ProcessImpl p) {
        return new long[] {p.lockedVm().get(), p.pinnedVm().get(), p.user().lockedVm().get()};
    }

    /** The areas of an IOAS as {iova, length} pairs, ascending. */
    List<long[]> areas(int ioasId) throws IommufdException {
        return ioas(ioasId).iopt().areas().stream().map(a -> new long[] {a.iova(), a.length()}).toList();
    }
}
