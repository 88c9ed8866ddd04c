package io.iommufdsim.core.device;

import static io.iommufdsim.api.uapi.UapiConstants.VFIO_DEVICE_ATTACH_PASID;
import static io.iommufdsim.api.uapi.UapiConstants.VFIO_DEVICE_BIND_FLAG_TOKEN;
import static io.iommufdsim.api.uapi.UapiConstants.VFIO_DEVICE_DETACH_PASID;

import io.iommufdsim.api.Errno;
import io.iommufdsim.api.IommufdException;
import io.iommufdsim.api.SimProcess;
import io.iommufdsim.api.UserMemory;
import io.iommufdsim.api.uapi.IoctlCommand;
import io.iommufdsim.core.hwpt.DeviceAttach;
import io.iommufdsim.core.iommufd.IommufdContext;
import io.iommufdsim.core.mem.FileDescription;
import io.iommufdsim.core.mem.ProcessImpl;
import io.iommufdsim.spi.IommuInstance;
import java.util.TreeSet;

/**
 * The VFIO device cdev of a PCI device (/dev/vfio/devices/vfioN) bound to iommufd, with vfio-pci as
 * its driver: VFIO_DEVICE_BIND_IOMMUFD, VFIO_DEVICE_ATTACH_IOMMUFD_PT and
 * VFIO_DEVICE_DETACH_IOMMUFD_PT (drivers/vfio/device_cdev.c, vfio_main.c, iommufd.c), and close(2),
 * which unbinds. State is guarded by the device layer's lock.
 */
public final class VfioCdev {
    private static final int BIND_SIZE = 24;
    private static final int BIND_MIN = 16;
    private static final int ATTACH_MIN = 12;
    private static final int ATTACH_PASID_END = 16;
    private static final int DETACH_MIN = 8;
    private static final int DETACH_PASID_END = 12;

    private final DeviceLayer layer;
    private final PciDevice device;
    /** df->access_granted with its iommufd_device; null while unbound. */
    private DeviceObject bound;
    /** vdev->iommufd_attached. */
    private boolean ridAttached;
    /** vdev->pasids. */
    private final TreeSet<Integer> pasids = new TreeSet<>(Integer::compareUnsigned);

    VfioCdev(DeviceLayer layer, PciDevice device) {
        this.layer = layer;
        this.device = device;
    }

    /** The DEVICE object while bound, else null. */
    public DeviceObject bound() {
        synchronized (layer) {
            return bound;
        }
    }

    /** vfio_device_fops_unl_ioctl: BIND first; anything else needs a bound fd (EINVAL). */
    long ioctl(SimProcess caller, int cmd, long arg, UserMemory memory) throws IommufdException {
        if (cmd == IoctlCommand.VFIO_DEVICE_BIND_IOMMUFD.number()) {
            return bind(caller, arg, memory);
        }
        synchronized (layer) {
            if (bound == null) {
                throw new IommufdException(Errno.EINVAL);
            }
        }
        if (cmd == IoctlCommand.VFIO_DEVICE_ATTACH_IOMMUFD_PT.number()) {
            return attach(arg, memory);
        }
        if (cmd == IoctlCommand.VFIO_DEVICE_DETACH_IOMMUFD_PT.number()) {
            return detach(arg, memory);
        }
        throw new IommufdException(Errno.ENOTTY); // vfio-pci's ioctl does not know it
    }

