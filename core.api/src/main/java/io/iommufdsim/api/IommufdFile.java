package io.iommufdsim.api;

import org.osgi.annotation.versioning.ProviderType;

/** An open /dev/iommu file: one iommufd context with its own object-id space. */
@ProviderType
public interface IommufdFile {
    /** The file descriptor in the process that opened it. */
    int fd();

    /**
     * ioctl(2) on this file by {@code caller}: the struct at {@code arg} is read from and written to
     * {@code memory} with the kernel's dispatch rules (main.c: iommufd_fops_ioctl). Returns the
     * ioctl's non-negative result.
     */
    long ioctl(SimProcess caller, int cmd, long arg, UserMemory memory) throws IommufdException;

    /** The emulated-device accesses of this context (the selftest's create-access and friends). */
    EmulatedAccesses accesses();

    /** SIM_PT_DUMP: the leaves of paging HWPT {@code hwptId} ({@link Errno#ENOENT} if there is none). */
    PageTableDump pageTableDump(int hwptId) throws IommufdException;

    /** close(2): destroys every object in the kernel's release order once nothing else holds the file. */
    void close();
}
