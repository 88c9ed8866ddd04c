package io.iommufdsim.core.iommufd;

import io.iommufdsim.api.EmulatedAccesses;
import io.iommufdsim.api.Errno;
import io.iommufdsim.api.IommufdException;
import io.iommufdsim.api.IommufdFile;
import io.iommufdsim.api.PageTableDump;
import io.iommufdsim.api.SimProcess;
import io.iommufdsim.api.UserMemory;
import io.iommufdsim.api.uapi.IoctlCommand;
import io.iommufdsim.core.mem.FdTable;
import io.iommufdsim.core.mem.FileDescription;

/**
 * An open /dev/iommu (iommufd_private.h: struct iommufd_ctx): the object table, the accounting mode of
 * IOMMU_OPTION_RLIMIT_MODE, the VFIO-compat IOAS, and the ioctl dispatch of main.c iommufd_fops_ioctl.
 *
 * <p>Lifetime: the context is a file. The descriptor holds one reference; anything else that keeps the
 * context (a bound device, an access — iommufd_ctx_get) takes one with {@link #get()} and gives it back
 * with {@link #put()}. When the last reference goes, every object is destroyed leaf first
 * (main.c: iommufd_fops_release).
 *
 * <p>Locking order: the object table's lock (xa_lock), then IOAS locks, then iopt_pages, then frame pins
 * and accounting. The context's own monitor only guards its reference count and is never held while
 * calling into objects.
 */
public final class IommufdContext implements IommufdFile, FileDescription {
    /** IOMMUFD_TYPE, the ioctl type letter ';'. */
    public static final int IOMMUFD_TYPE = ';';
    /** IOMMUFD_CMD_BASE. */
    public static final int CMD_BASE = 0x80;
    /** One past the last slot of iommufd_ioctl_ops (IOMMU_HW_QUEUE_ALLOC is 0x94). */
    public static final int CMD_END = 0x95;

    private static final int PAGE_SIZE = 4096;

    private final HandlerTable handlers;
    private final SimProcess opener;
    private final ObjectTable objects;
    private final FdTable fds;
    private volatile AccountMode accountMode;
    /** ictx->vfio_ioas, guarded by the object table's lock. */
    private IommufdObject vfioIoas;
    private int fd = -1;
    private boolean fdOpen;
    private int fileRefs = 1;
    private boolean released;
    private EmulatedAccesses accesses;

    /**
     * iommufd_fops_open: a new context in {@code mode} (USER for /dev/iommu, MM for /dev/vfio/vfio).
     * Not yet installed in a descriptor table: see {@link #open}.
     */
    public IommufdContext(HandlerTable handlers, SimProcess opener, AccountMode mode, FdTable fds) {
        if (mode == AccountMode.NONE) {
            throw new IllegalArgumentException("a context accounts in USER or MM mode");
        }
        this.handlers = handlers;
        this.opener = opener;
        this.accountMode = mode;
        this.fds = fds;
        this.objects = new ObjectTable(this::objectRemoved);
    }

    /**
     * open("/dev/iommu"): a USER-mode context installed at the lowest free descriptor of {@code fds}
     * (EMFILE when the table is full; nothing is left behind then).
     */
    public static IommufdContext open(HandlerTable handlers, SimProcess opener, FdTable fds)
            throws IommufdException {
        IommufdContext context = new IommufdContext(handlers, opener, AccountMode.USER, fds);
        int fd = fds.install(context);
        synchronized (context) {
            context.fd = fd;
            context.fdOpen = true;
        }
        return context;
    }

    @Override
    public synchronized int fd() {
        return fd;
    }

    public SimProcess opener() {
        return opener;
    }

    public ObjectTable objects() {
        return objects;
    }

    public HandlerTable handlers() {
        return handlers;
    }

    /** The context's accounting mode (IOMMU_OPTION_RLIMIT_MODE): USER or MM. */
    public AccountMode accountMode() {
        return accountMode;
    }

    void setAccountMode(AccountMode mode) {
        this.accountMode = mode;
    }

    /** ictx->vfio_ioas, or null (never set, cleared, or destroyed). */
    public IommufdObject compatIoas() {
        synchronized (objects) {
            return vfioIoas;
        }
    }

    /** Sets or (with null) clears the VFIO-compat IOAS; takes no reference on it (vfio_compat.c). */
    public void setCompatIoas(IommufdObject ioas) {
        if (ioas != null && ioas.type() != ObjectType.IOAS) {
            throw new IllegalArgumentException(ioas + " is not an IOAS");
        }
        synchronized (objects) {
            vfioIoas = ioas;
        }
    }

    /** Runs under the table lock when an object leaves the table (main.c: iommufd_object_remove). */
    private void objectRemoved(IommufdObject object) {
        if (object == vfioIoas) {
            vfioIoas = null;
        }
    }

    @Override
    public long ioctl(SimProcess caller, int cmd, long arg, UserMemory memory) throws IommufdException {
        synchronized (this) {
            if (!fdOpen) {
                throw new IommufdException(Errno.EBADF);
            }
        }
        return dispatch(caller, cmd, arg, memory);
    }

