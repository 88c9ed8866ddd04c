package io.iommufdsim.core.mem;

import io.iommufdsim.api.Backing;
import io.iommufdsim.api.Capability;
import io.iommufdsim.api.Errno;
import io.iommufdsim.api.IommufdException;
import io.iommufdsim.api.MemoryStats;
import io.iommufdsim.api.SimProcess;
import io.iommufdsim.api.UserMemory;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A simulated process: credentials, RLIMIT_MEMLOCK, its mm ({@link AddressSpace} plus the locked_vm
 * and pinned_vm counters) and its descriptor table. System calls made on behalf of a process that has
 * exited fail with ESRCH; its mm's counters stay readable, since iommufd keeps the mm (mmgrab) for as
 * long as it holds pages charged to it.
 */
public final class ProcessImpl implements SimProcess {
    /** RLIMIT_MEMLOCK a new process starts with (8 MiB, the usual default since Linux 5.16). */
    public static final long DEFAULT_RLIMIT_MEMLOCK = 8L << 20;

    private final String name;
    private final int uid;
    private final Set<Capability> capabilities;
    private final UserStruct user;
    private final MachineMemory machine;
    private final AddressSpace mm;
    private final FdTable fds = new FdTable();
    private final PageCounter lockedVm = new PageCounter();
    private final PageCounter pinnedVm = new PageCounter();
    private final ProcessUserMemory userMemory;
    private volatile long rlimitMemlock = DEFAULT_RLIMIT_MEMLOCK;
    private volatile boolean alive = true;

