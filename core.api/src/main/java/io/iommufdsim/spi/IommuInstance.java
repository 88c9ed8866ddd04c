package io.iommufdsim.spi;

import io.iommufdsim.api.IommufdException;
import io.iommufdsim.api.IovaRange;
import java.util.List;
import org.osgi.annotation.versioning.ConsumerType;

/**
 * One IOMMU unit of a simulated machine (a VT-d DRHD, an SMMUv3, an AMD IOMMU, an s390 zPCI
 * function's translation), made by {@link IommuDriver#createInstance}. It is a dictionary of hardware
 * facts plus the code that reads and writes the unit's own translation structures; every algorithm
 * that is the same for all vendors (page-table map/unmap/walk, the IOTLB, the iommufd object rules)
 * stays in the core.
 *
 * <h2>Life of a device and what the core calls</h2>
 * <ol>
 * <li>SIM_DEVICE_ADD: nothing is called; the device's structures are still empty (DMA is blocked).</li>
 * <li>VFIO_DEVICE_BIND_IOMMUFD: {@link #block}(device, {@link #NO_PASID}) — the device is
 * DMA-owned by the user and blocked until it is attached.</li>
 * <li>IOMMU_HWPT_ALLOC (paging) and the first attach of a device to an IOAS (auto domain):
 * {@link #allocatePagingDomain}; the core then builds the empty page table (the root comes from the
 * platform's {@link TablePageAllocator}) and wraps it as an {@link IommuDomain}.</li>
 * <li>Attach / replace of the RID or a PASID: {@link #attach}(device, pasid, domain). When the
 * (device, pasid) already uses another domain, this is a replace: the structures must switch to the
 * new domain with no blocked window, and on failure keep the old one.</li>
 * <li>Detach: {@link #block}(device, pasid) — for a PASID the entry is cleared; for the RID the
 * device is blocked again. Unbind (closing the VFIO cdev, SIM_DEVICE_CLOSE, driver stop):
 * {@link #block} of every attached PASID, then of the RID.</li>
 * <li>Every DMA whose (device, pasid) is not in the core's context cache:
 * {@link #readTranslation}(device, pasid). The core caches the answer until it next calls
 * {@link #attach} or {@link #block} for that (device, pasid); it invalidates its IOTLB entries for the
 * old domain's tag itself (the flush Linux issues on detach/replace), and, whenever a map or unmap
 * of a domain needs it, the entries of {@link #domainTag}(domain).</li>
 * <li>Driver stop or machine close: {@link #release()}.</li>
 * </ol>
 * Calls for one instance are serialized by the core (never two at once), except
 * {@link #readTranslation}, which may run concurrently with anything and must read only memory
 * (as hardware does) or immutable state.
 */
@ConsumerType
public interface IommuInstance {
    /** The pasid argument meaning "the RID itself" (DMA without a PASID prefix; VT-d RID_PASID). */
    int NO_PASID = -1;

    /** The instance name: the driver's name for the default instance, or SIM_IOMMU_ADD's {@code name}. */
    String name();

    IommuCapabilities capabilities();

    /**
     * IOMMU_GET_HW_INFO for {@code device} (iommu_ops.hw_info). {@code requestedType} is the
     * user's {@code in_data_type} when IOMMU_HW_INFO_FLAG_INPUT_TYPE is set, else 0 (DEFAULT):
     * DEFAULT or the vendor's own type gives the vendor struct; any other type is
     * {@link io.iommufdsim.api.Errno#EOPNOTSUPP}.
     */
    HwInfo hwInfo(IommuDevice device, int requestedType) throws IommufdException;

    /**
     * Chooses the format of a new paging domain for {@code device} (iommu_ops.domain_alloc_paging_flags).
     * {@code flags} are IOMMU_HWPT_ALLOC_* bits among NEST_PARENT (1), DIRTY_TRACKING (2) and PASID (8);
     * 0 for an auto domain. The core has already refused unknown flags, DIRTY_TRACKING without
     * {@link IommuCapabilities#dirtyTracking()} and user data; the driver refuses what its hardware
     * cannot do with {@link io.iommufdsim.api.Errno#EOPNOTSUPP} (VT-d: NEST_PARENT without
     * nesting, PASID without PASID support, NEST_PARENT/DIRTY_TRACKING without second-stage
     * support) and picks the format (VT-d: second stage for NEST_PARENT or DIRTY_TRACKING, else first
     * stage when ECAP.FLTS, else second stage). Nothing is allocated here.
     */
    PagingDomainSpec allocatePagingDomain(IommuDevice device, int flags) throws IommufdException;

