package io.iommufdsim.api;

/** The Linux capabilities that matter to iommufd (include/uapi/linux/capability.h). */
public enum Capability {
    /** Allows changing IOMMU_OPTION_RLIMIT_MODE (main.c: iommufd_option_rlimit_mode). */
    CAP_SYS_RESOURCE,
    /** Pinned memory is not charged against RLIMIT_MEMLOCK (pages.c: iopt_alloc_pages). */
    CAP_IPC_LOCK
}
