package io.iommufdsim.core.device;

import io.iommufdsim.api.DeviceConfig;
import io.iommufdsim.api.Errno;
import io.iommufdsim.api.IommufdException;
import io.iommufdsim.api.IotlbStats;
import io.iommufdsim.api.SimDevice;
import io.iommufdsim.api.SimProcess;
import io.iommufdsim.api.UserMemory;
import io.iommufdsim.core.dma.DmaEngine;
import io.iommufdsim.spi.IommuDevice;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A PCI device behind an IOMMU unit (SIM_DEVICE_ADD): its identity as drivers see it
 * ({@link IommuDevice}), its VFIO cdev ({@link VfioCdev}) and its DMA engine. When its driver stops,
 * the device is removed (every later use is ENODEV); starting the driver makes a new one with the same
 * name and requester id.
 */
public final class PciDevice implements SimDevice, IommuDevice {
    private final IommuUnit unit;
    private final String name;
    private final int rid;
    private final int pasidBits;
    private final DeviceConfig config;
    private final VfioCdev cdev;
    private final DmaEngine dma;
    private final AtomicLong invalidations = new AtomicLong();
    private volatile boolean removed;

    PciDevice(DeviceLayer layer, IommuUnit unit, String name, int rid, int pasidBits, DeviceConfig config,
            MachinePlatform platform) {
        this.unit = unit;
        this.name = name;
        this.rid = rid;
        this.pasidBits = pasidBits;
        this.config = config;
        this.cdev = new VfioCdev(layer, this);
        this.dma = new DmaEngine(this, platform.memory());
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public String iommu() {
        return unit.name();
    }

    @Override
    public int rid() {
        return rid;
    }

    @Override
    public int pasidBits() {
        return pasidBits;
    }

    @Override
    public boolean pri() {
        return config.pri();
    }

    public DeviceConfig config() {
        return config;
    }

    public IommuUnit unit() {
        return unit;
    }

    public DmaEngine dma() {
        return dma;
    }

    public VfioCdev cdev() {
        return cdev;
    }

    @Override
    public long ioctl(SimProcess caller, int cmd, long arg, UserMemory memory) throws IommufdException {
        checkPresent();
        return cdev.ioctl(caller, cmd, arg, memory);
    }

    @Override
    public void close() {
        if (!removed) {
            cdev.close();
        }
    }

    @Override
    public byte[] dmaRead(long pasid, long iova, int length) throws IommufdException {
        checkPresent();
        return dma.read(pasid, iova, length);
    }

    @Override
    public void dmaWrite(long pasid, long iova, byte[] data) throws IommufdException {
        checkPresent();
        dma.write(pasid, iova, data);
    }

    @Override
    public IotlbStats iotlbStats() {
        return new IotlbStats(dma.hits(), dma.misses(), invalidations.get());
    }

    /** An IOTLB invalidation covered a domain this device translates through. */
    public void countInvalidation() {
        invalidations.incrementAndGet();
    }

    boolean isRemoved() {
        return removed;
    }

    void markRemoved() {
        removed = true;
    }

    private void checkPresent() throws IommufdException {
        if (removed) {
            throw new IommufdException(Errno.ENODEV);
        }
    }

    @Override
    public String toString() {
        return "PciDevice[" + name + " rid=" + String.format("%04x", rid) + " on " + unit.name() + "]";
    }
}
