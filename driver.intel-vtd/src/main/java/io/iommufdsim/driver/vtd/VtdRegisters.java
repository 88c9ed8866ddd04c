package io.iommufdsim.driver.vtd;

/**
 * A VT-d unit's identification registers, CAP_REG (VT-d spec §11.4.2) and ECAP_REG (§11.4.3), and
 * the predicates Linux 7.0 derives from them (drivers/iommu/intel/iommu.h cap_* / ecap_* accessors,
 * sm_supported, pasid_supported, ssads_supported, nested_supported). Everything the driver does is
 * decided from these two words, as the kernel decides it.
 */
public record VtdRegisters(long cap, long ecap) {
    // CAP_REG bit positions (§11.4.2)
    static final int CAP_ND = 0; // [2:0]
    static final int CAP_RWBF = 4;
    static final int CAP_CM = 7;
    static final int CAP_SAGAW = 8; // [12:8]
    static final int CAP_MGAW = 16; // [21:16]
    static final int CAP_SLLPS = 34; // [37:34]: bit 34 = 2 MiB, bit 35 = 1 GiB
    static final int CAP_FL1GP = 56;
    static final int CAP_FL5LP = 60;

    // ECAP_REG bit positions (§11.4.3)
    static final int ECAP_C = 0;
    static final int ECAP_DT = 2;
    static final int ECAP_PT = 6;
    static final int ECAP_SC = 7;
    static final int ECAP_NEST = 26;
    static final int ECAP_PRS = 29;
    static final int ECAP_SRS = 31;
    static final int ECAP_EAFS = 34;
    static final int ECAP_PSS = 35; // [39:35]
    static final int ECAP_PASID = 40;
    static final int ECAP_PDS = 42;
    static final int ECAP_SMTS = 43;
    static final int ECAP_SLADS = 45;
    static final int ECAP_SLTS = 46;
    static final int ECAP_FLTS = 47;
    static final int ECAP_SMPWC = 48;

    /**
     * The default unit: the CAP/ECAP of a Sapphire Rapids DMAR unit ("cap 9ed008c40780466 ecap
     * 3ee9e86f050df", VER 6:0) with MGAW 48 instead of 57 and with PASID (bit 40) and page
     * requests (PRS, bit 29) turned on, so that every capability Linux uses is present. Linux reads it
     * as: ND 6 (65536 domain ids), SAGAW 4-level only, MGAW 48, 2M and 1G second-stage pages, 1G
     * first-stage pages, no 5-level first stage, caching mode off; scalable mode, first and second
     * stage, nesting, 20-bit PASIDs, second-stage A/D (dirty tracking) with snooped page walks, snoop
     * control, device TLB (ATS), page requests.
     */
    public static final VtdRegisters DEFAULT = new VtdRegisters(0x09ed008c406f0466L, 0x0003ef9ea6f050dfL);

    static boolean bit(long reg, int bit) {
        return ((reg >>> bit) & 1) != 0;
    }

    VtdRegisters withCap(int bit, boolean on) {
        return new VtdRegisters(on ? cap | (1L << bit) : cap & ~(1L << bit), ecap);
    }

    VtdRegisters withEcap(int bit, boolean on) {
        return new VtdRegisters(cap, on ? ecap | (1L << bit) : ecap & ~(1L << bit));
    }

    VtdRegisters withCapField(int shift, int width, long value) {
        long mask = ((1L << width) - 1) << shift;
        return new VtdRegisters((cap & ~mask) | ((value << shift) & mask), ecap);
    }

    /** cap_ndoms: 2^(4 + 2·ND) domain ids. */
    public int domainIds() {
        return 1 << (4 + 2 * (int) (cap & 7));
    }

    public boolean rwbf() {
        return bit(cap, CAP_RWBF);
    }

    public boolean cachingMode() {
        return bit(cap, CAP_CM);
    }

    /** CAP.SAGAW, bits [12:8]: bit n = (n + 2)-level second-stage tables. */
    public int sagaw() {
        return (int) ((cap >>> CAP_SAGAW) & 0x1f);
    }

    /** cap_mgaw: CAP.MGAW + 1, the maximum guest address width. */
    public int mgaw() {
        return (int) ((cap >>> CAP_MGAW) & 0x3f) + 1;
    }

    /** cap_super_page_val: CAP.SLLPS, bit 0 = 2 MiB, bit 1 = 1 GiB second-stage pages. */
    public int sllps() {
        return (int) ((cap >>> CAP_SLLPS) & 0xf);
    }

    public boolean fl1gp() {
        return bit(cap, CAP_FL1GP);
    }

