package io.iommufdsim.api;

import org.osgi.annotation.versioning.ProviderType;

/**
 * A simulated user process: its virtual memory, its file descriptors, its credentials and its
 * RLIMIT_MEMLOCK. All addresses are user virtual addresses; every method that touches memory fails
 * with {@link Errno#EFAULT} outside a mapping.
 */
@ProviderType
public interface SimProcess {
    int PROT_READ = 1;
    int PROT_WRITE = 2;

    String name();

    int uid();

    boolean hasCapability(Capability capability);

    boolean isAlive();

    /**
     * mmap(2): an anonymous private mapping ({@code fd} &lt; 0) or a shared mapping of a memfd at
     * {@code offset}. The address is aligned to the backing's page size (2 MiB for THP, 1 GiB for
     * hugetlb-1g, 4 KiB otherwise). Frames are allocated and zeroed on first pin or write.
     */
    long mmap(long length, Backing backing, int prot, int fd, long offset) throws IommufdException;

    /** munmap(2). Pages pinned by an IOAS stay pinned, as in Linux. */
    void munmap(long userVa, long length) throws IommufdException;

    /** memfd_create(2) and ftruncate(2) to {@code length}; returns the new file descriptor. */
    int memfdCreate(long length, Backing backing) throws IommufdException;

    void ftruncate(int fd, long length) throws IommufdException;

    /** close(2): {@link Errno#EBADF} for a descriptor that is not open. */
    void closeFd(int fd) throws IommufdException;

    /**
     * read(2) of {@code count} records from a fault queue or vEVENTQ descriptor, each record an object
     * with the uAPI record's field names. {@link Errno#EAGAIN} when empty, {@link Errno#EBADF} when not
     * open, {@link Errno#EINVAL} for a descriptor that does not hold records.
     */
    java.util.List<java.util.Map<String, Object>> readRecords(int fd, int count) throws IommufdException;

    /** write(2) of page responses to a fault queue descriptor; returns how many were taken. */
    int writeRecords(int fd, java.util.List<java.util.Map<String, Object>> records) throws IommufdException;

    /** A CPU store through the process's page tables (EFAULT outside a mapping or into a read-only one). */
    void write(long userVa, byte[] data) throws IommufdException;

    /** A CPU load through the process's page tables. */
    byte[] read(long userVa, long length) throws IommufdException;

    /** The address space as copy_from_user/copy_to_user see it, for the raw ioctl path. */
    UserMemory memory();

    MemoryStats stats();

    /** Lowest and highest pin count over the 4 KiB pages of the range, as {@code {min, max}}. */
    long[] pinCount(long userVa, long length) throws IommufdException;

    void setRlimitMemlock(long bytes);

    long rlimitMemlock();

    /** The process exits: its memory is unmapped (pins held by an IOAS stay) and its descriptors close. */
    void exit();
}
