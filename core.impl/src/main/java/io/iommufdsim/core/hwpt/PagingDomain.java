package io.iommufdsim.core.hwpt;

import io.iommufdsim.api.IommufdException;
import io.iommufdsim.api.PageTableDump;
import io.iommufdsim.core.device.MachinePlatform;
import io.iommufdsim.core.device.PciDevice;
import io.iommufdsim.core.ioas.IoptDomain;
import io.iommufdsim.core.pt.DirtyRecorder;
import io.iommufdsim.core.pt.IotlbGather;
import io.iommufdsim.core.pt.PageTable;
import io.iommufdsim.spi.IommuDomain;
import io.iommufdsim.spi.IommuInstance;
import io.iommufdsim.spi.PageTableFeatures;
import io.iommufdsim.spi.PagingDomainSpec;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A paging iommu_domain: the page table the core's engine keeps in physical memory in the format a
 * driver chose, seen by the io_pagetable as an {@link IoptDomain} (iommu_map / iommu_unmap) and by
 * drivers as an {@link IommuDomain} (what their structures point to).
 *
 * <p>Every unmap call gathers one IOVA range (iommu_iotlb_gather) and, after the table change,
 * invalidates it in the IOTLB of every unit the domain is attached to, under the tag that unit gave
 * the domain (iommu_iotlb_sync → the driver's range flush); only then are freed table pages given
 * back. Map and unmap are serialized by the owning IOAS's lock; attachments change under the
 * device layer's lock and are read here without it.
 */
public final class PagingDomain implements IoptDomain, IommuDomain {
    /** One (device, PASID) translating through this domain; {@code pasidKey} 0 is the RID. */
    record Attachment(PciDevice device, int pasidKey) {
    }

    private final IommuInstance allocatedBy;
    private final PagingDomainSpec spec;
    private final int allocFlags;
    private final MachinePlatform platform;
    private final PageTable table;
    private final IotlbGather gather = new IotlbGather();
    private final List<Attachment> attachments = new CopyOnWriteArrayList<>();
    private boolean destroyed;
    /** dmar_domain->dirty_tracking: read by drivers on attach, changed under the device layer's lock. */
    private volatile boolean dirtyTrackingEnabled;
    /** iommu_domain->iopf_handler is set (a HWPT allocated with a fault object). */
    private volatile boolean faultHandler;

    /** Allocates the root table: ENOMEM when no table page is left. */
    public PagingDomain(IommuInstance allocatedBy, PagingDomainSpec spec, int allocFlags, MachinePlatform platform)
            throws IommufdException {
        this.allocatedBy = allocatedBy;
        this.spec = spec;
        this.allocFlags = allocFlags;
        this.platform = platform;
        this.table = new PageTable(spec.format(), platform.memory(), platform.tablePages());
        table.restrictPageSizes(spec.pageSizeBitmap());
        table.setFeatures(spec.features());
    }

    @Override
    public IommuInstance allocatedBy() {
        return allocatedBy;
    }

    @Override
    public PagingDomainSpec spec() {
        return spec;
    }

    @Override
    public long rootPa() {
        return table.rootPa();
    }

    @Override
    public int allocFlags() {
        return allocFlags;
    }

    @Override
    public long pgsizeBitmap() {
        return table.pageSizeBitmap();
    }

    @Override
    public long apertureStart() {
        return spec.apertureStart();
    }

    @Override
    public long apertureEnd() {
        return spec.apertureEnd();
    }

    /**
     * hwpt_paging->enforce_cache_coherency: the driver chose a format that forces snooping
     * (hw_pagetable.c: iommufd_hwpt_paging_enforce_cc at allocation; VT-d sets it when ECAP.SC, as
     * intel_iommu_capable reports IOMMU_CAP_ENFORCE_CACHE_COHERENCY).
     */
    @Override
    public boolean enforceCacheCoherency() {
        return (spec.features() & PageTableFeatures.FORCE_COHERENCE) != 0;
    }

    /** iommu_map: the engine picks the largest pages (iommu_pgsize); all or nothing. */
    @Override
    public void map(long iova, long paddr, long size, int prot) throws IommufdException {
        try {
            table.map(iova, paddr, size, prot, gather);
        } finally {
            sync();
        }
    }

    /** iommu_unmap: clears the range, then one IOTLB invalidation of the gathered range on every unit. */
    @Override
    public long unmap(long iova, long size) {
        long unmapped = table.unmap(iova, size, gather);
        sync();
        return unmapped;
    }

    /** iommu_iotlb_sync: the gathered range leaves every IOTLB, then the freed table pages go. */
    private void sync() {
        if (!gather.isEmpty()) {
            invalidateRange(gather.start(), gather.last());
        }
        gather.sync(platform.tablePages());
    }

    /** Invalidates [start, last] of this domain in the IOTLB of every unit it is attached to. */
    void invalidateRange(long start, long last) {
        // indexed, without a set of units done: an unmap allocates nothing (attachments are few)
        int n = attachments.size();
        for (int i = 0; i < n; i++) {
            Attachment a = attachments.get(i);
            io.iommufdsim.core.device.IommuUnit unit = a.device().unit();
            if (!unitSeenBefore(unit, i)) {
                int tag = unit.instance().domainTag(this);
                if (tag >= 0) {
                    unit.iotlb().invalidate(tag, io.iommufdsim.core.iotlb.Iotlb.ANY_PASID, start, last);
                }
            }
            a.device().countInvalidation();
        }
    }

    private boolean unitSeenBefore(io.iommufdsim.core.device.IommuUnit unit, int index) {
        for (int j = 0; j < index; j++) {
            if (attachments.get(j).device().unit() == unit) {
                return true;
            }
        }
        return false;
    }

    @Override
    public boolean hasFaultHandler() {
        return faultHandler;
    }

    /** hw_pagetable.c iommufd_hwpt_alloc: hwpt->domain->iopf_handler = iommufd_fault_iopf_handler. */
    void setFaultHandler() {
        faultHandler = true;
    }

    @Override
    public boolean dirtyTracking() {
        return dirtyTrackingEnabled;
    }

    /** Whether the domain was allocated with IOMMU_HWPT_ALLOC_DIRTY_TRACKING (it has dirty ops). */
    public boolean hasDirtyOps() {
        return (allocFlags & io.iommufdsim.api.uapi.UapiConstants.IOMMU_HWPT_ALLOC_DIRTY_TRACKING) != 0;
    }

    /**
     * dirty_ops->read_and_clear_dirty over [iova, iova + length); the cleared ranges are gathered and
     * invalidated by {@link #syncDirty()}. The caller holds the IOAS lock (serialized with map/unmap).
     */
    void readAndClearDirty(long iova, long length, boolean noClear, DirtyRecorder recorder) {
        table.readAndClearDirty(iova, length, noClear, recorder, gather);
    }

    /** iommu_iotlb_sync after read-and-clear: the cleaned leaves leave every IOTLB. */
    void syncDirty() {
        sync();
    }

    /**
     * dirty_ops->set_dirty_tracking (intel_iommu_set_dirty_tracking): a no-op when the state does not
     * change; otherwise every unit the domain is attached to switches its structures, in order, and on a
     * failure the units already switched are switched back (device_set_dirty_tracking's unwind) and the
     * error is returned with nothing changed. Then the cached translation configs of every attachment
     * and the domain's IOTLB entries on each unit go (the PASID-cache and IOTLB flushes). The caller
     * holds the device layer's lock.
     */
    void setDirtyTracking(boolean enable) throws IommufdException {
        if (enable == dirtyTrackingEnabled) {
            return;
        }
        List<io.iommufdsim.core.device.IommuUnit> units = attachedUnits();
        int done = 0;
        try {
            for (; done < units.size(); done++) {
                units.get(done).instance().setDirtyTracking(this, enable);
            }
        } catch (IommufdException | RuntimeException e) {
            for (int i = done - 1; i >= 0; i--) {
                try {
                    units.get(i).instance().setDirtyTracking(this, !enable);
                } catch (IommufdException restoreFailed) {
                    // as device_set_dirty_tracking, the unwind ignores a second failure
                }
            }
            throw e;
        }
        dirtyTrackingEnabled = enable;
        for (Attachment a : attachments) {
            a.device().dma().invalidateContext(a.pasidKey());
        }
        for (io.iommufdsim.core.device.IommuUnit unit : units) {
            int tag = unit.instance().domainTag(this);
            if (tag >= 0) {
                unit.iotlb().invalidateTag(tag, io.iommufdsim.core.iotlb.Iotlb.ANY_PASID);
            }
        }
    }

    /** The units of the attached devices, in attachment order, each once, with a tag for this domain. */
    private List<io.iommufdsim.core.device.IommuUnit> attachedUnits() {
        List<io.iommufdsim.core.device.IommuUnit> units = new ArrayList<>(2);
        for (Attachment a : attachments) {
            io.iommufdsim.core.device.IommuUnit unit = a.device().unit();
            if (!units.contains(unit) && unit.instance().domainTag(this) >= 0) {
                units.add(unit);
            }
        }
        return units;
    }

    void addAttachment(PciDevice device, int pasidKey) {
        attachments.add(new Attachment(device, pasidKey));
    }

    void removeAttachment(PciDevice device, int pasidKey) {
        attachments.remove(new Attachment(device, pasidKey));
    }

    /** The leaves of the table (SIM_PT_DUMP); the caller holds the IOAS lock. */
    PageTableDump dump() {
        return table.dump();
    }

    /** iommu_domain_free: every table page goes back to the pool. */
    void destroy() {
        if (!destroyed) {
            destroyed = true;
            table.destroy();
        }
    }

    @Override
    public String toString() {
        return "PagingDomain[" + spec.format().name() + " root=0x" + Long.toHexString(table.rootPa()) + "]";
    }
}
