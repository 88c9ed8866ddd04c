package io.iommufdsim.scenario.internal.fake;

import io.iommufdsim.api.DeviceConfig;
import io.iommufdsim.api.DmaFaultException;
import io.iommufdsim.api.Errno;
import io.iommufdsim.api.IommufdException;
import io.iommufdsim.api.IotlbStats;
import io.iommufdsim.api.SimDevice;
import io.iommufdsim.api.SimProcess;
import io.iommufdsim.api.UserMemory;
import io.iommufdsim.api.uapi.IoctlCommand;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * A device whose bind reports the iommufd it was given as {@code out_devid + 100}, and whose DMA
 * faults at IOVA 0xdead000 and otherwise reads bytes equal to the low byte of their IOVA.
 */
public final class FakeDevice implements SimDevice {
    public static final long FAULT_IOVA = 0xdead000L;

    private final String name;
    private final String iommu;
    public final DeviceConfig config;
    public byte[] lastWrite;
    public boolean closed;

    FakeDevice(String name, String iommu, DeviceConfig config) {
        this.name = name;
        this.iommu = iommu;
        this.config = config;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public String iommu() {
        return iommu;
    }

    @Override
    public long ioctl(SimProcess caller, int cmd, long arg, UserMemory memory) throws IommufdException {
        if (cmd != IoctlCommand.VFIO_DEVICE_BIND_IOMMUFD.number()) {
            throw new IommufdException(Errno.ENOTTY);
        }
        byte[] b = new byte[16];
        memory.copyFromUser(arg, b, 0, 16);
        ByteBuffer s = ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN);
        s.putInt(12, s.getInt(8) + 100);
        memory.copyToUser(arg, b, 0, 16);
        return 0;
    }

    @Override
    public void close() {
        closed = true;
    }

    @Override
    public byte[] dmaRead(long pasid, long iova, int length) throws IommufdException {
        if (iova == FAULT_IOVA) {
            throw new DmaFaultException(iova, "not-present");
        }
        byte[] out = new byte[length];
        for (int i = 0; i < length; i++) {
            out[i] = (byte) (iova + i);
        }
        return out;
    }

    @Override
    public void dmaWrite(long pasid, long iova, byte[] data) throws IommufdException {
        if (iova == FAULT_IOVA) {
            throw new DmaFaultException(iova, "permission");
        }
        lastWrite = data;
    }

    @Override
    public IotlbStats iotlbStats() {
        return new IotlbStats(5, 6, 7);
    }
}
