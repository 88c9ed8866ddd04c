package io.iommufdsim.core.hwpt;

import static io.iommufdsim.api.uapi.UapiConstants.IOMMU_HWPT_ALLOC_DIRTY_TRACKING;
import static io.iommufdsim.api.uapi.UapiConstants.IOMMU_HWPT_ALLOC_NEST_PARENT;
import static io.iommufdsim.api.uapi.UapiConstants.IOMMU_HWPT_ALLOC_PASID;
import static io.iommufdsim.api.uapi.UapiConstants.IOMMU_HWPT_FAULT_ID_VALID;

import io.iommufdsim.api.Errno;
import io.iommufdsim.api.IommufdException;
import io.iommufdsim.api.IovaRange;
import io.iommufdsim.core.device.DeviceLayer;
import io.iommufdsim.core.device.DeviceObject;
import io.iommufdsim.core.device.IommuUnit;
import io.iommufdsim.core.device.PciDevice;
import io.iommufdsim.core.ioas.IoPagetable;
import io.iommufdsim.core.ioas.IoasObject;
import io.iommufdsim.core.iommufd.IoctlCall;
import io.iommufdsim.core.iommufd.IommufdContext;
import io.iommufdsim.core.iommufd.IommufdObject;
import io.iommufdsim.core.iommufd.ObjectTable;
import io.iommufdsim.core.iotlb.Iotlb;
import io.iommufdsim.spi.IommuInstance;
import io.iommufdsim.spi.PagingDomainSpec;
import java.util.ArrayList;
import java.util.List;

/**
 * Attach, replace and detach of a device (RID or PASID) to a HWPT or an IOAS, and the allocation of
 * paging HWPTs (drivers/iommu/iommufd/device.c: iommufd_device_attach, iommufd_device_replace,
 * iommufd_device_detach, iommufd_device_auto_get_domain, iommufd_hw_pagetable_attach/detach,
 * iommufd_device_do_replace; hw_pagetable.c: iommufd_hwpt_paging_alloc). PASIDs use the kernel's
 * numbering: 0 is IOMMU_NO_PASID, the RID. Each device is its own iommu_group.
 *
 * <p>All of it runs under the device layer's lock; the IOAS lock is taken inside (reservations,
 * domain add/remove). A failing call leaves no state behind.
 */
public final class DeviceAttach {
    /** IOMMU_NO_PASID. */
    public static final int NO_PASID = 0;

    private static final int VALID_PAGING_FLAGS = IOMMU_HWPT_ALLOC_NEST_PARENT | IOMMU_HWPT_ALLOC_DIRTY_TRACKING
            | IOMMU_HWPT_FAULT_ID_VALID | IOMMU_HWPT_ALLOC_PASID;

    private enum Mode { ATTACH, REPLACE }

    private DeviceAttach() {
    }

    /** iommufd_device_attach: returns the pt_id to report (the auto HWPT's id for an IOAS). */
    public static int attach(DeviceLayer layer, DeviceObject idev, int pasid, int ptId) throws IommufdException {
        int out = changePt(layer, idev, pasid, ptId, Mode.ATTACH);
        idev.addUser(); // pairs with detach
        return out;
    }

    /** iommufd_device_replace: EINVAL unless (device, pasid) is attached; no change on failure. */
    public static int replace(DeviceLayer layer, DeviceObject idev, int pasid, int ptId) throws IommufdException {
        return changePt(layer, idev, pasid, ptId, Mode.REPLACE);
    }

    /** iommufd_device_detach: a silent no-op when nothing is attached there. */
    public static void detach(DeviceObject idev, int pasid) {
        if (detachHwpt(idev, pasid, true)) {
            idev.dropUser();
        }
    }

    /** iommufd_device_change_pt. */
    private static int changePt(DeviceLayer layer, DeviceObject idev, int pasid, int ptId, Mode mode)
            throws IommufdException {
        // iommufd_get_object(IOMMUFD_OBJ_ANY): the pt is held for the call, so that a concurrent
        // IOMMU_DESTROY of it gets EBUSY instead of freeing what the attach is using
        ObjectTable objects = idev.context().objects();
        IommufdObject pt = objects.getHeld(ptId, null);
        try {
            HwptPaging destroy;
            int out = ptId;
            switch (pt.type()) {
                case HWPT_PAGING -> destroy = apply(mode, layer, idev, pasid, (HwptPaging) pt);
                case IOAS -> {
                    IoasObject ioas = (IoasObject) pt;
                    HwptPaging[] old = new HwptPaging[1];
                    out = autoGetDomain(layer, idev, pasid, ioas, mode, old);
                    destroy = old[0];
                }
                default -> throw new IommufdException(Errno.EINVAL);
            }
            if (destroy != null) {
                hwptPut(destroy);
            }
            return out;
        } finally {
            objects.put(pt); // iommufd_put_object
        }
    }

