package io.iommufdsim.core.iommufd;

import io.iommufdsim.api.Capability;
import io.iommufdsim.api.DeviceConfig;
import io.iommufdsim.api.Errno;
import io.iommufdsim.api.IommufdException;
import io.iommufdsim.api.IommufdFile;
import io.iommufdsim.api.SimDevice;
import io.iommufdsim.api.SimMachine;
import io.iommufdsim.api.SimProcess;
import io.iommufdsim.core.device.DeviceLayer;
import io.iommufdsim.core.device.DriverRegistry;
import io.iommufdsim.core.device.MachinePlatform;
import io.iommufdsim.core.ioas.IoasHandlers;
import io.iommufdsim.core.mem.MachineMemory;
import io.iommufdsim.core.mem.ProcessImpl;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;

/**
 * One simulated machine: its memory and processes ({@link MachineMemory}), the ioctl handlers its
 * iommufd files serve, and its device layer ({@link DeviceLayer}): the IOMMU instances of the drivers
 * its {@link DriverRegistry} has loaded, and the devices behind them. A machine whose registry holds no
 * driver answers as a kernel with no IOMMU driver does: adding an instance → ENODEV, adding a device →
 * ENOENT (no such instance), no devices, and no driver to stop or start (ENOENT).
 */
public final class SimMachineImpl implements SimMachine {
    /**
     * The ioctl handlers of the core packages that need no device layer, in registration order; a
     * machine adds its device layer's ({@link DeviceLayer#registerInto}) and the ones of objects no
     * driver can make yet ({@link DeviceObjectIoctls#registerNestingInto}).
     */
    public static final List<Consumer<HandlerTable>> CORE_HANDLERS = List.of(
            CoreIoctls::registerInto,
            IoasHandlers::registerInto);

    private final MachineMemory memory;
    private final HandlerTable handlers;
    private final DeviceLayer devices;

    /** A machine over {@code memory} whose iommufd files serve {@code handlers}, with {@code devices}. */
    public SimMachineImpl(MachineMemory memory, HandlerTable handlers, DeviceLayer devices) {
        this.memory = memory;
        this.handlers = handlers;
        this.devices = devices;
    }

    /**
     * A new machine with the default process and the handlers of {@code packages} only (no device
     * ioctls unless a package registers them), following an empty driver registry.
     */
    public static SimMachineImpl create(List<Consumer<HandlerTable>> packages) {
        MachineMemory memory = MachineMemory.createDefault();
        DeviceLayer layer = new DeviceLayer(new MachinePlatform(memory), new DriverRegistry());
        HandlerTable table = new HandlerTable();
        for (Consumer<HandlerTable> p : packages) {
            p.accept(table);
        }
        return new SimMachineImpl(memory, table, layer);
    }

    /**
     * A new machine with the default process, every handler, and the default instance of each
     * driver in {@code registry}; it follows the registry's drivers as they come and go.
     */
    public static SimMachineImpl create(DriverRegistry registry) {
        MachineMemory memory = MachineMemory.createDefault();
        DeviceLayer layer = new DeviceLayer(new MachinePlatform(memory), registry);
        HandlerTable table = new HandlerTable();
        for (Consumer<HandlerTable> p : CORE_HANDLERS) {
            p.accept(table);
        }
        layer.registerInto(table);
        DeviceObjectIoctls.registerNestingInto(table);
        SimMachineImpl machine = new SimMachineImpl(memory, table, layer);
        layer.start();
        return machine;
    }

    /** A new machine with every handler and no IOMMU driver. */
    public static SimMachineImpl create() {
        return create(new DriverRegistry());
    }

    public DeviceLayer devices() {
        return devices;
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

    @Override
    public void addIommu(String driver, String name, Map<String, Object> config) throws IommufdException {
        devices.addIommu(driver, name, config);
    }

    @Override
    public SimDevice addDevice(String iommu, String name, DeviceConfig config) throws IommufdException {
        return devices.addDevice(iommu, name, config);
    }

    @Override
    public SimDevice device(String name) {
        return devices.device(name);
    }

    @Override
    public void stopDriver(String driver) throws IommufdException {
        devices.stopDriver(driver);
    }

    @Override
    public void startDriver(String driver) throws IommufdException {
        devices.startDriver(driver);
    }

    /**
     * Every device is unbound and every IOMMU instance released; then every process exits: its
     * descriptors close, and with them the iommufd files.
     */
    @Override
    public void close() {
        devices.close();
        memory.shutdown();
    }

    private ProcessImpl processOf(SimProcess process) throws IommufdException {
        if (!(process instanceof ProcessImpl) || memory.process(process.name()) != process) {
            throw new IommufdException(Errno.ESRCH);
        }
        return (ProcessImpl) process;
    }
}
