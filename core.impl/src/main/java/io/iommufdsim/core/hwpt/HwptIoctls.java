package io.iommufdsim.core.hwpt;

import static io.iommufdsim.api.uapi.UapiConstants.IOMMU_HWPT_ALLOC_PASID;
import static io.iommufdsim.api.uapi.UapiConstants.IOMMU_HWPT_DATA_NONE;
import static io.iommufdsim.api.uapi.UapiConstants.IOMMU_HWPT_DIRTY_TRACKING_ENABLE;
import static io.iommufdsim.api.uapi.UapiConstants.IOMMU_HWPT_FAULT_ID_VALID;
import static io.iommufdsim.api.uapi.UapiConstants.IOMMU_HWPT_GET_DIRTY_BITMAP_NO_CLEAR;
import static io.iommufdsim.api.uapi.UapiConstants.IOMMU_VIOMMU_TYPE_DEFAULT;
import static io.iommufdsim.api.uapi.UapiConstants.IOMMU_HW_CAP_DIRTY_TRACKING;
import static io.iommufdsim.api.uapi.UapiConstants.IOMMU_HW_CAP_PCI_ATS_NOT_SUPPORTED;
import static io.iommufdsim.api.uapi.UapiConstants.IOMMU_HW_INFO_FLAG_INPUT_TYPE;
import static io.iommufdsim.api.uapi.UapiConstants.IOMMU_HW_INFO_TYPE_DEFAULT;

import io.iommufdsim.api.Errno;
import io.iommufdsim.api.IommufdException;
import io.iommufdsim.core.device.DeviceLayer;
import io.iommufdsim.core.device.DeviceObject;
import io.iommufdsim.core.device.PciDevice;
import io.iommufdsim.core.ioas.IoPagetable;
import io.iommufdsim.core.ioas.IoasObject;
import io.iommufdsim.core.iommufd.IoctlCall;
import io.iommufdsim.core.iommufd.IommufdObject;
import io.iommufdsim.core.iommufd.ObjectTable;
import io.iommufdsim.core.iommufd.ObjectType;
import io.iommufdsim.spi.HwInfo;
import io.iommufdsim.spi.IommuCapabilities;

/**
 * IOMMU_HWPT_ALLOC (hw_pagetable.c: iommufd_hwpt_alloc) and IOMMU_GET_HW_INFO (device.c:
 * iommufd_get_hw_info), each validating in the kernel's order.
 */
public final class HwptIoctls {
    private HwptIoctls() {
    }

    /**
     * IOMMU_HWPT_ALLOC: __reserved (EOPNOTSUPP), data_type/data_len pairing (EINVAL), dev_id (ENOENT),
     * pt_id (missing: EINVAL), then by pt kind: an IOAS makes a paging HWPT; a paging HWPT would make a
     * nested one ({@link #nestedAlloc}: its checks, then EOPNOTSUPP, as nesting is not modelled yet);
     * any other kind is EINVAL. FAULT_ID_VALID looks the fault up last (ENOENT;
     * the HWPT is discarded).
     */
    public static long hwptAlloc(DeviceLayer layer, IoctlCall call) throws IommufdException {
        if (call.get("__reserved") != 0) {
            throw new IommufdException(Errno.EOPNOTSUPP);
        }
        long dataType = call.get("data_type");
        long dataLen = call.get("data_len");
        if ((dataType == IOMMU_HWPT_DATA_NONE) == (dataLen != 0)) {
            throw new IommufdException(Errno.EINVAL);
        }
        // iommufd_get_device / iommufd_get_object / iommufd_get_fault: each held for the call, so that a
        // concurrent IOMMU_DESTROY of one of them gets EBUSY. The holds are taken and given back under
        // the device layer's lock, which a driver stop (unbind, HWPT destroy) also takes.
        ObjectTable objects = call.objects();
        synchronized (layer) {
            DeviceObject idev = objects.getHeld(call.id("dev_id"), ObjectType.DEVICE, DeviceObject.class);
            try {
                IommufdObject pt;
                try {
                    pt = objects.getHeld(call.id("pt_id"), null);
                } catch (IommufdException missing) {
                    throw new IommufdException(Errno.EINVAL);
                }
                try {
                    int flags = (int) call.get("flags");
                    IommufdObject hwpt = switch (pt.type()) {
                        case IOAS -> DeviceAttach.allocPaging(layer, call.context(), (IoasObject) pt, idev,
                                DeviceAttach.NO_PASID, flags, false, call, dataLen != 0);
                        case HWPT_PAGING -> nestedAlloc(idev, (HwptPaging) pt, flags, dataLen);
                        default -> throw new IommufdException(Errno.EINVAL);
                    };
                    if ((flags & IOMMU_HWPT_FAULT_ID_VALID) != 0) {
                        IommufdObject fault = objects.getHeld(call.id("fault_id"), ObjectType.FAULT);
                        try {
                            ((HwptPaging) hwpt).setFault(fault);
                        } finally {
                            objects.put(fault);
                        }
                    }
                    call.set("out_hwpt_id", hwpt.id());
                } finally {
                    objects.put(pt);
                }
            } finally {
                objects.put(idev);
            }
        }
        call.respond();
        return 0;
    }