    /** device_cdev.c: vfio_df_ioctl_bind_iommufd. */
    private long bind(SimProcess caller, long arg, UserMemory memory) throws IommufdException {
        long argsz = u32(memory, arg);
        if (argsz < BIND_MIN) {
            throw new IommufdException(Errno.EINVAL);
        }
        byte[] s = copyStructFromUser(memory, arg, BIND_SIZE, argsz);
        int flags = le32(s, 4);
        int iommufd = le32(s, 8);
        if (iommufd < 0 || (flags & ~VFIO_DEVICE_BIND_FLAG_TOKEN) != 0) {
            throw new IommufdException(Errno.EINVAL);
        }
        synchronized (layer) {
            if (bound != null) {
                throw new IommufdException(Errno.EINVAL); // one device cannot be bound twice
            }
            if ((flags & VFIO_DEVICE_BIND_FLAG_TOKEN) != 0) {
                // vfio_df_check_token → vfio_pci_core_match_token_uuid: the UUID is read, but a device
                // that is neither an SR-IOV PF nor a VF takes no token ("VF token incorrectly provided")
                long uuidPtr = le64(s, 16);
                memory.copyFromUser(uuidPtr, new byte[16], 0, 16);
                throw new IommufdException(Errno.EINVAL);
            }
            IommufdContext ctx = iommufdFromFd(caller, iommufd);
            ctx.get();
            DeviceObject idev = new DeviceObject(device, ctx);
            try {
                ctx.objects().reserve(idev);
            } catch (IommufdException e) {
                ctx.put();
                throw e;
            }
            ctx.objects().publish(idev);
            idev.addUser(); // the VFIO binding is a user until unbind (iommufd_device_bind)
            // DMA ownership claimed: the device is blocked until attached
            device.unit().instance().block(device, IommuInstance.NO_PASID);
            device.dma().invalidateAllContexts();
            bound = idev;
            try {
                byte[] out = new byte[4];
                putLe32(out, 0, idev.id());
                memory.copyToUser(arg + 12, out, 0, 4);
            } catch (IommufdException e) {
                unbindLocked(); // vfio_df_close
                throw e;
            }
        }
        return 0;
    }

    /** device_cdev.c: vfio_df_ioctl_attach_pt; iommufd.c: vfio_iommufd_physical_(pasid_)attach_ioas. */
    private long attach(long arg, UserMemory memory) throws IommufdException {
        byte[] s = new byte[ATTACH_PASID_END];
        memory.copyFromUser(arg, s, 0, ATTACH_MIN);
        long argsz = Integer.toUnsignedLong(le32(s, 0));
        int flags = le32(s, 4);
        if (argsz < ATTACH_MIN || (flags & ~VFIO_DEVICE_ATTACH_PASID) != 0) {
            throw new IommufdException(Errno.EINVAL);
        }
        boolean withPasid = (flags & VFIO_DEVICE_ATTACH_PASID) != 0;
        if (withPasid) {
            if (argsz < ATTACH_PASID_END) {
                throw new IommufdException(Errno.EINVAL);
            }
            memory.copyFromUser(arg + ATTACH_MIN, s, ATTACH_MIN, ATTACH_PASID_END - ATTACH_MIN);
        }
        int ptId = le32(s, 8);
        int pasid = le32(s, 12);
        synchronized (layer) {
            if (bound == null) {
                throw new IommufdException(Errno.EINVAL); // a concurrent close() unbound the device
            }
            int out;
            if (withPasid) {
                if (pasids.contains(pasid)) {
                    out = DeviceAttach.replace(layer, bound, pasid, ptId);
                } else if (pasid < 0) {
                    // vfio_iommufd_physical_pasid_attach_ioas: ida_alloc_range(pasid, pasid) takes an
                    // int range, and a PASID >= 2^31 is a negative min: -ENOSPC before anything else
                    throw new IommufdException(Errno.ENOSPC);
                } else {
                    out = DeviceAttach.attach(layer, bound, pasid, ptId);
                    pasids.add(pasid);
                }
            } else if (ridAttached) {
                out = DeviceAttach.replace(layer, bound, DeviceAttach.NO_PASID, ptId);
            } else {
                out = DeviceAttach.attach(layer, bound, DeviceAttach.NO_PASID, ptId);
                ridAttached = true;
            }
            try {
                byte[] b = new byte[4];
                putLe32(b, 0, out);
                memory.copyToUser(arg + 8, b, 0, 4);
            } catch (IommufdException e) {
                detachRid(); // out_detach: device->ops->detach_ioas, even after a PASID attach
                throw e;
            }
        }
        return 0;
    }

