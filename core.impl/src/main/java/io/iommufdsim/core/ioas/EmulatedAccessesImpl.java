package io.iommufdsim.core.ioas;

import io.iommufdsim.api.EmulatedAccesses;
import io.iommufdsim.api.Errno;
import io.iommufdsim.api.IommufdException;
import io.iommufdsim.api.SimProcess;
import io.iommufdsim.core.iommufd.IommufdContext;
import io.iommufdsim.core.iommufd.ObjectType;
import io.iommufdsim.core.mem.ProcessImpl;

/**
 * The emulated-device accesses of one context, with the semantics of the kernel selftest's access
 * commands (selftest.c: iommufd_test_create_access, _access_replace_ioas, _access_pages,
 * _access_item_destroy, _access_rw, and the access file's release) on top of device.c's
 * iommufd_access_* API. An access is identified by its object id.
 */
public final class EmulatedAccessesImpl implements EmulatedAccesses {
    /** selftest.c: the 16 MiB cap that keeps kvzalloc quiet for syzkaller (→ ENOMEM). */
    static final long MAX_LENGTH = 16L * 1024 * 1024;

    private final IommufdContext context;

    public EmulatedAccessesImpl(IommufdContext context) {
        this.context = context;
    }

    /**
     * iommufd_test_create_access: EOPNOTSUPP for unknown flags; the access object is created and
     * published (iommufd_access_create), then attached to the IOAS — ENOENT or EADDRINUSE destroy it
     * again, which frees its id.
     */
    @Override
    public int create(SimProcess caller, int ioasId, int flags) throws IommufdException {
        if ((flags & ~NEEDS_PIN_PAGES) != 0) {
            throw new IommufdException(Errno.EOPNOTSUPP);
        }
        AccessObject access = new AccessObject(context, (flags & NEEDS_PIN_PAGES) != 0);
        context.objects().reserve(access);
        access.addUser(); // the driver holds the access until iommufd_access_destroy
        context.get(); // iommufd_ctx_get
        context.objects().publish(access);
        try {
            access.attach(ioasId);
        } catch (IommufdException e) {
            context.objects().removeHeld(access, false);
            throw e;
        }
        return access.id();
    }

    @Override
    public void replaceIoas(int accessId, int ioasId) throws IommufdException {
        lookup(accessId).replace(ioasId);
    }

    /** iommufd_test_access_pages: the 16 MiB cap, flags, then iommufd_access_pin_pages. */
    @Override
    public long[] pin(int accessId, long iova, long length, int flags) throws IommufdException {
        if (Long.compareUnsigned(length, MAX_LENGTH) > 0) {
            throw new IommufdException(Errno.ENOMEM);
        }
        if ((flags & ~WRITE) != 0) {
            throw new IommufdException(Errno.EOPNOTSUPP);
        }
        return lookup(accessId).pin(iova, length, (flags & WRITE) != 0);
    }

    @Override
    public void unpin(int accessId, long iova, long length) throws IommufdException {
        lookup(accessId).unpin(iova, length);
    }

    /** iommufd_test_access_rw (read) by the process that opened the file. */
    @Override
    public byte[] read(int accessId, long iova, long length) throws IommufdException {
        return read(context.opener(), accessId, iova, length);
    }

    /** iommufd_test_access_rw (write) by the process that opened the file. */
    @Override
    public void write(int accessId, long iova, byte[] data) throws IommufdException {
        write(context.opener(), accessId, iova, data);
    }

    /**
     * iommufd_test_access_rw (read): the 16 MiB cap, then iommufd_access_rw; the data reaches the caller
     * only if the whole copy succeeded.
     */
    @Override
    public byte[] read(SimProcess caller, int accessId, long iova, long length) throws IommufdException {
        if (Long.compareUnsigned(length, MAX_LENGTH) > 0) {
            throw new IommufdException(Errno.ENOMEM);
        }
        AccessObject access = lookup(accessId);
        byte[] data = new byte[(int) length];
        access.rw(iova, data, false, (ProcessImpl) caller);
        return data;
    }

    /** iommufd_test_access_rw (write): the 16 MiB cap, then iommufd_access_rw. */
    @Override
    public void write(SimProcess caller, int accessId, long iova, byte[] data) throws IommufdException {
        if (data.length > MAX_LENGTH) {
            throw new IommufdException(Errno.ENOMEM);
        }
        lookup(accessId).rw(iova, data.clone(), true, (ProcessImpl) caller);
    }

    /**
     * The access file's release (iommufd_test_staccess_release): the driver unpins everything it holds,
     * then iommufd_access_destroy removes the object.
     */
    @Override
    public void destroy(int accessId) throws IommufdException {
        AccessObject access = lookup(accessId);
        access.notifyUnmap(0, Iova.ULONG_MAX);
        context.objects().removeHeld(access, false);
    }

    private AccessObject lookup(int accessId) throws IommufdException {
        return context.objects().get(accessId, ObjectType.ACCESS, AccessObject.class);
    }
}