    /**
     * hw_pagetable.c iommufd_hwpt_nested_alloc, in its order: flags other than FAULT_ID_VALID and
     * PASID, or no user data, EOPNOTSUPP; a parent that is an auto domain, was not allocated with
     * NEST_PARENT, or belongs to another IOMMU driver (domain->owner != ops) EINVAL; then the driver's
     * domain_alloc_nested.
     *
     * <p>Nested (stage-1) HWPTs are NOT modelled yet: the SPI has no domain_alloc_nested and there is
     * no HWPT_NESTED object, so every request that passes the core's checks — a VT-d
     * IOMMU_HWPT_DATA_VTD_S1 one included — is refused with EOPNOTSUPP, as Linux answers for a driver
     * without domain_alloc_nested. This stays until nesting lands (a later issue); it is not what
     * intel_iommu_domain_alloc_nested does for a valid request.
     */
    private static IommufdObject nestedAlloc(DeviceObject idev, HwptPaging parent, int flags, long dataLen)
            throws IommufdException {
        if ((flags & ~(IOMMU_HWPT_FAULT_ID_VALID | IOMMU_HWPT_ALLOC_PASID)) != 0 || dataLen == 0) {
            throw new IommufdException(Errno.EOPNOTSUPP);
        }
        if (parent.isAutoDomain() || !parent.isNestParent()
                || !parent.unit().driverName().equals(idev.device().unit().driverName())) {
            throw new IommufdException(Errno.EINVAL);
        }
        throw new IommufdException(Errno.EOPNOTSUPP); // nesting not modelled: no domain_alloc_nested yet
    }

