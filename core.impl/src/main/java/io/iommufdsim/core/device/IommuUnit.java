package io.iommufdsim.core.device;

import io.iommufdsim.api.IovaRange;
import io.iommufdsim.core.hwpt.HwptPaging;
import io.iommufdsim.core.iotlb.Iotlb;
import io.iommufdsim.core.pt.PageTableWalker;
import io.iommufdsim.spi.IommuConfig;
import io.iommufdsim.spi.IommuInstance;
import io.iommufdsim.spi.PageTableFormat;
import io.iommufdsim.spi.PhysicalMemory;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * One live IOMMU instance of a machine: the driver's {@link IommuInstance}, the configuration it
 * was made from, its IOTLB, the devices behind it and the HWPTs whose domains it chose (so that a
 * driver stop can destroy them).
 */
public final class IommuUnit {
    private final String driverName;
    private final IommuConfig config;
    private final IommuInstance instance;
    private final Iotlb iotlb = new Iotlb();
    private final PhysicalMemory memory;
    private final Set<HwptPaging> hwpts = new LinkedHashSet<>();
    private final Map<PageTableFormat, PageTableWalker> walkers = new IdentityHashMap<>();

    IommuUnit(String driverName, IommuConfig config, IommuInstance instance, PhysicalMemory memory) {
        this.driverName = driverName;
        this.config = config;
        this.instance = instance;
        this.memory = memory;
    }

    public String name() {
        return instance.name();
    }

    public String driverName() {
        return driverName;
    }

    public IommuInstance instance() {
        return instance;
    }

    public Iotlb iotlb() {
        return iotlb;
    }

    /** HWPTs whose domain this unit's driver allocated; guarded by the device layer's lock. */
    public Set<HwptPaging> hwpts() {
        return hwpts;
    }

    /** The walker of {@code format} over this machine's memory (one per format, made on first use). */
    public synchronized PageTableWalker walker(PageTableFormat format) {
        return walkers.computeIfAbsent(format, f -> new PageTableWalker(f, memory));
    }

    /**
     * The reserved regions {@code device} reports: the vendor's own, the instance's {@code reserved}
     * config and the device's (iommu_get_resv_regions).
     */
    public List<IovaRange> reservedRegionsOf(PciDevice device) {
        List<IovaRange> out = new ArrayList<>(instance.reservedRegions(device));
        out.addAll(config.reserved());
        out.addAll(device.config().reserved());
        return out;
    }

    @Override
    public String toString() {
        return "IommuUnit[" + driverName + ":" + name() + "]";
    }
}
