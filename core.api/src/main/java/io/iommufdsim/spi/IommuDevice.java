package io.iommufdsim.spi;

import org.osgi.annotation.versioning.ProviderType;

/**
 * A PCI device behind an {@link IommuInstance}, as the driver sees it (struct device + pci_dev):
 * its name, its requester id and the PCI capabilities that matter to an IOMMU. Implemented by the
 * core; immutable for the device's life.
 */
@ProviderType
public interface IommuDevice {
    /** The name given by SIM_DEVICE_ADD. */
    String name();

    /**
     * The PCI requester id, bus [15:8], device [7:3], function [2:0] (VT-d source-id, SMMUv3
     * stream id, AMD DeviceID). Unique per instance; the core numbers devices bus 1 upward.
     */
    int rid();

    /**
     * The width of the PASIDs the device can issue: min(the device's PCI PASID capability, the
     * instance's {@link IommuCapabilities#maxPasidBits()}); 0 when the device or the IOMMU has no
     * PASID support (then every PASID attach fails: iommu.c iommu_attach_device_pasid, EINVAL
     * for a PASID at or above max_pasids).
     */
    int pasidBits();

    /** Whether the device supports PRI (page requests). */
    boolean pri();
}