    private static HwptPaging apply(Mode mode, DeviceLayer layer, DeviceObject idev, int pasid, HwptPaging hwpt)
            throws IommufdException {
        if (mode == Mode.ATTACH) {
            doAttach(layer, idev, pasid, hwpt);
            return null;
        }
        return doReplace(layer, idev, pasid, hwpt);
    }

    /**
     * iommufd_device_auto_get_domain: the first auto HWPT of the IOAS (in creation order) that takes
     * the device — EINVAL means incompatible, try the next — else a new auto HWPT.
     */
    private static int autoGetDomain(DeviceLayer layer, DeviceObject idev, int pasid, IoasObject ioas, Mode mode,
            HwptPaging[] destroy) throws IommufdException {
        for (HwptPaging hwpt : new ArrayList<>(layer.hwptList(ioas))) {
            if (!hwpt.isAutoDomain()) {
                continue;
            }
            try {
                destroy[0] = apply(mode, layer, idev, pasid, hwpt);
                return hwpt.id();
            } catch (IommufdException e) {
                if (e.errno() != Errno.EINVAL) {
                    throw e;
                }
            }
        }
        IommufdContext ctx = idev.context();
        HwptPaging hwpt = allocPaging(layer, ctx, ioas, idev, pasid, 0, mode == Mode.ATTACH, null, false);
        if (mode == Mode.REPLACE) {
            try {
                destroy[0] = doReplace(layer, idev, pasid, hwpt);
            } catch (IommufdException | RuntimeException e) {
                ctx.objects().abortAndDestroy(hwpt);
                throw e;
            }
        }
        hwpt.markAuto();
        ctx.objects().publish(hwpt);
        return hwpt.id();
    }

    /**
     * iommufd_hwpt_paging_alloc: a paging HWPT on {@code ioas} whose format the device's IOMMU
     * chooses, attached to (idev, pasid) first when {@code immediateAttach}, then added to the IOAS
     * (aperture reservations, alignment, filled with every area). With {@code call} the id is the
     * ioctl's object (the dispatcher publishes or aborts it); otherwise it is reserved here, aborted
     * here on failure and published by the caller.
     */
    static HwptPaging allocPaging(DeviceLayer layer, IommufdContext ctx, IoasObject ioas, DeviceObject idev, int pasid,
            int flags, boolean immediateAttach, IoctlCall call, boolean hasUserData) throws IommufdException {
        IommuUnit unit = idev.device().unit();
        if ((flags & ~VALID_PAGING_FLAGS) != 0) {
            throw new IommufdException(Errno.EOPNOTSUPP);
        }
        if ((flags & IOMMU_HWPT_ALLOC_DIRTY_TRACKING) != 0 && !unit.instance().capabilities().dirtyTracking()) {
            throw new IommufdException(Errno.EOPNOTSUPP);
        }
        if ((flags & IOMMU_HWPT_FAULT_ID_VALID) != 0 && (flags & IOMMU_HWPT_ALLOC_NEST_PARENT) != 0) {
            throw new IommufdException(Errno.EOPNOTSUPP);
        }
        HwptPaging hwpt = new HwptPaging(layer, ctx, unit, ioas, flags);
        if (call != null) {
            call.allocObject(hwpt);
        } else {
            ctx.objects().reserve(hwpt);
        }
        try {
            hwpt.holdIoas();
            if (hasUserData) {
                // every driver's domain_alloc_paging_flags refuses user data for a paging domain
                throw new IommufdException(Errno.EOPNOTSUPP);
            }
            int domainFlags = flags & ~IOMMU_HWPT_FAULT_ID_VALID;
            PagingDomainSpec spec = unit.instance().allocatePagingDomain(idev.device(), domainFlags);
            if ((domainFlags & IOMMU_HWPT_ALLOC_DIRTY_TRACKING) != 0 && spec.format().dirtyBits().isEmpty()) {
                throw new IllegalStateException(unit + " gave a dirty-tracking domain a format without dirty bits");
            }
            hwpt.setDomain(new PagingDomain(unit.instance(), spec, domainFlags, layer.platform()));
            unit.hwpts().add(hwpt);
            if (immediateAttach) {
                doAttach(layer, idev, pasid, hwpt);
            }
            try {
                ioas.iopt().addDomain(hwpt.domain());
            } catch (IommufdException | RuntimeException e) {
                if (immediateAttach) {
                    detachHwpt(idev, pasid, false);
                }
                throw e;
            }
            hwpt.addedToIoas();
            return hwpt;
        } catch (IommufdException | RuntimeException e) {
            if (call == null) {
                ctx.objects().abortAndDestroy(hwpt);
            }
            throw e;
        }
    }

