package io.iommufdsim.api.uapi;

import static io.iommufdsim.api.uapi.UapiField.Direction.INOUT;

/** Element structs that ioctls reach through user pointers. */
public final class Structs {
    /** struct iommu_iova_range: an inclusive IOVA range. */
    public static final UapiStruct IOVA_RANGE = UapiStruct.builder("iommu_iova_range")
            .u64("start", INOUT).u64("last", INOUT).build();

    /**
     * One __u64 of a bitmap the kernel reads and ORs bits into (IOMMU_HWPT_GET_DIRTY_BITMAP {@code data}:
     * bit k of the array is bit k%64 of element k/64).
     */
    public static final UapiStruct U64 = UapiStruct.builder("__u64").u64("value", INOUT).build();

    private Structs() {
    }
}