    /**
     * main.c: iommufd_fops_ioctl, for a caller that holds the file (the descriptor check is the
     * caller's): nr range, size word, table number, minimum size, tail, copy, handler, then publish or
     * abort of the object the handler allocated.
     */
    public long dispatch(SimProcess caller, int cmd, long arg, UserMemory memory) throws IommufdException {
        int nr = cmd & 0xff; // _IOC_NR
        if (nr < CMD_BASE || nr >= CMD_END) {
            return compatIoctl(caller, cmd, arg, memory);
        }
        byte[] word = new byte[4];
        memory.copyFromUser(arg, word, 0, 4); // get_user(ucmd.user_size, ...) → EFAULT
        long userSize = (word[0] & 0xffL) | (word[1] & 0xffL) << 8 | (word[2] & 0xffL) << 16 | (word[3] & 0xffL) << 24;

        IoctlCommand command = IoctlCommand.byNumber((IOMMUFD_TYPE << 8) | nr);
        IoctlHandler handler = command == null ? null : handlers.handler(command);
        if (handler == null || command.number() != Integer.toUnsignedLong(cmd)) {
            throw new IommufdException(Errno.ENOTTY); // -ENOIOCTLCMD
        }
        if (userSize < command.struct().minSize()) {
            throw new IommufdException(Errno.EINVAL);
        }
        byte[] image = copyStructFromUser(memory, arg, command.struct().size(), userSize);

        IoctlCall call = new IoctlCall(this, caller, memory, command, arg, userSize, image);
        boolean ok = false;
        try {
            long ret = handler.handle(call);
            ok = true;
            return ret;
        } finally {
            IommufdObject created = call.newObject();
            if (created != null) {
                if (ok) {
                    objects.publish(created);
                } else {
                    objects.abortAndDestroy(created);
                }
            }
        }
    }

    /** vfio_compat.c: iommufd_vfio_ioctl — the legacy container ioctls; anything unknown → ENOTTY. */
    private long compatIoctl(SimProcess caller, int cmd, long arg, UserMemory memory) throws IommufdException {
        CompatIoctlHandler handler = handlers.compat(cmd);
        if (handler == null) {
            throw new IommufdException(Errno.ENOTTY);
        }
        return handler.handle(this, caller, arg, memory);
    }

    /**
     * lib/usercopy.c: copy_struct_from_user. A shorter user struct is zero-extended; a longer one must
     * have an all-zero tail (E2BIG, or EFAULT if the tail cannot be read — checked first); then the
     * common part is copied (EFAULT).
     */
    static byte[] copyStructFromUser(UserMemory memory, long arg, int kernelSize, long userSize)
            throws IommufdException {
        byte[] image = new byte[kernelSize];
        if (userSize > kernelSize) {
            checkZeroedUser(memory, arg + kernelSize, userSize - kernelSize);
        }
        memory.copyFromUser(arg, image, 0, (int) Math.min(kernelSize, userSize));
        return image;
    }

    /** lib/usercopy.c: check_zeroed_user, page by page, so a fault and a non-zero byte are seen in address order. */
    private static void checkZeroedUser(UserMemory memory, long from, long length) throws IommufdException {
        byte[] chunk = new byte[PAGE_SIZE];
        long addr = from;
        long left = length;
        while (left > 0) {
            int n = (int) Math.min(left, PAGE_SIZE - (addr & (PAGE_SIZE - 1)));
            memory.copyFromUser(addr, chunk, 0, n);
            for (int i = 0; i < n; i++) {
                if (chunk[i] != 0) {
                    throw new IommufdException(Errno.E2BIG);
                }
            }
            addr += n;
            left -= n;
        }
    }

    @Override
    public synchronized EmulatedAccesses accesses() {
        if (accesses == null) {
            accesses = handlers.accessesFor(this);
        }
        return accesses;
    }

    @Override
    public PageTableDump pageTableDump(int hwptId) throws IommufdException {
        IommufdObject hwpt = objects.get(hwptId, ObjectType.HWPT_PAGING);
        if (!(hwpt instanceof PageTableDumpSource)) {
            throw new IllegalStateException(hwpt + " cannot dump its page table");
        }
        return ((PageTableDumpSource) hwpt).pageTableDump();
    }

    /** close(2) of the descriptor; the objects go when the last reference to the file goes. */
    @Override
    public void close() {
        synchronized (this) {
            if (!fdOpen) {
                return;
            }
        }
        if (fds != null) {
            try {
                if (fds.get(fd) == this) {
                    fds.close(fd); // calls release()
                    return;
                }
            } catch (IommufdException alreadyClosed) {
                // the descriptor went away with its process; release() has run or runs below
            }
        }
        release();
    }

    /** The descriptor was closed (close(2), or its process exited). */
    @Override
    public void release() {
        synchronized (this) {
            if (!fdOpen) {
                return;
            }
            fdOpen = false;
        }
        put();
    }

    /** iommufd_ctx_get: something other than the descriptor keeps the context alive. */
    public synchronized void get() {
        if (fileRefs == 0) {
            throw new IllegalStateException("context already released");
        }
        fileRefs++;
    }

    /** iommufd_ctx_put: when the last reference goes, every object is destroyed (iommufd_fops_release). */
    public void put() {
        synchronized (this) {
            if (fileRefs == 0) {
                throw new IllegalStateException("context already released");
            }
            if (--fileRefs > 0) {
                return;
            }
            released = true;
        }
        objects.releaseAll();
        setCompatIoas(null);
    }

    /** True once the last reference went and every object was destroyed. */
    public synchronized boolean isReleased() {
        return released;
    }

    /** True while the descriptor is open. */
    public synchronized boolean isOpen() {
        return fdOpen;
    }
}