    public boolean fl5lp() {
        return bit(cap, CAP_FL5LP);
    }

    /** ecap_coherent: page walks snooped (legacy mode). */
    public boolean coherent() {
        return bit(ecap, ECAP_C);
    }

    public boolean deviceTlb() {
        return bit(ecap, ECAP_DT);
    }

    public boolean passThrough() {
        return bit(ecap, ECAP_PT);
    }

    public boolean snoopControl() {
        return bit(ecap, ECAP_SC);
    }

    public boolean nest() {
        return bit(ecap, ECAP_NEST);
    }

    public boolean pageRequests() {
        return bit(ecap, ECAP_PRS);
    }

    public boolean supervisorRequests() {
        return bit(ecap, ECAP_SRS);
    }

    public boolean extendedAccessedFlag() {
        return bit(ecap, ECAP_EAFS);
    }

    /** ECAP.PSS: the unit supports PSS + 1 PASID bits. */
    public int pss() {
        return (int) ((ecap >>> ECAP_PSS) & 0x1f);
    }

    public boolean pasid() {
        return bit(ecap, ECAP_PASID);
    }

    public boolean pageRequestDrain() {
        return bit(ecap, ECAP_PDS);
    }

    public boolean smts() {
        return bit(ecap, ECAP_SMTS);
    }

    public boolean slads() {
        return bit(ecap, ECAP_SLADS);
    }

    public boolean slts() {
        return bit(ecap, ECAP_SLTS);
    }

    public boolean flts() {
        return bit(ecap, ECAP_FLTS);
    }

    public boolean smpwc() {
        return bit(ecap, ECAP_SMPWC);
    }

    /** sm_supported: scalable mode (the kernel's intel_iommu_sm is on, as in distribution kernels). */
    public boolean scalableMode() {
        return smts();
    }

    /** pasid_supported. */
    public boolean pasidSupported() {
        return scalableMode() && pasid();
    }

    /** ssads_supported: IOMMU_CAP_DIRTY_TRACKING. */
    public boolean ssadsSupported() {
        return scalableMode() && slads() && smpwc();
    }

    /** nested_supported. */
    public boolean nestedSupported() {
        return scalableMode() && nest();
    }

    /** iommu_paging_structure_coherency: without it Linux's tables carry PT_FEAT_DMA_INCOHERENT. */
    public boolean pagingStructureCoherency() {
        return scalableMode() ? smpwc() : coherent();
    }

    /** rwbf_required (without the chipset quirk, which has no simulated chipset to match). */
    public boolean rwbfRequired() {
        return rwbf();
    }

    /**
     * __iommu_calculate_sagaw: the depths usable for every kind of domain — the second-stage SAGAW,
     * or (scalable mode with first stage) 4-level plus 5-level with FL5LP, intersected with SAGAW when
     * the unit also has second stage.
     */
    int usableSagaw() {
        int fl = (1 << 2) | (fl5lp() ? 1 << 3 : 0);
        if (!scalableMode() || !flts()) {
            return sagaw();
        }
        if (!slts()) {
            return fl;
        }
        return fl & sagaw();
    }

    /**
     * iommu_calculate_agaw: the largest usable AGAW not above 57 bits (DEFAULT_DOMAIN_ADDRESS_WIDTH),
     * -1 when none (dmar.c alloc_iommu then ignores the unit: "Cannot get a valid agaw"). It is the AW
     * Linux writes into first-stage and pass-through PASID entries.
     */
    public int agaw() {
        int sagaw = usableSagaw();
        for (int agaw = 3; agaw >= 0; agaw--) { // width_to_agaw(57) = 3
            if ((sagaw & (1 << agaw)) != 0) {
                return agaw;
            }
        }
        return -1;
    }

    /** The second-stage geometry Linux gives a paging domain, or null when the unit has none. */
    public VtdTableGeometry secondStageGeometry() {
        if (scalableMode() && !slts()) {
            return null;
        }
        return VtdTableGeometry.secondStage(sagaw(), mgaw());
    }

    /** The first-stage geometry, or null when the unit has no first stage (legacy mode or no FLTS). */
    public VtdTableGeometry firstStageGeometry() {
        if (!scalableMode() || !flts()) {
            return null;
        }
        return VtdTableGeometry.firstStage(mgaw(), fl5lp());
    }

    /** The hw_info/SIM dump form, "cap 0x... ecap 0x...". */
    @Override
    public String toString() {
        return "VtdRegisters[cap 0x" + Long.toHexString(cap) + " ecap 0x" + Long.toHexString(ecap) + "]";
    }
}
