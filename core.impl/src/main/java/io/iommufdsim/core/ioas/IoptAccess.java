package io.iommufdsim.core.ioas;

/**
 * What an io_pagetable needs of an access attached to it (iommufd_private.h: struct iommufd_access in
 * iopt->access_list): its IOVA alignment, and its driver's unmap callback.
 */
interface IoptAccess {
    /** PAGE_SIZE for an access that pins pages, 1 for a read/write-only access. */
    long iovaAlignment();

    /**
     * The driver's unmap op: stop using [iova, iova + length - 1] and unpin everything pinned there.
     * Called with no io_pagetable lock held.
     */
    void notifyUnmap(long iova, long length);
}
