package io.iommufdsim.spi;

/**
 * The answer of an instance to IOMMU_GET_HW_INFO (iommu_ops.hw_info): the
 * {@code enum iommu_hw_info_type} value and the vendor struct's bytes as the kernel fills them
 * (little endian; e.g. struct iommu_hw_info_vtd, 24 bytes: flags, __reserved, cap_reg, ecap_reg).
 * The core copies {@code min(data_len, data.length)} bytes to the user, zero-fills the rest of the
 * user's buffer and reports {@code data.length} as data_len (device.c: iommufd_get_hw_info).
 * A driver without hw_info answers type 0 (IOMMU_HW_INFO_TYPE_NONE) with no bytes.
 */
public record HwInfo(int type, byte[] data) {
    public HwInfo {
        data = data.clone();
    }

    @Override
    public byte[] data() {
        return data.clone();
    }

    /** Length of the vendor struct in bytes. */
    public int length() {
        return data.length;
    }
}
