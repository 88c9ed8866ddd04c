package io.iommufdsim.api.uapi;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Named flag and enum values of the uAPI (include/uapi/linux/iommufd.h, vfio.h), so that scenario
 * files and shell commands can use the kernel's names.
 */
public final class UapiConstants {
    // enum iommufd_ioas_map_flags
    public static final int IOMMU_IOAS_MAP_FIXED_IOVA = 1;
    public static final int IOMMU_IOAS_MAP_WRITEABLE = 1 << 1;
    public static final int IOMMU_IOAS_MAP_READABLE = 1 << 2;
    // enum iommufd_option
    public static final int IOMMU_OPTION_RLIMIT_MODE = 0;
    public static final int IOMMU_OPTION_HUGE_PAGES = 1;
    // enum iommufd_option_ops
    public static final int IOMMU_OPTION_OP_SET = 0;
    public static final int IOMMU_OPTION_OP_GET = 1;
    // enum iommufd_vfio_ioas_op
    public static final int IOMMU_VFIO_IOAS_GET = 0;
    public static final int IOMMU_VFIO_IOAS_SET = 1;
    public static final int IOMMU_VFIO_IOAS_CLEAR = 2;
    // enum iommufd_hwpt_alloc_flags
    public static final int IOMMU_HWPT_ALLOC_NEST_PARENT = 1;
    public static final int IOMMU_HWPT_ALLOC_DIRTY_TRACKING = 1 << 1;
    public static final int IOMMU_HWPT_FAULT_ID_VALID = 1 << 2;
    public static final int IOMMU_HWPT_ALLOC_PASID = 1 << 3;
    // enum iommu_hwpt_data_type
    public static final int IOMMU_HWPT_DATA_NONE = 0;
    public static final int IOMMU_HWPT_DATA_VTD_S1 = 1;
    public static final int IOMMU_HWPT_DATA_ARM_SMMUV3 = 2;
    public static final int IOMMU_HWPT_DATA_AMD_GUEST = 3;
    // enum iommufd_hw_info_flags
    public static final int IOMMU_HW_INFO_FLAG_INPUT_TYPE = 1;
    // enum iommu_hw_info_type
    public static final int IOMMU_HW_INFO_TYPE_NONE = 0;
    public static final int IOMMU_HW_INFO_TYPE_DEFAULT = 0;
    public static final int IOMMU_HW_INFO_TYPE_INTEL_VTD = 1;
    public static final int IOMMU_HW_INFO_TYPE_ARM_SMMUV3 = 2;
    public static final int IOMMU_HW_INFO_TYPE_TEGRA241_CMDQV = 3;
    public static final int IOMMU_HW_INFO_TYPE_AMD = 4;
    // enum iommufd_hw_capabilities
    public static final int IOMMU_HW_CAP_DIRTY_TRACKING = 1;
    public static final int IOMMU_HW_CAP_PCI_PASID_EXEC = 1 << 1;
    public static final int IOMMU_HW_CAP_PCI_PASID_PRIV = 1 << 2;
    public static final int IOMMU_HW_CAP_PCI_ATS_NOT_SUPPORTED = 1 << 3;
    // enum iommufd_hwpt_set_dirty_tracking_flags
    public static final int IOMMU_HWPT_DIRTY_TRACKING_ENABLE = 1;
    // enum iommufd_hwpt_get_dirty_bitmap_flags
    public static final int IOMMU_HWPT_GET_DIRTY_BITMAP_NO_CLEAR = 1;
    // enum iommu_viommu_type, iommu_veventq_type, iommu_hw_queue_type: 0 is reserved
    public static final int IOMMU_VIOMMU_TYPE_DEFAULT = 0;
    public static final int IOMMU_VEVENTQ_TYPE_DEFAULT = 0;
    public static final int IOMMU_HW_QUEUE_TYPE_DEFAULT = 0;
    // vfio.h device cdev flags
    public static final int VFIO_DEVICE_BIND_FLAG_TOKEN = 1;
    public static final int VFIO_DEVICE_ATTACH_PASID = 1;
    public static final int VFIO_DEVICE_DETACH_PASID = 1;
    // vfio.h: the VFIO API version, and the extension ids of VFIO_CHECK_EXTENSION (also the IOMMU types
    // of VFIO_SET_IOMMU)
    public static final int VFIO_API_VERSION = 0;
    public static final int VFIO_TYPE1_IOMMU = 1;
    public static final int VFIO_SPAPR_TCE_IOMMU = 2;
    public static final int VFIO_TYPE1v2_IOMMU = 3;
    public static final int VFIO_DMA_CC_IOMMU = 4;
    public static final int VFIO_EEH = 5;
    public static final int __VFIO_RESERVED_TYPE1_NESTING_IOMMU = 6;
    public static final int VFIO_SPAPR_TCE_v2_IOMMU = 7;
    public static final int VFIO_NOIOMMU_IOMMU = 8;
    public static final int VFIO_UNMAP_ALL = 9;
    public static final int VFIO_UPDATE_VADDR = 10;
    // vfio.h: struct vfio_iommu_type1_info flags and capability ids
    public static final int VFIO_IOMMU_INFO_PGSIZES = 1;
    public static final int VFIO_IOMMU_INFO_CAPS = 1 << 1;
    public static final int VFIO_IOMMU_TYPE1_INFO_CAP_IOVA_RANGE = 1;
    public static final int VFIO_IOMMU_TYPE1_INFO_CAP_MIGRATION = 2;
    public static final int VFIO_IOMMU_TYPE1_INFO_DMA_AVAIL = 3;
    // vfio.h: struct vfio_iommu_type1_dma_map flags
    public static final int VFIO_DMA_MAP_FLAG_READ = 1;
    public static final int VFIO_DMA_MAP_FLAG_WRITE = 1 << 1;
    public static final int VFIO_DMA_MAP_FLAG_VADDR = 1 << 2;
    // vfio.h: struct vfio_iommu_type1_dma_unmap flags
    public static final int VFIO_DMA_UNMAP_FLAG_GET_DIRTY_BITMAP = 1;
    public static final int VFIO_DMA_UNMAP_FLAG_ALL = 1 << 1;
    public static final int VFIO_DMA_UNMAP_FLAG_VADDR = 1 << 2;
    // vfio.h: struct vfio_iommu_type1_dirty_bitmap flags
    public static final int VFIO_IOMMU_DIRTY_PAGES_FLAG_START = 1;
    public static final int VFIO_IOMMU_DIRTY_PAGES_FLAG_STOP = 1 << 1;
    public static final int VFIO_IOMMU_DIRTY_PAGES_FLAG_GET_BITMAP = 1 << 2;

    private static final Map<String, Long> BY_NAME;

    static {
        Map<String, Long> m = new LinkedHashMap<>();
        for (java.lang.reflect.Field f : UapiConstants.class.getFields()) {
            if (f.getType() == int.class) {
                try {
                    m.put(f.getName(), (long) f.getInt(null));
                } catch (IllegalAccessException e) {
                    throw new IllegalStateException(e);
                }
            }
        }
        BY_NAME = Collections.unmodifiableMap(m);
    }

    private UapiConstants() {
    }

    /** The value of the uAPI constant {@code name}, or null if there is none by that name. */
    public static Long valueOf(String name) {
        return BY_NAME.get(name);
    }
}
