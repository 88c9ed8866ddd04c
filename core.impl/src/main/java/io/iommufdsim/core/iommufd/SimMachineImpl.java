package io.iommufdsim.core.iommufd;

import io.iommufdsim.api.Capability;
import io.iommufdsim.api.DeviceConfig;
import io.iommufdsim.api.Errno;
import io.iommufdsim.api.IommufdException;
import io.iommufdsim.api.IommufdFile;
import io.iommufdsim.api.SimDevice;
import io.iommufdsim.api.SimMachine;
import io.iommufdsim.api.SimProcess;
import io.iommufdsim.core.ioas.IoasHandlers;
import io.iommufdsim.core.mem.MachineMemory;
import io.iommufdsim.core.mem.ProcessImpl;
import io.iommufdsim.core.vfio.VfioCompatHandlers;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;

/**
 * One simulated machine: its memory and processes ({@link MachineMemory}), the ioctl handlers its
 * iommufd files serve, and the IOMMU drivers it has loaded. Drivers, IOMMU instances and devices come
 * from the driver layer; a machine built without one answers as a kernel with no IOMMU driver does:
 * adding an instance → ENODEV, adding a device → ENOENT (no such instance), no devices, and no driver
 * to stop or start (ENOENT).
 */
public final class SimMachineImpl implements SimMachine {
    /**
     * The ioctl handlers of the core packages, in registration order. The device layer, once loaded,
     * takes the place of {@link DeviceObjectIoctls}.
     */
    public static final List<Consumer<HandlerTable>> CORE_HANDLERS = List.of(
            CoreIoctls::registerInto,
            IoasHandlers::registerInto,
            VfioCompatHandlers::registerInto,
            DeviceObjectIoctls::registerInto);

    private final MachineMemory memory;
    private final HandlerTable handlers;

    /** A machine over {@code memory} whose iommufd files serve {@code handlers}. */
    public SimMachineImpl(MachineMemory memory, HandlerTable handlers) {
        this.memory = memory;
        this.handlers = handlers;
    }

    /** A new machine with the default process and the handlers of {@code packages}. */
    public static SimMachineImpl create(List<Consumer<HandlerTable>> packages) {
        HandlerTable table = new HandlerTable();
        for (Consumer<HandlerTable> p : packages) {
            p.accept(table);
        }
        return new SimMachineImpl(MachineMemory.createDefault(), table);
    }

    /** A new machine with the default process and the core handlers. */
    public static SimMachineImpl create() {
        return create(CORE_HANDLERS);
    }

    public MachineMemory memory() {
        return memory;
    }

    public HandlerTable handlers() {
        return handlers;
    }

    @Override
    public ProcessImpl process(String name) {
        return memory.process(name);
    }

    @Override
    public ProcessImpl createProcess(String name, int uid, Set<Capability> capabilities) throws IommufdException {
        return memory.createProcess(name, uid, capabilities);
    }

    /** open("/dev/iommu"): a USER-mode context at the opener's lowest free descriptor (EMFILE when full). */
    @Override
    public IommufdFile openIommufd(SimProcess opener) throws IommufdException {
        ProcessImpl process = processOf(opener);
        if (!process.isAlive()) {
            throw new IommufdException(Errno.ESRCH);
        }
        return IommufdContext.open(handlers, process, process.fds());
    }

    /** No IOMMU driver is loaded, so no driver by that name exists. */
    @Override
    public void addIommu(String driver, String name, Map<String, Object> config) throws IommufdException {
        throw new IommufdException(Errno.ENODEV);
    }

    /** Without a driver there is no IOMMU instance for the device to sit behind. */
    @Override
    public SimDevice addDevice(String iommu, String name, DeviceConfig config) throws IommufdException {
        throw new IommufdException(Errno.ENOENT);
    }

    @Override
    public SimDevice device(String name) {
        return null;
    }

    @Override
    public void stopDriver(String driver) throws IommufdException {
        throw new IommufdException(Errno.ENOENT);
    }

    @Override
    public void startDriver(String driver) throws IommufdException {
        throw new IommufdException(Errno.ENOENT);
    }

    /** Every process exits: its descriptors close, and with them the iommufd files. */
    @Override
    public void close() {
        memory.shutdown();
    }

    private ProcessImpl processOf(SimProcess process) throws IommufdException {
        if (!(process instanceof ProcessImpl) || memory.process(process.name()) != process) {
            throw new IommufdException(Errno.ESRCH);
        }
        return (ProcessImpl) process;
    }
}