    /**
     * The reserved regions the vendor reports for {@code device} (iommu_get_resv_regions without the
     * "direct-relaxable" kind): VT-d and AMD-Vi the interrupt window 0xfee00000-0xfeefffff, SMMUv3
     * the software MSI window 0x8000000-0x80fffff. The core adds the instance's {@code reserved}
     * config ranges and the device's own; do not repeat them here.
     */
    List<IovaRange> reservedRegions(IommuDevice device);

    /**
     * Programs the unit's structures so that DMA from (device, pasid) translates through
     * {@code domain} (VT-d: root entry → scalable-mode context entry → PASID directory → PASID-table
     * entry with PGTT, root pointer, AW/FLPM and the DID; SMMUv3: STE (and CD); AMD: DTE), allocating
     * structure pages from the platform's {@link TablePageAllocator} as needed, and a domain id on
     * this unit the first time {@code domain} is attached here. {@code domain} may come from another
     * instance (an auto domain shared by devices of several units): refuse it with
     * {@link io.iommufdsim.api.Errno#EINVAL} when this unit cannot use it (format or width it cannot
     * walk, dirty tracking it lacks, another vendor's domain) — EINVAL tells the core to try another
     * domain. Other errno fail the attach (ENOMEM, ENOSPC when domain ids run out). On failure the
     * structures are unchanged. {@code pasid} is {@link #NO_PASID} or a PASID ≥ 1; when the device has
     * PASID bits the core has checked it is below 2^pasidBits (iommu.c: iommu_attach_device_pasid
     * skips that check for a device without PASID support, so the driver sees any value then and
     * refuses it as its hardware would — VT-d: EOPNOTSUPP without PASID support).
     */
    void attach(IommuDevice device, int pasid, IommuDomain domain) throws IommufdException;

    /**
     * Blocks DMA from (device, pasid) (the blocking domain, or clearing a PASID entry), releasing
     * the domain id of the domain that was there if no other (device, pasid) of this unit uses it.
     * Never fails; blocking what is already blocked is a no-op.
     */
    void block(IommuDevice device, int pasid);

    /**
     * The IOTLB tag (domain id) {@code domain} has on this unit, or -1 when it is attached to nothing
     * here. The core calls it after map/unmap to invalidate ranges, and before/after attach and block.
     */
    int domainTag(IommuDomain domain);

    /**
     * What the hardware would use for DMA from (device, pasid), read from the structures in
     * physical memory — never from Java-side state that a structure write would not change:
     * {@link TranslationConfig#blocked()} when the chain of entries ends in a not-present entry or a
     * blocking configuration, {@link TranslationConfig#translate} with the format, root and tag found
     * there, {@link TranslationConfig#abort()} or {@link TranslationConfig#fault} for an abort or a
     * malformed entry.
     */
    TranslationConfig readTranslation(IommuDevice device, int pasid);

    /**
     * IOMMU_HWPT_SET_DIRTY_TRACKING reaching this unit (iommu_dirty_ops.set_dirty_tracking; VT-d
     * intel_iommu_set_dirty_tracking → intel_pasid_setup_dirty_tracking): turns the hardware's A/D
     * updates for {@code domain} on or off in every structure entry of this unit that translates through
     * it (VT-d: SSADE, bit 9 of every PASID-table entry whose SSPTPTR is the domain, including the RID's
     * entry and those of nested children on it; AMD: DTE.HAD; SMMUv3: the HD/HA bits), so that a later
     * {@link #readTranslation} of those (device, pasid) reports {@link TranslationConfig#dirtyTracking()}
     * {@code == enable}.
     *
     * <p>The core calls it only for a domain allocated with IOMMU_HWPT_ALLOC_DIRTY_TRACKING, only on
     * units with {@link IommuCapabilities#dirtyTracking()} where {@link #domainTag}(domain) ≥ 0, and
     * only when the state changes ({@link IommuDomain#dirtyTracking()} still holds the old state during
     * the call); the core then drops its cached translation configs of those (device, pasid) and the
     * unit's IOTLB entries of the domain's tag (the PASID-cache, IOTLB and device-TLB flushes the driver
     * issues). Errors: an entry the hardware cannot track (VT-d PGTT neither second-stage nor nested)
     * {@link io.iommufdsim.api.Errno#EOPNOTSUPP}; on any error every entry keeps its old state (VT-d
     * device_set_dirty_tracking restores the entries it changed) and the core restores the other units.
     * The default is a unit without A/D support: EOPNOTSUPP.
     */
    default void setDirtyTracking(IommuDomain domain, boolean enable) throws IommufdException {
        throw new IommufdException(io.iommufdsim.api.Errno.EOPNOTSUPP);
    }

    /** Frees every structure page of the unit; the instance is not used again. */
    void release();
}
