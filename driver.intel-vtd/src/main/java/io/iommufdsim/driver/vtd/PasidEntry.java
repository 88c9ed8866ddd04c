package io.iommufdsim.driver.vtd;

/**
 * The scalable-mode PASID directory entry (§9.5: P b0, FPD b1, PASID-table pointer [63:12]) and
 * PASID-table entry (§9.6, 512 bits = 8 words; intel/pasid.h pasid_set_* helpers), with the field
 * positions Linux 7.0 writes:
 * <pre>
 * w0: P b0, FPD b1, AW [4:2], PGTT [8:6], SSADE b9, SSPTPTR [63:12]
 * w1: DID [15:0], PWSNP b23 (bit 87), PGSNP b24 (bit 88)
 * w2: SRE b0 (bit 128), FSPM/FLPM [3:2] (bits 131:130), WPE b4 (bit 132), EAFE b7 (bit 135),
 *     FSPTPTR/FLPTR [63:12] (bits 191:140)
 * </pre>
 */
final class PasidEntry {
    static final int SIZE = 64;
    static final int WORDS = 8;
    /** PASID_PDE_SHIFT: a PASID table holds 64 entries, the directory indexes PASID[19:6]. */
    static final int PDE_SHIFT = 6;
    static final int TABLE_INDEX_MASK = (1 << PDE_SHIFT) - 1;

    static final long PRESENT = 1L;
    static final long FPD = 1L << 1;
    static final int AW_SHIFT = 2;
    static final long AW = 7L << AW_SHIFT;
    static final int PGTT_SHIFT = 6;
    static final long PGTT = 7L << PGTT_SHIFT;
    static final long SSADE = 1L << 9;
    static final long ADDRESS = VtdBits.field(63, 12);

    static final int PGTT_FL_ONLY = 1;
    static final int PGTT_SL_ONLY = 2;
    static final int PGTT_NESTED = 3;
    static final int PGTT_PT = 4;

    static final long DID = VtdBits.field(15, 0);
    static final long PWSNP = 1L << 23;
    static final long PGSNP = 1L << 24;

    static final int FLPM_SHIFT = 2;
    static final long FLPM = 3L << FLPM_SHIFT;

    /** PASID directory entry: bits 11:2 reserved, and address bits above the host address width. */
    static final long DIR_RESERVED = VtdBits.field(11, 2) | VtdBits.field(63, VtdInstance.HAW);
    static final long POINTER_RESERVED = VtdBits.field(63, VtdInstance.HAW);

    /** RID_PASID Linux programs into every scalable-mode context entry (IOMMU_NO_PASID). */
    static final int RID_PASID = 0;

    private PasidEntry() {
    }

    /** The context-entry PDTS value for a directory of {@code 512 << order} entries (pasid.c context_get_sm_pds). */
    static int pdts(int order) {
        return order + 2;
    }

    /**
     * The directory order Linux allocates for a device with {@code pasidBits} PASID bits
     * (pasid.c intel_pasid_alloc_table: size = max_pasid >> 3 bytes, get_order(size)).
     */
    static int directoryOrder(int pasidBits) {
        return Math.max(0, pasidBits - 15);
    }
}
