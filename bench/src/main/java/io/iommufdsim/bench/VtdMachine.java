package io.iommufdsim.bench;

import io.iommufdsim.api.Backing;
import io.iommufdsim.api.DeviceConfig;
import io.iommufdsim.api.IommufdException;
import io.iommufdsim.api.IommufdFile;
import io.iommufdsim.api.SimDevice;
import io.iommufdsim.api.SimMachine;
import io.iommufdsim.api.SimProcess;
import io.iommufdsim.api.uapi.IoctlCommand;
import io.iommufdsim.api.uapi.UapiStruct;
import io.iommufdsim.core.iommufd.SimMachineFactoryComponent;
import io.iommufdsim.driver.vtd.VtdDriver;

/**
 * A machine as the scenario runner builds one (the core's factory with the VT-d driver loaded, so it
 * has the default instance "intel-vtd"), its main process with an unlimited RLIMIT_MEMLOCK, an open
 * iommufd and one PCI device behind "intel-vtd", bound to that iommufd. Every ioctl goes through the
 * public path: the struct image is written into process memory and the ioctl reads it from there.
 */
final class VtdMachine implements AutoCloseable {
    static final String IOMMU = "intel-vtd";
    static final long IOMMU_IOAS_MAP_FIXED_IOVA = 1;
    static final long IOMMU_IOAS_MAP_WRITEABLE = 1 << 1;
    static final long IOMMU_IOAS_MAP_READABLE = 1 << 2;
    static final int RW = SimProcess.PROT_READ | SimProcess.PROT_WRITE;

    final SimMachine machine;
    final SimProcess main;
    final IommufdFile iommufd;
    final SimDevice device;
    private final long structVa;

    VtdMachine() throws IommufdException {
        SimMachineFactoryComponent factory = new SimMachineFactoryComponent();
        factory.addDriver(new VtdDriver());
        machine = factory.newMachine();
        main = machine.process(SimMachine.DEFAULT_PROCESS);
        main.setRlimitMemlock(-1);
        structVa = main.mmap(4096, Backing.FOUR_K, RW, -1, 0);
        iommufd = machine.openIommufd(main);
        device = machine.addDevice(IOMMU, "dev0", DeviceConfig.DEFAULT);
        byte[] bind = image(IoctlCommand.VFIO_DEVICE_BIND_IOMMUFD, "iommufd", iommufd.fd());
        main.write(structVa, bind);
        device.ioctl(main, IoctlCommand.VFIO_DEVICE_BIND_IOMMUFD.number(), structVa, main.memory());
    }

    /** IOMMU_IOAS_ALLOC: the new IOAS's id. */
    int ioasAlloc() throws IommufdException {
        byte[] out = ioctl(IoctlCommand.IOMMU_IOAS_ALLOC, image(IoctlCommand.IOMMU_IOAS_ALLOC));
        return (int) IoctlCommand.IOMMU_IOAS_ALLOC.struct().require("out_ioas_id").get(out);
    }

    /**
     * VFIO_DEVICE_ATTACH_IOMMUFD_PT of the device's RID to {@code ptId}; for an IOAS the core finds or
     * allocates the automatic domain (the driver's default paging domain: VT-d first stage, as Linux
     * 7.0 chooses it). Returns the HWPT id the kernel writes back.
     */
    int attach(int ptId) throws IommufdException {
        IoctlCommand cmd = IoctlCommand.VFIO_DEVICE_ATTACH_IOMMUFD_PT;
        main.write(structVa, image(cmd, "pt_id", ptId));
        device.ioctl(main, cmd.number(), structVa, main.memory());
        return (int) cmd.struct().require("pt_id").get(main.read(structVa, cmd.struct().size()));
    }

    /** The struct image of IOMMU_IOAS_MAP with a fixed IOVA, readable and writeable. */
    static byte[] mapImage(int ioasId, long userVa, long length, long iova) {
        return image(IoctlCommand.IOMMU_IOAS_MAP, "ioas_id", ioasId,
                "flags", IOMMU_IOAS_MAP_FIXED_IOVA | IOMMU_IOAS_MAP_READABLE | IOMMU_IOAS_MAP_WRITEABLE,
                "user_va", userVa, "length", length, "iova", iova);
    }

    static byte[] unmapImage(int ioasId, long iova, long length) {
        return image(IoctlCommand.IOMMU_IOAS_UNMAP, "ioas_id", ioasId, "iova", iova, "length", length);
    }

    /** A struct image: its first field (size or argsz) set to the struct's size, then the given fields. */
    static byte[] image(IoctlCommand command, Object... fieldsAndValues) {
        UapiStruct s = command.struct();
        byte[] image = new byte[s.size()];
        s.fields().get(0).set(image, s.size());
        for (int i = 0; i < fieldsAndValues.length; i += 2) {
            s.require((String) fieldsAndValues[i]).set(image, ((Number) fieldsAndValues[i + 1]).longValue());
        }
        return image;
    }

    /** An iommufd ioctl with {@code image}; returns the struct as it is in memory afterwards. */
    byte[] ioctl(IoctlCommand command, byte[] image) throws IommufdException {
        main.write(structVa, image);
        iommufd.ioctl(main, command.number(), structVa, main.memory());
        return main.read(structVa, image.length);
    }

    /** An iommufd ioctl with {@code image}, the struct left in memory (the hot path of map and unmap). */
    void ioctlNoCopyBack(IoctlCommand command, byte[] image) throws IommufdException {
        main.write(structVa, image);
        iommufd.ioctl(main, command.number(), structVa, main.memory());
    }

    @Override
    public void close() {
        machine.close();
    }
}
