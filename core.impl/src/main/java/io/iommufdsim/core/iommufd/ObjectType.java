package io.iommufdsim.core.iommufd;

/** The kinds of iommufd object (include/linux/iommufd.h: enum iommufd_object_type). */
public enum ObjectType {
    DEVICE,
    HWPT_PAGING,
    HWPT_NESTED,
    IOAS,
    ACCESS,
    FAULT,
    VIOMMU,
    VDEVICE,
    VEVENTQ,
    HW_QUEUE
}
