package io.iommufdsim.core.iommufd;

/**
 * Whom pinned pages are charged to (iommufd_private.h / pages.c: enum iopt_pages_account_mode). A
 * context is in {@link #USER} or {@link #MM} mode (IOMMU_OPTION_RLIMIT_MODE 0 or 1); an iopt_pages
 * created by a CAP_IPC_LOCK task uses {@link #NONE}.
 */
public enum AccountMode {
    /** Not charged. */
    NONE,
    /** The user_struct's locked_vm, shared by every process of the uid (the /dev/iommu default). */
    USER,
    /** The process's mm->locked_vm, as VFIO type1 does (the /dev/vfio/vfio default). */
    MM
}
