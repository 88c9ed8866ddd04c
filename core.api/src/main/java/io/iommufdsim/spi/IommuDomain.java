package io.iommufdsim.spi;

import org.osgi.annotation.versioning.ProviderType;

/**
 * A paging domain as a driver sees it when the core attaches it (struct iommu_domain of type
 * IOMMU_DOMAIN_PAGING): the spec one instance's {@link IommuInstance#allocatePagingDomain} chose,
 * the root of the page table the core built for it in physical memory, and the HWPT_ALLOC flags.
 * Implemented by the core; the driver may keep per-domain state (a domain id on each unit) in a map
 * keyed by the domain's identity.
 */
@ProviderType
public interface IommuDomain {
    /** The instance whose {@link IommuInstance#allocatePagingDomain} made this domain. */
    IommuInstance allocatedBy();

    PagingDomainSpec spec();

    /** Physical address of the root table (what a PASID entry's SSPTPTR/FLPTR, an STE's S2TTB, a DTE's root pointer hold). */
    long rootPa();

    /** The IOMMU_HWPT_ALLOC_* flags it was allocated with (NEST_PARENT, DIRTY_TRACKING, PASID); 0 for an auto domain. */
    int allocFlags();

    /**
     * Whether dirty tracking is currently enabled on the domain (IOMMU_HWPT_SET_DIRTY_TRACKING; VT-d
     * dmar_domain->dirty_tracking). Only a domain allocated with IOMMU_HWPT_ALLOC_DIRTY_TRACKING can
     * have it. An {@link IommuInstance#attach} of the domain programs the hardware's A/D updates from
     * it (VT-d: SSADE in the new PASID entry, intel_pasid_setup_second_level); while the core switches
     * it with {@link IommuInstance#setDirtyTracking}, this still returns the old state.
     */
    default boolean dirtyTracking() {
        return false;
    }

    /**
     * Whether the domain has an I/O page-fault handler (iommu_domain->iopf_handler: an IOMMU_HWPT_ALLOC
     * with IOMMU_HWPT_FAULT_ID_VALID). Set before the domain is first attached and never changed. An
     * {@link IommuInstance#attach} of such a domain needs the device's PRI to be usable on the unit and
     * fails otherwise with the driver's errno (VT-d iopf_for_domain_set → intel_iommu_enable_iopf:
     * ENODEV without pri_enabled), with the structures unchanged.
     */
    default boolean hasFaultHandler() {
        return false;
    }
}
