package io.iommufdsim.api;

import org.osgi.annotation.versioning.ProviderType;

/**
 * iommufd_access objects, as an emulated device (VFIO mdev) or the kernel selftest creates them
 * (drivers/iommu/iommufd/selftest.c: iommufd_test_create_access and the access ops). Each access is
 * an object with an id in its context; its unmap callback unpins whatever an IOAS unmap hits.
 */
@ProviderType
public interface EmulatedAccesses {
    /** MOCK_FLAGS_ACCESS_CREATE_NEEDS_PIN_PAGES in iommufd_test.h. */
    int NEEDS_PIN_PAGES = 1;
    /** IOMMUFD_ACCESS_RW_WRITE / MOCK_FLAGS_ACCESS_WRITE. */
    int WRITE = 1;

    int create(SimProcess caller, int ioasId, int flags) throws IommufdException;

    void replaceIoas(int accessId, int ioasId) throws IommufdException;

    /** Pins {@code length} bytes of IOVA; returns the PFN of each 4 KiB page. */
    long[] pin(int accessId, long iova, long length, int flags) throws IommufdException;

    void unpin(int accessId, long iova, long length) throws IommufdException;

    /**
     * IOMMU_TEST_OP_ACCESS_RW read, as if issued by the process that opened this iommufd file. Which
     * process issues it matters (pages.c: iopt_pages_rw_access copies user pages of the caller's own
     * mm with copy_from_user, and pages of another process's mm through GUP or the pinned pages).
     */
    byte[] read(int accessId, long iova, long length) throws IommufdException;

    /** IOMMU_TEST_OP_ACCESS_RW write, as if issued by the process that opened this iommufd file. */
    void write(int accessId, long iova, byte[] data) throws IommufdException;

    /**
     * IOMMU_TEST_OP_ACCESS_RW read issued by {@code caller} (a process sharing the file, after fork).
     * The default is for providers that do not tell processes apart: it ignores the caller.
     */
    default byte[] read(SimProcess caller, int accessId, long iova, long length) throws IommufdException {
        return read(accessId, iova, length);
    }

    /** IOMMU_TEST_OP_ACCESS_RW write issued by {@code caller}; the default ignores the caller. */
    default void write(SimProcess caller, int accessId, long iova, byte[] data) throws IommufdException {
        write(accessId, iova, data);
    }

    void destroy(int accessId) throws IommufdException;
}
