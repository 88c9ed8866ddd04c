package io.iommufdsim.core.device;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.iommufdsim.api.Backing;
import io.iommufdsim.api.DeviceConfig;
import io.iommufdsim.api.Errno;
import io.iommufdsim.api.IommufdException;
import io.iommufdsim.api.SimProcess;
import io.iommufdsim.api.uapi.IoctlCommand;
import io.iommufdsim.api.uapi.UapiField;
import io.iommufdsim.api.uapi.UapiStruct;
import io.iommufdsim.core.iommufd.IommufdContext;
import io.iommufdsim.core.iommufd.SimMachineFactoryComponent;
import io.iommufdsim.core.iommufd.SimMachineImpl;
import io.iommufdsim.core.mem.ProcessImpl;
import java.util.Map;

/**
 * A machine with the test IOMMU driver loaded (default instance "test-iommu"), its main process, a
 * struct buffer and an open iommufd; ioctls go through the raw path with structs in process memory.
 */
final class DeviceHarness {
    static final String DRIVER = "test-iommu";
    static final long FIXED = 1;
    static final long WRITEABLE = 2;
    static final long READABLE = 4;
    static final int RW = SimProcess.PROT_READ | SimProcess.PROT_WRITE;

    final SimMachineFactoryComponent factory = new SimMachineFactoryComponent();
    final TestIommuDriver driver = new TestIommuDriver(DRIVER);
    final SimMachineImpl machine;
    final ProcessImpl main;
    final long buf;
    final IommufdContext ctx;

    DeviceHarness() throws IommufdException {
        factory.addDriver(driver);
        machine = (SimMachineImpl) factory.newMachine();
        main = machine.process("main");
        main.setRlimitMemlock(-1);
        buf = main.mmap(4096, Backing.FOUR_K, RW, -1, 0);
        ctx = (IommufdContext) machine.openIommufd(main);
    }

    TestIommuDriver.Instance instance(String name) {
        return (TestIommuDriver.Instance) machine.devices().unit(name).instance();
    }

    PciDevice addDevice(String name) throws IommufdException {
        return (PciDevice) machine.addDevice(DRIVER, name, DeviceConfig.DEFAULT);
    }

    static byte[] struct(IoctlCommand command, Object... fieldsAndValues) {
        UapiStruct s = command.struct();
        byte[] image = new byte[s.size()];
        UapiField size = s.fields().get(0);
        size.set(image, s.size());
        for (int i = 0; i < fieldsAndValues.length; i += 2) {
            s.require((String) fieldsAndValues[i]).set(image, ((Number) fieldsAndValues[i + 1]).longValue());
        }
        return image;
    }

    static long field(IoctlCommand command, byte[] image, String field) {
        return command.struct().require(field).get(image);
    }

    /** An iommufd ioctl; returns the struct as it is in memory afterwards. */
    byte[] ioctl(IoctlCommand command, Object... fieldsAndValues) throws IommufdException {
        byte[] image = struct(command, fieldsAndValues);
        main.write(buf, image);
        ctx.ioctl(main, command.number(), buf, main.memory());
        return main.read(buf, image.length);
    }

    /** A VFIO cdev ioctl on {@code device}; the bind's iommufd defaults to this context's fd. */
    byte[] deviceIoctl(PciDevice device, IoctlCommand command, Object... fieldsAndValues) throws IommufdException {
        byte[] image = struct(command, fieldsAndValues);
        if (command == IoctlCommand.VFIO_DEVICE_BIND_IOMMUFD && !java.util.List.of(fieldsAndValues).contains("iommufd")) {
            command.struct().require("iommufd").set(image, ctx.fd());
        }
        main.write(buf, image);
        device.ioctl(main, command.number(), buf, main.memory());
        return main.read(buf, image.length);
    }

    void fails(Errno expected, IoctlCommand command, Object... fieldsAndValues) {
        IommufdException e = assertThrows(IommufdException.class, () -> ioctl(command, fieldsAndValues));
        assertEquals(expected, e.errno(), command.name());
    }