    /** iommufd_hw_pagetable_attach for a single-device group. */
    private static void doAttach(DeviceLayer layer, DeviceObject idev, int pasid, HwptPaging hwpt)
            throws IommufdException {
        if (idev.attached().containsKey(pasid)) {
            throw new IommufdException(Errno.EBUSY);
        }
        PciDevice dev = idev.device();
        boolean attachResv = pasid == NO_PASID;
        if (attachResv) {
            enforceReservedRegions(dev, hwpt.ioas().iopt());
        }
        try {
            pasidCompat(hwpt, idev, pasid);
            checkOwner(hwpt, dev);
            if (pasid != NO_PASID && dev.pasidBits() > 0
                    && Integer.toUnsignedLong(pasid) >= (1L << dev.pasidBits())) {
                throw new IommufdException(Errno.EINVAL); // iommu_attach_device_pasid: pasid >= max_pasids
            }
            program(dev, pasid, hwpt.domain(), null);
        } catch (IommufdException | RuntimeException e) {
            if (attachResv) {
                hwpt.ioas().iopt().removeReservedIova(dev);
            }
            throw e;
        }
        hwpt.addUser();
        idev.attached().put(pasid, hwpt);
    }

    /** iommufd_device_do_replace: returns the old HWPT for the caller to put, or null for a no-op. */
    private static HwptPaging doReplace(DeviceLayer layer, DeviceObject idev, int pasid, HwptPaging hwpt)
            throws IommufdException {
        HwptPaging old = (HwptPaging) idev.attached().get(pasid);
        if (old == null) {
            throw new IommufdException(Errno.EINVAL);
        }
        if (old == hwpt) {
            return null;
        }
        PciDevice dev = idev.device();
        boolean moveResv = pasid == NO_PASID && old.ioas() != hwpt.ioas();
        if (moveResv) {
            enforceReservedRegions(dev, hwpt.ioas().iopt());
        }
        try {
            pasidCompat(hwpt, idev, pasid);
            checkOwner(hwpt, dev);
            program(dev, pasid, hwpt.domain(), old.domain());
        } catch (IommufdException | RuntimeException e) {
            // Linux drops the group's reservations in the new IOAS even when it is the old one
            // (device.c: err_unresv); the simulator keeps them then, so that a failed replace
            // changes nothing (scenario-format.md).
            if (moveResv) {
                hwpt.ioas().iopt().removeReservedIova(dev);
            }
            throw e;
        }
        if (moveResv) {
            old.ioas().iopt().removeReservedIova(dev);
        }
        idev.attached().put(pasid, hwpt);
        hwpt.addUser();
        return old;
    }

    /**
     * iommufd_hw_pagetable_detach: blocks (device, pasid), drops the device's reservations for a RID
     * detach and releases the HWPT ({@code put}: destroy an auto domain left unused; without it, as
     * on the unwind of a half-made auto domain, only its user is dropped). False if nothing was there.
     */
    private static boolean detachHwpt(DeviceObject idev, int pasid, boolean put) {
        HwptPaging hwpt = (HwptPaging) idev.attached().remove(pasid);
        if (hwpt == null) {
            return false;
        }
        PciDevice dev = idev.device();
        IommuUnit unit = dev.unit();
        int oldTag = unit.instance().domainTag(hwpt.domain());
        unit.instance().block(dev, spiPasid(pasid));
        hwpt.domain().removeAttachment(dev, pasid);
        flushOld(unit, dev, hwpt.domain(), oldTag, pasid);
        if (pasid == NO_PASID) {
            hwpt.ioas().iopt().removeReservedIova(dev);
        }
        if (put) {
            hwptPut(hwpt);
        } else {
            hwpt.dropUser();
        }
        return true;
    }

