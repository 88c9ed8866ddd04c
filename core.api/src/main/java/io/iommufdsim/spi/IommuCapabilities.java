package io.iommufdsim.spi;

/**
 * What an IOMMU instance can do, as the core needs to know it before asking the driver anything
 * else (iommu_ops capabilities, iommu_device_capable, dev->iommu->max_pasids).
 *
 * @param dirtyTracking          IOMMU_CAP_DIRTY_TRACKING: HWPT_ALLOC with DIRTY_TRACKING is refused
 *                               with EOPNOTSUPP when false (hw_pagetable.c: iommufd_hwpt_paging_alloc),
 *                               a dirty-tracking domain cannot be attached to a device of the unit
 *                               (EINVAL, as every driver's attach refuses it), and GET_HW_INFO reports
 *                               IOMMU_HW_CAP_DIRTY_TRACKING when true; a unit that says true implements
 *                               {@link IommuInstance#setDirtyTracking} and gives its dirty-tracking domains
 *                               a format with {@link PageTableFormat#dirtyBits()}
 * @param nesting                nesting-parent domains can be allocated (VT-d ECAP.NEST in scalable
 *                               mode; SMMUv3 stage 2 with nesting; AMD GT); the driver refuses
 *                               NEST_PARENT itself, this flag is informational for dumps and tests
 * @param maxPasidBits           the PASID width the IOMMU supports (VT-d ECAP.PSS + 1 when ECAP.PASID in
 *                               scalable mode), 0 without PASID support
 * @param defaultDevicePasidBits the PASID width of a device added without {@code pasid_bits}
 *                               (SIM_DEVICE_ADD's per-vendor default), at most {@code maxPasidBits}
 * @param pciAts                 IOMMU_CAP_PCI_ATS_SUPPORTED for the (ATS-capable) PCI devices behind the
 *                               unit (VT-d ECAP.DT; SMMUv3 IDR0.ATS); when false GET_HW_INFO reports
 *                               IOMMU_HW_CAP_PCI_ATS_NOT_SUPPORTED (device.c: iommufd_get_hw_info)
 */
public record IommuCapabilities(boolean dirtyTracking, boolean nesting, int maxPasidBits,
        int defaultDevicePasidBits, boolean pciAts) {
    public IommuCapabilities {
        if (maxPasidBits < 0 || maxPasidBits > 20 || defaultDevicePasidBits < 0
                || defaultDevicePasidBits > maxPasidBits) {
            throw new IllegalArgumentException("PASID bits " + maxPasidBits + "/" + defaultDevicePasidBits);
        }
    }
}