    void deviceFails(Errno expected, PciDevice device, IoctlCommand command, Object... fieldsAndValues) {
        IommufdException e = assertThrows(IommufdException.class, () -> deviceIoctl(device, command, fieldsAndValues));
        assertEquals(expected, e.errno(), command.name());
    }

    int bind(PciDevice device) throws IommufdException {
        return (int) field(IoctlCommand.VFIO_DEVICE_BIND_IOMMUFD,
                deviceIoctl(device, IoctlCommand.VFIO_DEVICE_BIND_IOMMUFD), "out_devid");
    }

    int attach(PciDevice device, int ptId) throws IommufdException {
        return (int) field(IoctlCommand.VFIO_DEVICE_ATTACH_IOMMUFD_PT,
                deviceIoctl(device, IoctlCommand.VFIO_DEVICE_ATTACH_IOMMUFD_PT, "pt_id", ptId), "pt_id");
    }

    int attachPasid(PciDevice device, int pasid, int ptId) throws IommufdException {
        return (int) field(IoctlCommand.VFIO_DEVICE_ATTACH_IOMMUFD_PT,
                deviceIoctl(device, IoctlCommand.VFIO_DEVICE_ATTACH_IOMMUFD_PT, "flags", 1, "pt_id", ptId,
                        "pasid", pasid), "pt_id");
    }

    void detach(PciDevice device) throws IommufdException {
        deviceIoctl(device, IoctlCommand.VFIO_DEVICE_DETACH_IOMMUFD_PT);
    }

    void detachPasid(PciDevice device, int pasid) throws IommufdException {
        deviceIoctl(device, IoctlCommand.VFIO_DEVICE_DETACH_IOMMUFD_PT, "flags", 1, "pasid", pasid);
    }

    int ioasAlloc() throws IommufdException {
        return (int) field(IoctlCommand.IOMMU_IOAS_ALLOC, ioctl(IoctlCommand.IOMMU_IOAS_ALLOC), "out_ioas_id");
    }

    int hwptAlloc(int devId, int ptId, int flags) throws IommufdException {
        return (int) field(IoctlCommand.IOMMU_HWPT_ALLOC, ioctl(IoctlCommand.IOMMU_HWPT_ALLOC, "dev_id", devId,
                "pt_id", ptId, "flags", flags), "out_hwpt_id");
    }

    long mapFixed(int ioas, long userVa, long length, long iova, long flags) throws IommufdException {
        return field(IoctlCommand.IOMMU_IOAS_MAP, ioctl(IoctlCommand.IOMMU_IOAS_MAP, "ioas_id", ioas,
                "flags", FIXED | flags, "user_va", userVa, "length", length, "iova", iova), "iova");
    }

    long unmap(int ioas, long iova, long length) throws IommufdException {
        return field(IoctlCommand.IOMMU_IOAS_UNMAP, ioctl(IoctlCommand.IOMMU_IOAS_UNMAP, "ioas_id", ioas,
                "iova", iova, "length", length), "length");
    }

    long mmap(long length, Backing backing) throws IommufdException {
        return main.mmap(length, backing, RW, -1, 0);
    }

    /** The number of IOVA ranges and the first ones of IOAS {@code ioas}. */
    long[] iovaRanges(int ioas) throws IommufdException {
        long arr = main.mmap(4096, Backing.FOUR_K, RW, -1, 0);
        byte[] out = ioctl(IoctlCommand.IOMMU_IOAS_IOVA_RANGES, "ioas_id", ioas, "num_iovas", 8,
                "allowed_iovas", arr);
        int n = (int) field(IoctlCommand.IOMMU_IOAS_IOVA_RANGES, out, "num_iovas");
        byte[] b = main.read(arr, n * 16L);
        long[] r = new long[n * 2];
        for (int i = 0; i < r.length; i++) {
            r[i] = java.nio.ByteBuffer.wrap(b, i * 8, 8).order(java.nio.ByteOrder.LITTLE_ENDIAN).getLong();
        }
        return r;
    }

    static Map<String, Object> config(Object... kv) {
        java.util.LinkedHashMap<String, Object> m = new java.util.LinkedHashMap<>();
        for (int i = 0; i < kv.length; i += 2) {
            m.put((String) kv[i], kv[i + 1]);
        }
        return m;
    }
}
