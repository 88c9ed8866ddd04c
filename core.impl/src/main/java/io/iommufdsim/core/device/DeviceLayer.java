package io.iommufdsim.core.device;

import io.iommufdsim.api.DeviceConfig;
import io.iommufdsim.api.Errno;
import io.iommufdsim.api.IommufdException;
import io.iommufdsim.api.uapi.IoctlCommand;
import io.iommufdsim.core.hwpt.HwptIoctls;
import io.iommufdsim.core.hwpt.HwptPaging;
import io.iommufdsim.core.ioas.IoasObject;
import io.iommufdsim.core.iommufd.HandlerTable;
import io.iommufdsim.spi.IommuCapabilities;
import io.iommufdsim.spi.IommuConfig;
import io.iommufdsim.spi.IommuDriver;
import io.iommufdsim.spi.IommuInstance;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The device side of one machine: its IOMMU units (one default instance per loaded driver, and
 * SIM_IOMMU_ADD's), its PCI devices (SIM_DEVICE_ADD), the HWPT list of each IOAS (ioas->hwpt_list),
 * the HWPT and hw_info ioctls, and hot-plug: when a driver leaves, its units' devices are unbound and
 * removed and their HWPTs destroyed; when it comes back, the units and devices are made again from
 * their saved names, configs and requester ids, unbound.
 *
 * <p>This object's monitor is the lock of every attach, detach, bind, unbind and HWPT allocation of
 * the machine (the kernel's igroup and dev_set locks) and serializes the calls into drivers. Order:
 * driver registry → device layer → object table → IOAS → pages → pins; DMA takes no lock of these.
 */
public final class DeviceLayer {
    /** Where an instance or device name is kept across a driver stop. */
    private static final class UnitRecord {
        final String driver;
        final String name;
        final IommuConfig config;
        IommuUnit live;
        int nextSlot;

        UnitRecord(String driver, String name, IommuConfig config) {
            this.driver = driver;
            this.name = name;
            this.config = config;
        }
    }

    private record DeviceRecord(String name, UnitRecord unit, int rid, int pasidBits, DeviceConfig config) {
    }

    private final MachinePlatform platform;
    private final DriverRegistry registry;
    private final Map<String, UnitRecord> units = new LinkedHashMap<>();
    private final Map<String, DeviceRecord> deviceRecords = new LinkedHashMap<>();
    private final Map<String, PciDevice> devices = new LinkedHashMap<>();
    private final Map<IoasObject, List<HwptPaging>> hwptLists = new IdentityHashMap<>();
    private boolean closed;

    public DeviceLayer(MachinePlatform platform, DriverRegistry registry) {
        this.platform = platform;
        this.registry = registry;
    }

    /** Starts following the registry's drivers (each loaded driver's default instance appears). */
    public void start() {
        registry.attach(this);
    }

    public MachinePlatform platform() {
        return platform;
    }

    /** Registers the ioctls of the device layer into a machine's handler table. */
    public void registerInto(HandlerTable table) {
        table.register(IoctlCommand.IOMMU_HWPT_ALLOC, call -> HwptIoctls.hwptAlloc(this, call))
                .register(IoctlCommand.IOMMU_GET_HW_INFO, call -> HwptIoctls.getHwInfo(this, call))
                .register(IoctlCommand.IOMMU_HWPT_SET_DIRTY_TRACKING, call -> HwptIoctls.setDirtyTracking(this, call))
                .register(IoctlCommand.IOMMU_HWPT_GET_DIRTY_BITMAP, call -> HwptIoctls.getDirtyBitmap(this, call))
                .register(IoctlCommand.IOMMU_VIOMMU_ALLOC, call -> HwptIoctls.viommuAlloc(this, call));
    }

    /** SIM_IOMMU_ADD: ENODEV for a driver that is not loaded, EEXIST for a taken name, EINVAL for a bad config. */
    public void addIommu(String driverName, String name, Map<String, Object> config) throws IommufdException {
        IommuDriver driver = registry.driver(driverName);
        if (driver == null) {
            throw new IommufdException(Errno.ENODEV);
        }
        IommuConfig parsed = IommuConfig.parse(config);
        synchronized (this) {
            if (name == null || name.isEmpty() || units.containsKey(name)) {
                throw new IommufdException(name == null || name.isEmpty() ? Errno.EINVAL : Errno.EEXIST);
            }
            UnitRecord record = new UnitRecord(driverName, name, parsed);
            record.live = createUnit(driver, record);
            units.put(name, record);
        }
    }

    /**
     * SIM_DEVICE_ADD: ENOENT for an instance that does not exist (or whose driver is stopped), EEXIST
     * for a taken name, EINVAL for PASID bits outside 0..20.
     */
    public synchronized PciDevice addDevice(String iommu, String name, DeviceConfig config) throws IommufdException {
        UnitRecord record = units.get(iommu);
        if (record == null || record.live == null) {
            throw new IommufdException(Errno.ENOENT);
        }
        if (name == null || name.isEmpty()) {
            throw new IommufdException(Errno.EINVAL);
        }
        if (deviceRecords.containsKey(name)) {
            throw new IommufdException(Errno.EEXIST);
        }
        DeviceConfig cfg = config == null ? DeviceConfig.DEFAULT : config;
        if (cfg.pasidBits() < -1 || cfg.pasidBits() > 20) {
            throw new IommufdException(Errno.EINVAL);
        }
        IommuCapabilities caps = record.live.instance().capabilities();
        int requested = cfg.pasidBits() < 0 ? caps.defaultDevicePasidBits() : cfg.pasidBits();
        // dev->iommu->max_pasids = min(the device's PASID capability, the IOMMU's)
        int pasidBits = Math.min(requested, caps.maxPasidBits());
        int slot = record.nextSlot++;
        int rid = ((1 + slot / 32) << 8) | ((slot % 32) << 3); // bus 1 up, function 0
        DeviceRecord dr = new DeviceRecord(name, record, rid, pasidBits, cfg);
        deviceRecords.put(name, dr);
        PciDevice device = new PciDevice(this, record.live, name, rid, pasidBits, cfg, platform);
        devices.put(name, device);
        return device;
    }

    /** The live device {@code name}, or null (none, or its driver is stopped). */
    public synchronized PciDevice device(String name) {
        return devices.get(name);
    }

    /** The live unit {@code name}, or null. */
    public synchronized IommuUnit unit(String name) {
        UnitRecord r = units.get(name);
        return r == null ? null : r.live;
    }

    public void stopDriver(String driver) throws IommufdException {
        registry.stop(driver);
    }

    public void startDriver(String driver) throws IommufdException {
        registry.start(driver);
    }

    /** ioas->hwpt_list, in creation order; guarded by this layer's lock. */
    public synchronized List<HwptPaging> hwptList(IoasObject ioas) {
        return hwptLists.computeIfAbsent(ioas, k -> new ArrayList<>());
    }

    /** Forgets the list of an IOAS that has no HWPT left. */
    public synchronized void pruneHwptList(IoasObject ioas) {
        List<HwptPaging> list = hwptLists.get(ioas);
        if (list != null && list.isEmpty()) {
            hwptLists.remove(ioas);
        }
    }

    /** A driver arrived: its stopped units come back with their devices, or its default instance appears. */
    synchronized void driverArrived(IommuDriver driver) {
        if (closed) {
            return;
        }
        boolean known = false;
        for (UnitRecord r : units.values()) {
            if (r.driver.equals(driver.name())) {
                known = true;
                if (r.live == null) {
                    try {
                        r.live = createUnit(driver, r);
                    } catch (IommufdException e) {
                        throw new IllegalStateException(driver.name() + " refused to recreate " + r.name, e);
                    }
                    for (DeviceRecord d : deviceRecords.values()) {
                        if (d.unit() == r) {
                            devices.put(d.name(), new PciDevice(this, r.live, d.name(), d.rid(), d.pasidBits(),
                                    d.config(), platform));
                        }
                    }
                }
            }
        }
        if (!known && !units.containsKey(driver.name())) {
            UnitRecord r = new UnitRecord(driver.name(), driver.name(), IommuConfig.EMPTY);
            try {
                r.live = createUnit(driver, r);
            } catch (IommufdException e) {
                throw new IllegalStateException(driver.name() + " refused its default instance", e);
            }
            units.put(r.name, r);
        }
    }

    /**
     * A driver left: every device behind its units is unbound (detaching every PASID and the RID;
     * auto HWPTs go) and removed, every HWPT whose domain it chose is destroyed, and its instances
     * are released. IOASes, their areas, pins and accounting stay.
     */
    synchronized void driverGone(String driverName) {
        List<UnitRecord> gone = new ArrayList<>();
        for (UnitRecord r : units.values()) {
            if (r.driver.equals(driverName) && r.live != null) {
                gone.add(r);
            }
        }
        unplug(gone);
    }

    /** Unbinds and removes the devices of {@code gone}, then destroys their HWPTs, then releases the units. */
    private void unplug(List<UnitRecord> gone) {
        for (DeviceRecord d : deviceRecords.values()) {
            if (gone.contains(d.unit())) {
                PciDevice device = devices.remove(d.name());
                if (device != null) {
                    device.cdev().unbindLocked();
                    device.markRemoved();
                }
            }
        }
        for (UnitRecord r : gone) {
            for (HwptPaging hwpt : new ArrayList<>(r.live.hwpts())) {
                if (!hwpt.context().objects().isPublished(hwpt)) {
                    // an IOMMU_HWPT_ALLOC between its allocation and iommufd_object_finalize: the ioctl
                    // publishes it (or aborts it) after this; it then lives on as the HWPT of a device
                    // that went away, as HWPTs outlive their devices in Linux
                    continue;
                }
                try {
                    hwpt.context().objects().remove(hwpt.id());
                } catch (IommufdException e) {
                    throw new IllegalStateException(hwpt + " is still used at driver stop: " + e.errno(), e);
                }
            }
        }
        for (UnitRecord r : gone) {
            r.live.iotlb().invalidateAll();
            r.live.instance().release();
            r.live = null;
        }
    }

    /** The machine closes: every device is unbound and every instance released. */
    public void close() {
        registry.detach(this);
        synchronized (this) {
            closed = true;
            List<UnitRecord> live = new ArrayList<>();
            for (UnitRecord r : units.values()) {
                if (r.live != null) {
                    live.add(r);
                }
            }
            unplug(live);
        }
    }

    private IommuUnit createUnit(IommuDriver driver, UnitRecord record) throws IommufdException {
        IommuInstance instance = driver.createInstance(record.name, record.config, platform);
        return new IommuUnit(driver.name(), record.config, instance, platform.memory());
    }
}
