package io.iommufdsim.api;

import org.osgi.annotation.versioning.ProviderType;

/** A PCI device behind an IOMMU instance, with its VFIO cdev (/dev/vfio/devices/vfioN). */
@ProviderType
public interface SimDevice {
    /** A DMA without PASID (the RID's translation). */
    long NO_PASID = -1;

    String name();

    /** The IOMMU instance the device sits behind. */
    String iommu();

    /**
     * ioctl(2) on the device's VFIO cdev (VFIO_DEVICE_BIND_IOMMUFD, ..._ATTACH_IOMMUFD_PT,
     * ..._DETACH_IOMMUFD_PT), with the rules of drivers/vfio/device_cdev.c. {@code iommufds} resolves the
     * {@code iommufd} field of the bind struct, a file descriptor of {@code caller}.
     */
    long ioctl(SimProcess caller, int cmd, long arg, UserMemory memory) throws IommufdException;

    /** close(2) of the VFIO cdev: unbinds from iommufd as the kernel does; a later bind opens it afresh. */
    void close();

    /** A DMA read through the IOMMU; a translation fault throws {@link DmaFaultException}. */
    byte[] dmaRead(long pasid, long iova, int length) throws IommufdException;

    /** A DMA write through the IOMMU; a translation fault throws {@link DmaFaultException}. */
    void dmaWrite(long pasid, long iova, byte[] data) throws IommufdException;

    IotlbStats iotlbStats();
}
