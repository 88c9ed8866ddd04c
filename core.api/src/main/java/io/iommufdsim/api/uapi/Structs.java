package io.iommufdsim.api.uapi;

import static io.iommufdsim.api.uapi.UapiField.Direction.INOUT;

/** Element structs that ioctls reach through user pointers. */
public final class Structs {
    /** struct iommu_iova_range: an inclusive IOVA range. */
    public static final UapiStruct IOVA_RANGE = UapiStruct.builder("iommu_iova_range")
            .u64("start", INOUT).u64("last", INOUT).build();

    private Structs() {
    }
}
