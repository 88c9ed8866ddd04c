package io.iommufdsim.api.uapi;

import static io.iommufdsim.api.uapi.UapiField.Direction.IN;
import static io.iommufdsim.api.uapi.UapiField.Direction.OUT;

import java.util.List;
import java.util.Map;

/**
 * The vendor structs that travel through a {@code data_uptr} (include/uapi/linux/iommufd.h), keyed by
 * the uAPI enum value that names them: {@code enum iommu_hw_info_type} for IOMMU_GET_HW_INFO and
 * {@code enum iommu_hwpt_data_type} for IOMMU_HWPT_ALLOC. A fixed-size array field such as
 * {@code __u32 idr[6]} is laid out as the fields {@code idr[0]} .. {@code idr[5]}
 * (see {@link #arrayBase(UapiField)}).
 */
public final class VendorStructs {
    /** struct iommu_hw_info_vtd (IOMMU_HW_INFO_TYPE_INTEL_VTD), 24 bytes. */
    public static final UapiStruct HW_INFO_VTD = UapiStruct.builder("iommu_hw_info_vtd")
            .u32("flags", OUT).u32("__reserved", OUT).u64("cap_reg", OUT).u64("ecap_reg", OUT).build();
    /** struct iommu_hw_info_arm_smmuv3 (IOMMU_HW_INFO_TYPE_ARM_SMMUV3), 40 bytes. */
    public static final UapiStruct HW_INFO_ARM_SMMUV3 = array(UapiStruct.builder("iommu_hw_info_arm_smmuv3")
            .u32("flags", OUT).u32("__reserved", OUT), "idr", 6, 4, OUT)
            .u32("iidr", OUT).u32("aidr", OUT).build();
    /** struct iommu_hw_info_tegra241_cmdqv (IOMMU_HW_INFO_TYPE_TEGRA241_CMDQV), 8 bytes. */
    public static final UapiStruct HW_INFO_TEGRA241_CMDQV = UapiStruct.builder("iommu_hw_info_tegra241_cmdqv")
            .u32("flags", OUT).u8("version", OUT).u8("log2vcmdqs", OUT).u8("log2vsids", OUT)
            .u8("__reserved", OUT).build();
    /** struct iommu_hw_info_amd (IOMMU_HW_INFO_TYPE_AMD), 16 bytes. */
    public static final UapiStruct HW_INFO_AMD = UapiStruct.builder("iommu_hw_info_amd")
            .u64("efr", OUT).u64("efr2", OUT).build();

    /** struct iommu_hwpt_vtd_s1 (IOMMU_HWPT_DATA_VTD_S1), 24 bytes. */
    public static final UapiStruct HWPT_VTD_S1 = UapiStruct.builder("iommu_hwpt_vtd_s1")
            .u64("flags", IN).u64("pgtbl_addr", IN).u32("addr_width", IN).u32("__reserved", IN).build();
    /** struct iommu_hwpt_arm_smmuv3 (IOMMU_HWPT_DATA_ARM_SMMUV3): __aligned_le64 ste[2], 16 bytes. */
    public static final UapiStruct HWPT_ARM_SMMUV3 =
            array(UapiStruct.builder("iommu_hwpt_arm_smmuv3"), "ste", 2, 8, IN).build();
    /** struct iommu_hwpt_amd_guest (IOMMU_HWPT_DATA_AMD_GUEST): __aligned_u64 dte[4], 32 bytes. */
    public static final UapiStruct HWPT_AMD_GUEST =
            array(UapiStruct.builder("iommu_hwpt_amd_guest"), "dte", 4, 8, IN).build();

    private static final Map<Integer, UapiStruct> HW_INFO_TYPES = Map.of(
            UapiConstants.IOMMU_HW_INFO_TYPE_INTEL_VTD, HW_INFO_VTD,
            UapiConstants.IOMMU_HW_INFO_TYPE_ARM_SMMUV3, HW_INFO_ARM_SMMUV3,
            UapiConstants.IOMMU_HW_INFO_TYPE_TEGRA241_CMDQV, HW_INFO_TEGRA241_CMDQV,
            UapiConstants.IOMMU_HW_INFO_TYPE_AMD, HW_INFO_AMD);
    private static final Map<Integer, UapiStruct> HWPT_DATA_TYPES = Map.of(
            UapiConstants.IOMMU_HWPT_DATA_VTD_S1, HWPT_VTD_S1,
            UapiConstants.IOMMU_HWPT_DATA_ARM_SMMUV3, HWPT_ARM_SMMUV3,
            UapiConstants.IOMMU_HWPT_DATA_AMD_GUEST, HWPT_AMD_GUEST);

    /** Which enum keys the vendor struct of an ioctl. */
    public enum Kind {
        /** enum iommu_hw_info_type: the struct IOMMU_GET_HW_INFO writes. */
        HW_INFO,
        /** enum iommu_hwpt_data_type: the struct IOMMU_HWPT_ALLOC reads. */
        HWPT_DATA;

        /** The struct this enum value names, or null (NONE, or a value the uAPI does not define). */
        public UapiStruct layout(long type) {
            Map<Integer, UapiStruct> m = byType();
            return type < 0 || type > Integer.MAX_VALUE ? null : m.get((int) type);
        }

        private Map<Integer, UapiStruct> byType() {
            return this == HW_INFO ? HW_INFO_TYPES : HWPT_DATA_TYPES;
        }

        /** The size of the largest struct of this kind. */
        public int largestSize() {
            return byType().values().stream().mapToInt(UapiStruct::size).max().orElse(0);
        }
    }

    private VendorStructs() {
    }

    /** For a field {@code name[i]} of a fixed-size array, {@code name}; null for a scalar field. */
    public static String arrayBase(UapiField f) {
        int bracket = f.name().indexOf('[');
        return bracket < 0 ? null : f.name().substring(0, bracket);
    }

    /** The fields {@code name[0]} .. {@code name[n-1]} of a fixed-size array of {@code width}-byte elements. */
    private static UapiStruct.Builder array(UapiStruct.Builder b, String name, int n, int width,
                                            UapiField.Direction dir) {
        for (int i = 0; i < n; i++) {
            String element = name + "[" + i + "]";
            if (width == 8) {
                b.u64(element, dir);
            } else {
                b.u32(element, dir);
            }
        }
        return b;
    }

    /** All layouts, for tests and documentation. */
    public static List<UapiStruct> all() {
        return List.of(HW_INFO_VTD, HW_INFO_ARM_SMMUV3, HW_INFO_TEGRA241_CMDQV, HW_INFO_AMD,
                HWPT_VTD_S1, HWPT_ARM_SMMUV3, HWPT_AMD_GUEST);
    }
}
