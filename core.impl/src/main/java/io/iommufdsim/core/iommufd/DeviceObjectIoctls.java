package io.iommufdsim.core.iommufd;

import static io.iommufdsim.api.uapi.UapiConstants.IOMMU_HWPT_DATA_NONE;
import static io.iommufdsim.api.uapi.UapiConstants.IOMMU_HWPT_DIRTY_TRACKING_ENABLE;
import static io.iommufdsim.api.uapi.UapiConstants.IOMMU_HWPT_GET_DIRTY_BITMAP_NO_CLEAR;
import static io.iommufdsim.api.uapi.UapiConstants.IOMMU_HW_INFO_FLAG_INPUT_TYPE;
import static io.iommufdsim.api.uapi.UapiConstants.IOMMU_HW_QUEUE_TYPE_DEFAULT;
import static io.iommufdsim.api.uapi.UapiConstants.IOMMU_VEVENTQ_TYPE_DEFAULT;
import static io.iommufdsim.api.uapi.UapiConstants.IOMMU_VIOMMU_TYPE_DEFAULT;

import io.iommufdsim.api.Errno;
import io.iommufdsim.api.IommufdException;
import io.iommufdsim.api.uapi.IoctlCommand;

/**
 * The device, HWPT and vIOMMU ioctls of a machine whose device layer is not loaded: no DEVICE,
 * HWPT_PAGING, HWPT_NESTED or VIOMMU object can exist in any context, so each ioctl runs the kernel's
 * checks in the kernel's order up to its first object lookup, and that lookup fails as it would in a
 * kernel with no bound device. The device layer registers its own full handlers instead of these
 * ({@link #registerInto} is the machine's choice while it has none).
 *
 * <p>A lookup that succeeds here means an object of a device-layer type exists without the device
 * layer: a wiring error of the machine, reported as {@link IllegalStateException}.
 */
public final class DeviceObjectIoctls {
    private DeviceObjectIoctls() {
    }

    /**
     * The ioctls whose objects (nested HWPTs, vIOMMUs) no loaded driver can create yet, for a machine
     * whose device layer serves HWPT_ALLOC, GET_HW_INFO, the dirty-tracking ioctls and VIOMMU_ALLOC.
     */
    public static void registerNestingInto(HandlerTable table) {
        table.register(IoctlCommand.IOMMU_HWPT_INVALIDATE, DeviceObjectIoctls::invalidate)
                .register(IoctlCommand.IOMMU_VDEVICE_ALLOC, DeviceObjectIoctls::vdeviceAlloc)
                .register(IoctlCommand.IOMMU_VEVENTQ_ALLOC, DeviceObjectIoctls::veventqAlloc)
                .register(IoctlCommand.IOMMU_HW_QUEUE_ALLOC, DeviceObjectIoctls::hwQueueAlloc);
    }

    public static void registerInto(HandlerTable table) {
        table.register(IoctlCommand.IOMMU_HWPT_ALLOC, DeviceObjectIoctls::hwptAlloc)
                .register(IoctlCommand.IOMMU_GET_HW_INFO, DeviceObjectIoctls::getHwInfo)
                .register(IoctlCommand.IOMMU_HWPT_SET_DIRTY_TRACKING, DeviceObjectIoctls::setDirtyTracking)
                .register(IoctlCommand.IOMMU_HWPT_GET_DIRTY_BITMAP, DeviceObjectIoctls::getDirtyBitmap)
                .register(IoctlCommand.IOMMU_HWPT_INVALIDATE, DeviceObjectIoctls::invalidate)
                .register(IoctlCommand.IOMMU_VIOMMU_ALLOC, DeviceObjectIoctls::viommuAlloc)
                .register(IoctlCommand.IOMMU_VDEVICE_ALLOC, DeviceObjectIoctls::vdeviceAlloc)
                .register(IoctlCommand.IOMMU_VEVENTQ_ALLOC, DeviceObjectIoctls::veventqAlloc)
                .register(IoctlCommand.IOMMU_HW_QUEUE_ALLOC, DeviceObjectIoctls::hwQueueAlloc);
    }

    /** hw_pagetable.c: iommufd_hwpt_alloc — __reserved, data_type/data_len pairing, then dev_id. */
    static long hwptAlloc(IoctlCall call) throws IommufdException {
        if (call.get("__reserved") != 0) {
            throw new IommufdException(Errno.EOPNOTSUPP);
        }
        boolean none = call.get("data_type") == IOMMU_HWPT_DATA_NONE;
        boolean hasData = call.get("data_len") != 0;
        if (none == hasData) {
            throw new IommufdException(Errno.EINVAL);
        }
        throw unexpected(call.objects().get(call.id("dev_id"), ObjectType.DEVICE));
    }

    /** device.c: iommufd_get_hw_info — flags, the three __reserved bytes, then dev_id. */
    static long getHwInfo(IoctlCall call) throws IommufdException {
        if ((call.get("flags") & ~(long) IOMMU_HW_INFO_FLAG_INPUT_TYPE) != 0) {
            throw new IommufdException(Errno.EOPNOTSUPP);
        }
        if (call.get("__reserved") != 0) {
            throw new IommufdException(Errno.EOPNOTSUPP);
        }
        throw unexpected(call.objects().get(call.id("dev_id"), ObjectType.DEVICE));
    }

