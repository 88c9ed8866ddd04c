package io.iommufdsim.spi;

/**
 * Per-domain switches a format's {@link PteCodec#leafAttributes} may honour, named after the
 * generic_pt features they model (drivers/iommu/generic_pt: PT_FEAT_*). A format that has no use
 * for a feature ignores its bit because the bit has no meaning for it (for example SNP does not exist
 * in the x86-64 format), never because it is unimplemented.
 */
public final class PageTableFeatures {
    /** Leaves force snooping (VT-d second stage SNP; PT_FEAT_VTDSS_FORCE_COHERENCE). */
    public static final int FORCE_COHERENCE = 1 << 0;
    /**
     * Read-only leaves are refused with EINVAL (VT-d nest parent, errata 772415 "SPR17";
     * PT_FEAT_VTDSS_FORCE_WRITEABLE).
     */
    public static final int FORCE_WRITEABLE = 1 << 1;
    /** The domain tracks dirty pages; formats that encode "writable-clean" set it up on map (SMMU DBM). */
    public static final int DIRTY_TRACKING = 1 << 2;

    private PageTableFeatures() {
    }
}
