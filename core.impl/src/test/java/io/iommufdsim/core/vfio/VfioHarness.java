package io.iommufdsim.core.vfio;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.iommufdsim.api.Backing;
import io.iommufdsim.api.Errno;
import io.iommufdsim.api.IommufdException;
import io.iommufdsim.api.SimProcess;
import io.iommufdsim.api.uapi.IoctlCommand;
import io.iommufdsim.api.uapi.UapiConstants;
import io.iommufdsim.api.uapi.UapiStruct;
import io.iommufdsim.core.ioas.IoPagetable;
import io.iommufdsim.core.ioas.IoasObject;
import io.iommufdsim.core.iommufd.IommufdContext;
import io.iommufdsim.core.iommufd.ObjectType;
import io.iommufdsim.core.iommufd.SimMachineImpl;
import io.iommufdsim.core.mem.ProcessImpl;
import java.util.List;

/**
 * A machine with every core handler, its default process with a page for structs and 64 pages of
 * memory to map, and an open iommufd. Ioctls take the raw path: structs in process memory.
 */
final class VfioHarness {
    static final long PAGE = 4096;
    static final long RW = UapiConstants.VFIO_DMA_MAP_FLAG_READ | UapiConstants.VFIO_DMA_MAP_FLAG_WRITE;

    final SimMachineImpl machine = SimMachineImpl.create();
    final ProcessImpl main = machine.process("main");
    final long buf;
    final long buffer;
    final IommufdContext ctx;

    VfioHarness() throws IommufdException {
        main.setRlimitMemlock(-1);
        buf = main.mmap(PAGE, Backing.FOUR_K, SimProcess.PROT_READ | SimProcess.PROT_WRITE, -1, 0);
        buffer = main.mmap(64 * PAGE, Backing.FOUR_K, SimProcess.PROT_READ | SimProcess.PROT_WRITE, -1, 0);
        ctx = (IommufdContext) machine.openIommufd(main);
    }

    /** ioctl(fd, cmd, arg) with a plain value. */
    long value(IoctlCommand command, long arg) throws IommufdException {
        return ctx.ioctl(main, command.number(), arg, main.memory());
    }

    void valueFails(Errno expected, IoctlCommand command, long arg) {
        assertEquals(expected, assertThrows(IommufdException.class, () -> value(command, arg)).errno(),
                command.name());
    }

    /** The struct image with argsz (or size) set to the struct's size, then the given fields. */
    static byte[] struct(IoctlCommand command, Object... fieldsAndValues) {
        UapiStruct s = command.struct();
        byte[] image = new byte[s.size()];
        s.require(s.field("argsz") != null ? "argsz" : "size").set(image, s.size());
        for (int i = 0; i < fieldsAndValues.length; i += 2) {
            s.require((String) fieldsAndValues[i]).set(image, ((Number) fieldsAndValues[i + 1]).longValue());
        }
        return image;
    }

    /** Writes the struct to the struct page, issues the ioctl, and returns the struct page's first bytes. */
    byte[] ioctl(IoctlCommand command, Object... fieldsAndValues) throws IommufdException {
        byte[] image = struct(command, fieldsAndValues);
        main.write(buf, image);
        ctx.ioctl(main, command.number(), buf, main.memory());
        return main.read(buf, image.length);
    }

    /** Asserts the ioctl fails with {@code expected}; returns the struct page's first bytes afterwards. */
    byte[] fails(Errno expected, IoctlCommand command, Object... fieldsAndValues) throws IommufdException {
        byte[] image = struct(command, fieldsAndValues);
        main.write(buf, image);
        IommufdException e = assertThrows(IommufdException.class,
                () -> ctx.ioctl(main, command.number(), buf, main.memory()));
        assertEquals(expected, e.errno(), command.name());
        return main.read(buf, image.length);
    }

    static long field(IoctlCommand command, byte[] image, String field) {
        return command.struct().require(field).get(image);
    }

    int ioasAlloc() throws IommufdException {
        return (int) field(IoctlCommand.IOMMU_IOAS_ALLOC, ioctl(IoctlCommand.IOMMU_IOAS_ALLOC), "out_ioas_id");
    }

    /** IOMMU_VFIO_IOAS SET. */
    void setCompat(int ioasId) throws IommufdException {
        ioctl(IoctlCommand.IOMMU_VFIO_IOAS, "ioas_id", ioasId, "op", UapiConstants.IOMMU_VFIO_IOAS_SET);
    }

    /** A new IOAS made the compat IOAS; returns its id. */
    int compatIoas() throws IommufdException {
        int id = ioasAlloc();
        setCompat(id);
        return id;
    }

    IoPagetable iopt(int ioasId) throws IommufdException {
        return ctx.objects().get(ioasId, ObjectType.IOAS, IoasObject.class).iopt();
    }

    void mapDma(long vaddr, long size, long iova, long flags) throws IommufdException {
        ioctl(IoctlCommand.VFIO_IOMMU_MAP_DMA, "flags", flags, "vaddr", vaddr, "size", size, "iova", iova);
    }

    /** VFIO_IOMMU_UNMAP_DMA; returns the size written back. */
    long unmapDma(long iova, long size, long flags) throws IommufdException {
        return field(IoctlCommand.VFIO_IOMMU_UNMAP_DMA,
                ioctl(IoctlCommand.VFIO_IOMMU_UNMAP_DMA, "flags", flags, "iova", iova, "size", size), "size");
    }

    /** The areas of an IOAS as "iova+length" in hex, ascending. */
    List<String> areas(int ioasId) throws IommufdException {
        return iopt(ioasId).areas().stream()
                .map(a -> Long.toHexString(a.iova()) + "+" + Long.toHexString(a.length())).toList();
    }

    /** {locked_vm, pinned_vm, user locked_vm} of the main process. */
    long[] stats() {
        return new long[] {main.lockedVm().get(), main.pinnedVm().get(), main.user().lockedVm().get()};
    }
}