    /** hw_pagetable.c: iommufd_hwpt_set_dirty_tracking — flags (not __reserved), then a paging HWPT. */
    static long setDirtyTracking(IoctlCall call) throws IommufdException {
        if ((call.get("flags") & ~(long) IOMMU_HWPT_DIRTY_TRACKING_ENABLE) != 0) {
            throw new IommufdException(Errno.EOPNOTSUPP);
        }
        throw unexpected(call.objects().get(call.id("hwpt_id"), ObjectType.HWPT_PAGING));
    }

    /** hw_pagetable.c: iommufd_hwpt_get_dirty_bitmap — flags and __reserved, then a paging HWPT. */
    static long getDirtyBitmap(IoctlCall call) throws IommufdException {
        if ((call.get("flags") & ~(long) IOMMU_HWPT_GET_DIRTY_BITMAP_NO_CLEAR) != 0 || call.get("__reserved") != 0) {
            throw new IommufdException(Errno.EOPNOTSUPP);
        }
        throw unexpected(call.objects().get(call.id("hwpt_id"), ObjectType.HWPT_PAGING));
    }

    /**
     * hw_pagetable.c: iommufd_hwpt_invalidate. Every outcome writes the struct back with entry_num set
     * to the entries handled (none here); a failing write-back turns the result into EFAULT.
     */
    static long invalidate(IoctlCall call) throws IommufdException {
        IommufdException failure;
        if (call.get("__reserved") != 0) {
            failure = new IommufdException(Errno.EOPNOTSUPP);
        } else if (call.get("entry_num") != 0 && (call.get("data_uptr") == 0 || call.get("entry_len") == 0)) {
            failure = new IommufdException(Errno.EINVAL);
        } else {
            failure = invalidateTarget(call);
        }
        call.set("entry_num", 0);
        call.respond();
        throw failure;
    }

    private static IommufdException invalidateTarget(IoctlCall call) {
        IommufdObject target;
        try {
            target = call.objects().get(call.id("hwpt_id"));
        } catch (IommufdException missing) {
            return missing;
        }
        if (target.type() == ObjectType.HWPT_NESTED || target.type() == ObjectType.VIOMMU) {
            throw unexpected(target);
        }
        // a paging HWPT, an IOAS or anything else cannot take cache invalidations
        return new IommufdException(Errno.EINVAL);
    }

    /** viommu.c: iommufd_viommu_alloc_ioctl — flags and type DEFAULT, then dev_id. */
    static long viommuAlloc(IoctlCall call) throws IommufdException {
        if (call.get("flags") != 0 || call.get("type") == IOMMU_VIOMMU_TYPE_DEFAULT) {
            throw new IommufdException(Errno.EOPNOTSUPP);
        }
        throw unexpected(call.objects().get(call.id("dev_id"), ObjectType.DEVICE));
    }

    /**
     * viommu.c: iommufd_vdevice_alloc_ioctl — virt_id &gt; ULONG_MAX is impossible with a 64-bit
     * unsigned long, so the first check is the viommu_id lookup.
     */
    static long vdeviceAlloc(IoctlCall call) throws IommufdException {
        throw unexpected(call.objects().get(call.id("viommu_id"), ObjectType.VIOMMU));
    }

    /** eventq.c: iommufd_veventq_alloc — flags, __reserved, type DEFAULT; depth 0; then viommu_id. */
    static long veventqAlloc(IoctlCall call) throws IommufdException {
        if (call.get("flags") != 0 || call.get("__reserved") != 0 || call.get("type") == IOMMU_VEVENTQ_TYPE_DEFAULT) {
            throw new IommufdException(Errno.EOPNOTSUPP);
        }
        if (call.get("veventq_depth") == 0) {
            throw new IommufdException(Errno.EINVAL);
        }
        throw unexpected(call.objects().get(call.id("viommu_id"), ObjectType.VIOMMU));
    }

    /** viommu.c: iommufd_hw_queue_alloc_ioctl — flags/type, length 0, iova + length - 1 overflow, then viommu_id. */
    static long hwQueueAlloc(IoctlCall call) throws IommufdException {
        if (call.get("flags") != 0 || call.get("type") == IOMMU_HW_QUEUE_TYPE_DEFAULT) {
            throw new IommufdException(Errno.EOPNOTSUPP);
        }
        long length = call.get("length");
        if (length == 0) {
            throw new IommufdException(Errno.EINVAL);
        }
        long iova = call.get("nesting_parent_iova");
        if (Long.compareUnsigned(iova + (length - 1), iova) < 0) { // check_add_overflow
            throw new IommufdException(Errno.EOVERFLOW);
        }
        throw unexpected(call.objects().get(call.id("viommu_id"), ObjectType.VIOMMU));
    }

    private static IllegalStateException unexpected(IommufdObject object) {
        return new IllegalStateException(object + " exists, but this machine has no device layer");
    }
}