    /**
     * IOMMU_GET_HW_INFO: flags and __reserved (EOPNOTSUPP), dev_id (ENOENT), the driver's answer for
     * the requested type (EOPNOTSUPP), the copy of min(data_len, the kernel's length) bytes and the
     * zeroing of the rest of the user's buffer (EFAULT); data_len then becomes the kernel's length.
     */
    public static long getHwInfo(DeviceLayer layer, IoctlCall call) throws IommufdException {
        if ((call.get("flags") & ~(long) IOMMU_HW_INFO_FLAG_INPUT_TYPE) != 0) {
            throw new IommufdException(Errno.EOPNOTSUPP);
        }
        if (call.get("__reserved") != 0) {
            throw new IommufdException(Errno.EOPNOTSUPP);
        }
        int requested = (call.get("flags") & IOMMU_HW_INFO_FLAG_INPUT_TYPE) != 0
                ? (int) call.get("out_data_type") : IOMMU_HW_INFO_TYPE_DEFAULT;
        DeviceObject idev = call.objects().get(call.id("dev_id"), ObjectType.DEVICE, DeviceObject.class);
        PciDevice dev = idev.device();
        HwInfo info;
        IommuCapabilities caps;
        synchronized (layer) {
            info = dev.unit().instance().hwInfo(dev, requested);
            caps = dev.unit().instance().capabilities();
        }
        long userLen = call.get("data_len");
        long ptr = call.get("data_uptr");
        byte[] data = info.data();
        int copyLen = (int) Math.min(userLen, data.length);
        if (copyLen > 0) {
            call.memory().copyToUser(ptr, data, 0, copyLen);
        }
        if (userLen > copyLen) {
            clearUser(call, ptr + copyLen, userLen - copyLen);
        }
        call.set("data_len", data.length);
        call.set("out_data_type", info.type());
        long capabilities = 0;
        if (caps.dirtyTracking()) {
            capabilities |= IOMMU_HW_CAP_DIRTY_TRACKING;
        }
        if (!caps.pciAts()) {
            capabilities |= IOMMU_HW_CAP_PCI_ATS_NOT_SUPPORTED;
        }
        call.set("out_capabilities", capabilities);
        // ilog2(max_pasids); the PCI PASID control's EXEC/PRIV bits are not set on simulated devices
        call.set("out_max_pasid_log2", dev.pasidBits());
        call.respond();
        return 0;
    }

    /**
     * IOMMU_HWPT_SET_DIRTY_TRACKING (hw_pagetable.c: iommufd_hwpt_set_dirty_tracking; io_pagetable.c:
     * iopt_set_dirty_tracking): flags other than ENABLE (EOPNOTSUPP; __reserved is not checked), hwpt_id
     * not a paging HWPT (ENOENT), a HWPT allocated without DIRTY_TRACKING (EOPNOTSUPP). Enabling first
     * clears the dirty bits of every area (iopt_clear_dirty_data: a clean snapshot, then one IOTLB
     * sync), even when tracking is already on; then the units switch (a no-op when the state is
     * unchanged). Nothing is written back.
     */
    public static long setDirtyTracking(DeviceLayer layer, IoctlCall call) throws IommufdException {
        if ((call.get("flags") & ~(long) IOMMU_HWPT_DIRTY_TRACKING_ENABLE) != 0) {
            throw new IommufdException(Errno.EOPNOTSUPP);
        }
        HwptPaging hwpt = call.objects().get(call.id("hwpt_id"), ObjectType.HWPT_PAGING, HwptPaging.class);
        boolean enable = (call.get("flags") & IOMMU_HWPT_DIRTY_TRACKING_ENABLE) != 0;
        synchronized (layer) {
            PagingDomain domain = hwpt.domain();
            if (domain == null || !domain.hasDirtyOps()) {
                throw new IommufdException(Errno.EOPNOTSUPP);
            }
            IoPagetable iopt = hwpt.ioas().iopt();
            synchronized (iopt) {
                if (enable) {
                    iopt.forEachArea((start, last) -> domain.readAndClearDirty(start, last - start + 1, false, null));
                    domain.syncDirty();
                }
                domain.setDirtyTracking(enable);
            }
        }
        return 0;
    }