    /** iommufd_hw_pagetable_put: an auto HWPT goes with its last user; others only lose one user. */
    private static void hwptPut(HwptPaging hwpt) {
        if (hwpt.isAutoDomain()) {
            try {
                hwpt.context().objects().removeHeld(hwpt, false); // iommufd_object_put_and_try_destroy
            } catch (IommufdException stillUsed) {
                // another device still uses it: only its reference went
            }
        } else {
            hwpt.dropUser();
        }
    }

    /** iommufd_hwpt_pasid_compat. */
    private static void pasidCompat(HwptPaging hwpt, DeviceObject idev, int pasid) throws IommufdException {
        if (pasid == NO_PASID) {
            if (!hwpt.isPasidCompat() && idev.attached().keySet().stream().anyMatch(p -> p != NO_PASID)) {
                throw new IommufdException(Errno.EINVAL);
            }
        } else {
            if (!hwpt.isPasidCompat()) {
                throw new IommufdException(Errno.EINVAL);
            }
            IommufdObject rid = idev.attached().get(NO_PASID);
            if (rid instanceof HwptPaging r && !r.isPasidCompat()) {
                throw new IommufdException(Errno.EINVAL);
            }
        }
    }

    /** iommu.c domain_iommu_ops_compatible: a domain of another IOMMU driver cannot be attached. */
    private static void checkOwner(HwptPaging hwpt, PciDevice dev) throws IommufdException {
        if (!hwpt.unit().driverName().equals(dev.unit().driverName())) {
            throw new IommufdException(Errno.EINVAL);
        }
    }

    /** iopt_table_enforce_dev_resv_regions: EADDRINUSE over an area or an allowed range; all or nothing. */
    private static void enforceReservedRegions(PciDevice dev, IoPagetable iopt) throws IommufdException {
        List<IovaRange> regions = dev.unit().reservedRegionsOf(dev);
        try {
            for (IovaRange r : regions) {
                iopt.reserveIova(r.start(), r.last(), dev);
            }
        } catch (IommufdException | RuntimeException e) {
            iopt.removeReservedIova(dev);
            throw e;
        }
    }

    /**
     * The driver programs (device, pasid) to {@code domain}, replacing {@code old} without a blocked
     * window; then the old domain's IOTLB entries for that PASID and the cached context go.
     */
    private static void program(PciDevice dev, int pasid, PagingDomain domain, PagingDomain old)
            throws IommufdException {
        IommuUnit unit = dev.unit();
        if (domain.hasDirtyOps() && !unit.instance().capabilities().dirtyTracking()) {
            // every driver's attach refuses a dirty-tracking domain on a unit without A/D support
            // (intel/iommu.c paging_domain_compatible: !ssads_supported; selftest enforce_dirty)
            throw new IommufdException(Errno.EINVAL);
        }
        int oldTag = old == null ? -1 : unit.instance().domainTag(old);
        unit.instance().attach(dev, spiPasid(pasid), domain);
        domain.addAttachment(dev, pasid);
        if (old != null) {
            old.removeAttachment(dev, pasid);
            flushOld(unit, dev, old, oldTag, pasid);
        } else {
            dev.dma().invalidateContext(pasid);
        }
    }

    /** The flush Linux issues when a (device, pasid) leaves a domain: its entries, or every entry of a freed tag. */
    private static void flushOld(IommuUnit unit, PciDevice dev, PagingDomain old, int oldTag, int pasid) {
        if (oldTag >= 0) {
            unit.iotlb().invalidateTag(oldTag, pasid);
            if (unit.instance().domainTag(old) < 0) {
                unit.iotlb().invalidateTag(oldTag, Iotlb.ANY_PASID);
            }
            dev.countInvalidation();
        }
        dev.dma().invalidateContext(pasid);
    }

    private static int spiPasid(int pasid) {
        return pasid == NO_PASID ? IommuInstance.NO_PASID : pasid;
    }
}
