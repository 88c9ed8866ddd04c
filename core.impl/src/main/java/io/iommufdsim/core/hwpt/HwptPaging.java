package io.iommufdsim.core.hwpt;

import io.iommufdsim.api.PageTableDump;
import io.iommufdsim.core.device.DeviceLayer;
import io.iommufdsim.core.device.IommuUnit;
import io.iommufdsim.core.ioas.IoasObject;
import io.iommufdsim.core.iommufd.IommufdContext;
import io.iommufdsim.core.iommufd.IommufdObject;
import io.iommufdsim.core.iommufd.ObjectType;
import io.iommufdsim.core.iommufd.PageTableDumpSource;

/**
 * A HWPT_PAGING object (iommufd_private.h: struct iommufd_hwpt_paging): a kernel-managed paging
 * domain kept identical to its IOAS. It holds a user on its IOAS (and on its fault object); each
 * attachment of a device holds a user on it. An auto domain (made by attaching a device to an IOAS)
 * is destroyed when its last device leaves (hw_pagetable.c: iommufd_hw_pagetable_put).
 */
public final class HwptPaging extends IommufdObject implements PageTableDumpSource {
    private final DeviceLayer layer;
    private final IommufdContext context;
    private final IommuUnit unit;
    private final IoasObject ioas;
    private final boolean nestParent;
    private final boolean pasidCompat;
    private final boolean dirtyTracking;
    private PagingDomain domain;
    private boolean ioasHeld;
    private boolean inIoas;
    private boolean autoDomain;
    private IommufdObject fault;

    HwptPaging(DeviceLayer layer, IommufdContext context, IommuUnit unit, IoasObject ioas, int flags) {
        super(ObjectType.HWPT_PAGING);
        this.layer = layer;
        this.context = context;
        this.unit = unit;
        this.ioas = ioas;
        this.nestParent = (flags & io.iommufdsim.api.uapi.UapiConstants.IOMMU_HWPT_ALLOC_NEST_PARENT) != 0;
        this.pasidCompat = (flags & io.iommufdsim.api.uapi.UapiConstants.IOMMU_HWPT_ALLOC_PASID) != 0;
        this.dirtyTracking = (flags & io.iommufdsim.api.uapi.UapiConstants.IOMMU_HWPT_ALLOC_DIRTY_TRACKING) != 0;
    }

    public IommufdContext context() {
        return context;
    }

    public IoasObject ioas() {
        return ioas;
    }

    /** The unit whose driver chose the domain's format (hot-plug destroys the HWPT with it). */
    public IommuUnit unit() {
        return unit;
    }

    public PagingDomain domain() {
        return domain;
    }

    public boolean isAutoDomain() {
        return autoDomain;
    }

    public boolean isNestParent() {
        return nestParent;
    }

    public boolean isPasidCompat() {
        return pasidCompat;
    }

    public boolean isDirtyTracking() {
        return dirtyTracking;
    }

    void holdIoas() {
        ioas.addUser();
        ioasHeld = true;
    }

    void setDomain(PagingDomain d) {
        domain = d;
    }

    void addedToIoas() {
        inIoas = true;
        layer.hwptList(ioas).add(this);
    }

    void markAuto() {
        autoDomain = true;
    }

    void setFault(IommufdObject f) {
        f.addUser();
        fault = f;
        domain.setFaultHandler();
    }

    @Override
    public PageTableDump pageTableDump() {
        synchronized (ioas.iopt()) {
            return domain.dump();
        }
    }

    /** iommufd_hwpt_paging_destroy: leaves the IOAS (unmapping everything), frees the table, drops its users. */
    @Override
    protected void destroy() {
        synchronized (layer) {
            if (inIoas) {
                inIoas = false;
                layer.hwptList(ioas).remove(this);
                layer.pruneHwptList(ioas);
                ioas.iopt().removeDomain(domain);
            }
            if (domain != null) {
                domain.destroy();
                domain = null;
            }
            unit.hwpts().remove(this);
            if (ioasHeld) {
                ioasHeld = false;
                ioas.dropUser();
            }
            if (fault != null) {
                fault.dropUser();
                fault = null;
            }
        }
    }

    @Override
    public String toString() {
        return super.toString() + (autoDomain ? "(auto)" : "");
    }
}
