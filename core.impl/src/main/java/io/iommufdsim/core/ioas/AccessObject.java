package io.iommufdsim.core.ioas;

import io.iommufdsim.api.Errno;
import io.iommufdsim.api.IommufdException;
import io.iommufdsim.core.iommufd.IommufdContext;
import io.iommufdsim.core.iommufd.IommufdObject;
import io.iommufdsim.core.iommufd.ObjectType;
import io.iommufdsim.core.mem.ProcessImpl;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;

/**
 * An emulated-device access (iommufd_private.h: struct iommufd_access) together with the selftest
 * driver that owns it (selftest.c: struct selftest_access): the list of pinned ranges the driver holds,
 * and the driver's unmap callback, which unpins every held range an unmap touches.
 *
 * <p>Locking: this object's monitor is access->ioas_lock and the driver's staccess->lock; it is taken
 * before the io_pagetable lock, and the io_pagetable calls {@link #notifyUnmap} without its own lock.
 */
public final class AccessObject extends IommufdObject implements IoptAccess {
    /** One range the driver pinned (selftest.c: struct selftest_access_item). */
    private record Item(long iova, long length, int id) {
    }

    private final IommufdContext context;
    private final boolean needsPinPages;
    private final List<Item> items = new ArrayList<>();
    private int nextItemId;
    /** access->ioas: where new pins go; null while detached or changing. */
    private IoasObject ioas;
    /** access->ioas_unpin: where existing pins are dropped. */
    private IoasObject ioasUnpin;

    AccessObject(IommufdContext context, boolean needsPinPages) {
        super(ObjectType.ACCESS);
        this.context = context;
        this.needsPinPages = needsPinPages;
    }

    /** iommufd_access_create: PAGE_SIZE when the driver pins pages, else 1. */
    @Override
    public long iovaAlignment() {
        return needsPinPages ? Iova.PAGE_SIZE : 1;
    }

    /** iommufd_access_attach: EINVAL if already attached; ENOENT if {@code ioasId} is no IOAS. */
    synchronized void attach(int ioasId) throws IommufdException {
        if (ioas != null) {
            throw new IommufdException(Errno.EINVAL);
        }
        changeIoas(context.objects().get(ioasId, ObjectType.IOAS, IoasObject.class));
    }

    /** iommufd_access_replace: ENOENT when not attached, or if {@code ioasId} is no IOAS. */
    synchronized void replace(int ioasId) throws IommufdException {
        if (ioas == null) {
            throw new IommufdException(Errno.ENOENT);
        }
        changeIoas(context.objects().get(ioasId, ObjectType.IOAS, IoasObject.class));
    }

    /**
     * iommufd_access_change_ioas: joins the new IOAS first (EADDRINUSE if its areas do not fit this
     * access's alignment: nothing changes then), then has the driver unpin everything and leaves the old
     * one.
     */
    private void changeIoas(IoasObject newIoas) throws IommufdException {
        IoasObject cur = ioas;
        if (cur != ioasUnpin) {
            throw new IommufdException(Errno.EBUSY);
        }
        if (cur == newIoas) {
            return;
        }
        ioas = null;
        if (newIoas != null) {
            try {
                newIoas.iopt().addAccess(this);
            } catch (IommufdException e) {
                ioas = cur;
                throw e;
            }
            newIoas.addUser();
        }
        if (cur != null) {
            notifyUnmap(0, Iova.ULONG_MAX);
            cur.iopt().removeAccess(this);
            cur.dropUser();
        }
        ioas = newIoas;
        ioasUnpin = newIoas;
    }

    /**
     * The selftest driver's pin (selftest.c: iommufd_test_access_pages with iommufd_access_pin_pages):
     * records the range as one held item and returns the PFN of each page.
     */
    synchronized long[] pin(long iova, long length, boolean write) throws IommufdException {
        if (!needsPinPages) {
            throw new IommufdException(Errno.EOPNOTSUPP);
        }
        if (length == 0) {
            throw new IommufdException(Errno.EINVAL);
        }
        if (Iova.addOverflows(iova, length - 1)) {
            throw new IommufdException(Errno.EOVERFLOW);
        }
        if (ioas == null) {
            throw new IommufdException(Errno.ENOENT);
        }
        long[] pfns = ioas.iopt().accessPin(iova, iova + length - 1, write);
        items.add(new Item(iova, length, nextItemId++));
        return pfns;
    }

    /**
     * The selftest driver's unpin of a held range (iommufd_test_access_item_destroy, identified here by
     * its exact iova and length): ENOENT if the driver holds no such range (it was never pinned, or an
     * unmap callback already released it).
     */
    synchronized void unpin(long iova, long length) throws IommufdException {
        for (Iterator<Item> it = items.iterator(); it.hasNext();) {
            Item item = it.next();
            if (item.iova() == iova && item.length() == length) {
                it.remove();
                unpinPages(item.iova(), item.length());
                return;
            }
        }
        throw new IommufdException(Errno.ENOENT);
    }

    /** iommufd_access_unpin_pages, through access->ioas_unpin. */
    private void unpinPages(long iova, long length) {
        if (ioasUnpin == null) {
            throw new IllegalStateException(this + ": unpin while detached");
        }
        ioasUnpin.iopt().accessUnpin(iova, iova + length - 1);
    }

    /** iommufd_access_rw: byte-granular copy through the IOAS, called by {@code current}. */
    synchronized void rw(long iova, byte[] data, boolean write, ProcessImpl current) throws IommufdException {
        if (data.length == 0) {
            throw new IommufdException(Errno.EINVAL);
        }
        if (Iova.addOverflows(iova, data.length - 1L)) {
            throw new IommufdException(Errno.EOVERFLOW);
        }
        if (ioas == null) {
            throw new IommufdException(Errno.ENOENT);
        }
        ioas.iopt().accessRw(iova, data, write, current);
    }

    /**
     * The selftest driver's unmap op (selftest.c: iommufd_test_access_unmap): drops every held range
     * that intersects [iova, iova + length - 1].
     */
    @Override
    public synchronized void notifyUnmap(long iova, long length) {
        long last = iova + length - 1;
        for (Iterator<Item> it = items.iterator(); it.hasNext();) {
            Item item = it.next();
            if (Iova.gt(iova, item.iova() + item.length() - 1) || Iova.lt(last, item.iova())) {
                continue;
            }
            it.remove();
            unpinPages(item.iova(), item.length());
        }
    }

    /** iommufd_access_destroy_object: leaves the IOAS (unpinning everything) and lets the context go. */
    @Override
    protected synchronized void destroy() {
        if (ioas != null) {
            try {
                changeIoas(null);
            } catch (IommufdException e) {
                throw new IllegalStateException(this + ": detach at destroy failed with " + e.errno(), e);
            }
        }
        context.put();
    }
}