    ProcessImpl(MachineMemory machine, String name, int uid, Set<Capability> capabilities, UserStruct user) {
        this.machine = machine;
        this.name = name;
        this.uid = uid;
        this.capabilities = capabilities.isEmpty() ? EnumSet.noneOf(Capability.class) : EnumSet.copyOf(capabilities);
        this.user = user;
        this.mm = new AddressSpace(machine.frames(), machine.physical(), machine.pins());
        this.userMemory = new ProcessUserMemory(this);
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public int uid() {
        return uid;
    }

    @Override
    public boolean hasCapability(Capability capability) {
        return capabilities.contains(capability);
    }

    @Override
    public boolean isAlive() {
        return alive;
    }

    /** The uid's user_struct. */
    public UserStruct user() {
        return user;
    }

    /** mm->locked_vm in pages. */
    public PageCounter lockedVm() {
        return lockedVm;
    }

    /** mm->pinned_vm in pages. */
    public PageCounter pinnedVm() {
        return pinnedVm;
    }

    public FdTable fds() {
        return fds;
    }

    /** The machine this process runs on. */
    public MachineMemory machine() {
        return machine;
    }

    /**
     * The PinSource of this process's memory from page-aligned {@code pageAlignedVa}: page {@code i}
     * is address {@code pageAlignedVa + i * 4096}. GUP rules: see {@link AddressSpace#resolvePins};
     * once the process has exited → EFAULT (pages.c: pfn_reader_user_pin, mmget_not_zero fails).
     */
    public PinSource userPages(long pageAlignedVa) {
        if ((pageAlignedVa & (AddressSpace.PAGE_SIZE - 1)) != 0) {
            throw new IllegalArgumentException("not page aligned: 0x" + Long.toHexString(pageAlignedVa));
        }
        return (firstPage, npages, write, sink) -> {
            if (!alive || firstPage < 0 || firstPage > (AddressSpace.TASK_SIZE >>> 12)) {
                throw new IommufdException(Errno.EFAULT);
            }
            mm.resolvePins(pageAlignedVa, pageAlignedVa + (firstPage << 12), npages, write, sink);
        };
    }

    @Override
    public long mmap(long length, Backing backing, int prot, int fd, long offset) throws IommufdException {
        checkAlive();
        if (!AddressSpace.validProt(prot)) {
            throw new IommufdException(Errno.EINVAL);
        }
        if (fd < 0) {
            if (backing == null) {
                throw new IommufdException(Errno.EINVAL);
            }
            return mm.mmapAnonymous(length, backing, prot);
        }
        FileDescription file = fds.get(fd);
        if (!(file instanceof Memfd)) {
            // a file without an mmap method (mm/mmap.c: do_mmap → -ENODEV)
            throw new IommufdException(Errno.ENODEV);
        }
        Memfd memfd = (Memfd) file;
        if (backing != null && backing != memfd.backing()) {
            // a shared mapping is backed by the file's own pages; asking for another backing is invalid
            throw new IommufdException(Errno.EINVAL);
        }
        return mm.mmapFile(length, memfd, prot, offset);
    }

    @Override
    public void munmap(long userVa, long length) throws IommufdException {
        checkAlive();
        mm.munmap(userVa, length);
    }

    /**
     * memfd_create(2) followed by ftruncate(2) to {@code length}. MMIO is not a file backing → EINVAL;
     * a bad length → EINVAL as ftruncate; either way no descriptor is left behind.
     */
    @Override
    public int memfdCreate(long length, Backing backing) throws IommufdException {
        checkAlive();
        if (backing == null || backing == Backing.MMIO) {
            throw new IommufdException(Errno.EINVAL);
        }
        Memfd memfd = new Memfd(backing, machine.frames(), machine.physical());
        memfd.ftruncate(length);
        return fds.install(memfd);
    }

    /** ftruncate(2): EBADF if not open; EINVAL if not a memfd (or a bad length, see {@link Memfd#ftruncate}). */
    @Override
    public void ftruncate(int fd, long length) throws IommufdException {
        checkAlive();
        FileDescription file = fds.get(fd);
        if (!(file instanceof Memfd)) {
            throw new IommufdException(Errno.EINVAL);
        }
        ((Memfd) file).ftruncate(length);
    }

    @Override
    public void closeFd(int fd) throws IommufdException {
        checkAlive();
        fds.close(fd);
    }

    @Override
    public List<Map<String, Object>> readRecords(int fd, int count) throws IommufdException {
        checkAlive();
        return recordFile(fd).readRecords(count);
    }

    @Override
    public int writeRecords(int fd, List<Map<String, Object>> records) throws IommufdException {
        checkAlive();
        return recordFile(fd).writeRecords(records);
    }

    private RecordFile recordFile(int fd) throws IommufdException {
        FileDescription file = fds.get(fd);
        if (!(file instanceof RecordFile)) {
            throw new IommufdException(Errno.EINVAL);
        }
        return (RecordFile) file;
    }

    @Override
    public void write(long userVa, byte[] data) throws IommufdException {
        checkAlive();
        mm.copyOut(userVa, data, 0, data.length);
    }

    /** A CPU load; a negative length → EINVAL, more than a Java array holds → ENOMEM. */
    @Override
    public byte[] read(long userVa, long length) throws IommufdException {
        checkAlive();
        if (length < 0) {
            throw new IommufdException(Errno.EINVAL);
        }
        if (length > Integer.MAX_VALUE - 8) {
            throw new IommufdException(Errno.ENOMEM);
        }
        byte[] out = new byte[(int) length];
        mm.copyIn(userVa, out, 0, out.length);
        return out;
    }

    @Override
    public UserMemory memory() {
        return userMemory;
    }

    AddressSpace addressSpace() {
        return mm;
    }

    @Override
    public MemoryStats stats() {
        return new MemoryStats(lockedVm.get(), pinnedVm.get(), user.lockedVm().get());
    }

    /** SIM_PIN_COUNT. After exit nothing is mapped, so → EFAULT. */
    @Override
    public long[] pinCount(long userVa, long length) throws IommufdException {
        return mm.pinCount(userVa, length);
    }

    /** Negative means RLIM_INFINITY. */
    @Override
    public void setRlimitMemlock(long bytes) {
        rlimitMemlock = bytes;
    }

    @Override
    public long rlimitMemlock() {
        return rlimitMemlock;
    }

    /** RLIMIT_MEMLOCK in pages, as pages.c compares it (rlimit >> PAGE_SHIFT); infinity → Long.MAX_VALUE. */
    public long rlimitMemlockPages() {
        long bytes = rlimitMemlock;
        return bytes < 0 ? Long.MAX_VALUE : bytes >>> 12;
    }

    @Override
    public void exit() {
        if (!alive) {
            return;
        }
        alive = false;
        mm.unmapAll();
        fds.closeAll();
    }

    private void checkAlive() throws IommufdException {
        if (!alive) {
            throw new IommufdException(Errno.ESRCH);
        }
    }

    @Override
    public String toString() {
        return "process " + name + " (uid " + uid + ")";
    }
}