    /**
     * IOMMU_HWPT_GET_DIRTY_BITMAP (hw_pagetable.c: iommufd_hwpt_get_dirty_bitmap; io_pagetable.c:
     * iommufd_check_iova_range, iopt_read_and_clear_dirty_data, iommu_read_and_clear_dirty): flags
     * other than NO_CLEAR or __reserved (EOPNOTSUPP), hwpt_id (ENOENT), iova + length - 1 wrapping
     * (EOVERFLOW), iova or last + 1 off the IOAS's iova_alignment (EINVAL), page_size 0 (EINVAL), iova
     * or last + 1 not a multiple of page_size (EINVAL; page_size need not be a power of two: the checks
     * use page_size - 1 as a mask, the bitmap its lowest set bit), then no dirty ops (EOPNOTSUPP).
     * Tracking need not be on. The areas from iova on are read while they follow each other; a hole
     * ends the walk and is not reported, nor is a bitmap page that cannot be written: the ioctl then
     * still returns 0 (the iterator's error is ignored). Without NO_CLEAR the dirty bits read are
     * cleared and their ranges leave the IOTLBs. Nothing of the struct is written back.
     */
    public static long getDirtyBitmap(DeviceLayer layer, IoctlCall call) throws IommufdException {
        long flags = call.get("flags");
        if ((flags & ~(long) IOMMU_HWPT_GET_DIRTY_BITMAP_NO_CLEAR) != 0 || call.get("__reserved") != 0) {
            throw new IommufdException(Errno.EOPNOTSUPP);
        }
        HwptPaging hwpt = call.objects().get(call.id("hwpt_id"), ObjectType.HWPT_PAGING, HwptPaging.class);
        long iova = call.get("iova");
        long length = call.get("length");
        long pageSize = call.get("page_size");
        long last = iova + (length - 1);
        if (Long.compareUnsigned(last, iova) < 0 && length != 0 || length == 0 && iova != 0) {
            throw new IommufdException(Errno.EOVERFLOW); // check_add_overflow(iova, length - 1)
        }
        IoPagetable iopt = hwpt.ioas().iopt();
        long alignment = iopt.iovaAlignment();
        if ((iova & (alignment - 1)) != 0 || ((last + 1) & (alignment - 1)) != 0) {
            throw new IommufdException(Errno.EINVAL);
        }
        if (pageSize == 0 || (iova & (pageSize - 1)) != 0 || ((last + 1) & (pageSize - 1)) != 0) {
            throw new IommufdException(Errno.EINVAL);
        }
        boolean noClear = (flags & IOMMU_HWPT_GET_DIRTY_BITMAP_NO_CLEAR) != 0;
        synchronized (layer) {
            PagingDomain domain = hwpt.domain();
            if (domain == null || !domain.hasDirtyOps()) {
                throw new IommufdException(Errno.EOPNOTSUPP); // iommu_read_and_clear_dirty: no dirty ops
            }
            IovaBitmap bitmap = new IovaBitmap(call.memory(), call.get("data"), iova, length, pageSize);
            synchronized (iopt) {
                iopt.forEachContiguousArea(iova, last,
                        (start, runLast) -> domain.readAndClearDirty(start, runLast - start + 1, noClear, bitmap));
                if (!noClear) {
                    domain.syncDirty();
                }
            }
        }
        return 0;
    }

    /**
     * IOMMU_VIOMMU_ALLOC: flags and type DEFAULT (EOPNOTSUPP), dev_id (ENOENT), then the driver's
     * vIOMMU ops: the SPI has none yet, as for a driver without get_viommu_size/viommu_init
     * (viommu.c: iommufd_viommu_alloc_ioctl): EOPNOTSUPP.
     */
    public static long viommuAlloc(DeviceLayer layer, IoctlCall call) throws IommufdException {
        if (call.get("flags") != 0 || call.get("type") == IOMMU_VIOMMU_TYPE_DEFAULT) {
            throw new IommufdException(Errno.EOPNOTSUPP);
        }
        call.objects().get(call.id("dev_id"), ObjectType.DEVICE, DeviceObject.class);
        throw new IommufdException(Errno.EOPNOTSUPP);
    }

    /** clear_user, a page at a time. */
    private static void clearUser(IoctlCall call, long address, long length) throws IommufdException {
        byte[] zeros = new byte[4096];
        long done = 0;
        while (done < length) {
            int n = (int) Math.min(zeros.length, length - done);
            call.memory().copyToUser(address + done, zeros, 0, n);
            done += n;
        }
    }
}