    /** device_cdev.c: vfio_df_ioctl_detach_pt. */
    private long detach(long arg, UserMemory memory) throws IommufdException {
        byte[] s = new byte[DETACH_PASID_END];
        memory.copyFromUser(arg, s, 0, DETACH_MIN);
        long argsz = Integer.toUnsignedLong(le32(s, 0));
        int flags = le32(s, 4);
        if (argsz < DETACH_MIN || (flags & ~VFIO_DEVICE_DETACH_PASID) != 0) {
            throw new IommufdException(Errno.EINVAL);
        }
        boolean withPasid = (flags & VFIO_DEVICE_DETACH_PASID) != 0;
        if (withPasid) {
            if (argsz < DETACH_PASID_END) {
                throw new IommufdException(Errno.EINVAL);
            }
            memory.copyFromUser(arg + DETACH_MIN, s, DETACH_MIN, DETACH_PASID_END - DETACH_MIN);
        }
        synchronized (layer) {
            if (bound == null) {
                throw new IommufdException(Errno.EINVAL); // a concurrent close() unbound the device
            }
            if (withPasid) {
                int pasid = le32(s, 8);
                if (pasids.remove(pasid)) {
                    DeviceAttach.detach(bound, pasid);
                }
            } else {
                detachRid();
            }
        }
        return 0;
    }

    /** close(2) of the cdev: unbinds (vfio_df_unbind_iommufd). */
    void close() {
        synchronized (layer) {
            unbindLocked();
        }
    }

    /**
     * vfio_df_iommufd_unbind → iommufd_device_unbind: every PASID, then the RID, is detached, the
     * device is blocked, and the DEVICE object is destroyed; the context loses the device's reference.
     */
    void unbindLocked() {
        DeviceObject idev = bound;
        if (idev == null) {
            return;
        }
        for (int pasid : pasids) {
            DeviceAttach.detach(idev, pasid);
        }
        pasids.clear();
        detachRid();
        device.unit().instance().block(device, IommuInstance.NO_PASID);
        device.dma().invalidateAllContexts();
        bound = null;
        try {
            idev.context().objects().removeHeld(idev, false);
        } catch (IommufdException e) {
            throw new IllegalStateException(idev + " still in use at unbind: " + e.errno(), e);
        }
        idev.context().put();
    }

    private void detachRid() {
        if (ridAttached) {
            DeviceAttach.detach(bound, DeviceAttach.NO_PASID);
            ridAttached = false;
        }
    }

    /** iommufd_ctx_from_fd: EBADF for a closed descriptor, EBADFD for a file that is not an iommufd. */
    private static IommufdContext iommufdFromFd(SimProcess caller, int fd) throws IommufdException {
        if (!(caller instanceof ProcessImpl process)) {
            throw new IommufdException(Errno.EBADF);
        }
        FileDescription file = process.fds().get(fd);
        if (!(file instanceof IommufdContext ctx)) {
            throw new IommufdException(Errno.EBADFD);
        }
        return ctx;
    }

    private static long u32(UserMemory memory, long address) throws IommufdException {
        byte[] w = new byte[4];
        memory.copyFromUser(address, w, 0, 4);
        return Integer.toUnsignedLong(le32(w, 0));
    }

    /** lib/usercopy.c copy_struct_from_user: zero-extend a short struct; a long one needs a zero tail (E2BIG). */
    private static byte[] copyStructFromUser(UserMemory memory, long arg, int kernelSize, long userSize)
            throws IommufdException {
        byte[] image = new byte[kernelSize];
        if (userSize > kernelSize) {
            byte[] chunk = new byte[4096];
            long addr = arg + kernelSize;
            long left = userSize - kernelSize;
            while (left > 0) {
                int n = (int) Math.min(left, 4096 - (addr & 4095));
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
        memory.copyFromUser(arg, image, 0, (int) Math.min(kernelSize, userSize));
        return image;
    }

    private static int le32(byte[] b, int off) {
        return (b[off] & 0xff) | (b[off + 1] & 0xff) << 8 | (b[off + 2] & 0xff) << 16 | (b[off + 3] & 0xff) << 24;
    }

    private static long le64(byte[] b, int off) {
        return Integer.toUnsignedLong(le32(b, off)) | (long) le32(b, off + 4) << 32;
    }

    private static void putLe32(byte[] b, int off, int v) {
        b[off] = (byte) v;
        b[off + 1] = (byte) (v >>> 8);
        b[off + 2] = (byte) (v >>> 16);
        b[off + 3] = (byte) (v >>> 24);
    }
}
