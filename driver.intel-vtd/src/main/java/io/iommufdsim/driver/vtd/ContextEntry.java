package io.iommufdsim.driver.vtd;

/**
 * Context entries (intel/iommu.h context_* helpers; QEMU intel_iommu_internal.h VTD_CONTEXT_* /
 * VTD_SM_CONTEXT_*).
 *
 * <p>Legacy mode (§9.3, 128 bits, 256 per table): lo = SLPTPTR [63:12] | TT [3:2] | FPD b1 | P b0,
 * hi = DID [23:8] | AW [2:0].
 *
 * <p>Scalable mode (§9.4, 256 bits, 128 per table, devfn & 0x7f selects the slot):
 * lo = PASIDDIRPTR [63:12] | PDTS [11:9] | PRE b4 | PASIDE b3 | DTE b2 | FPD b1 | P b0,
 * w1 = RID_PASID [19:0] | RID_PRIV b20, w2 = w3 = 0.
 */
final class ContextEntry {
    static final int LEGACY_SIZE = 16;
    static final int SCALABLE_SIZE = 32;

    static final long PRESENT = 1L;
    static final long FPD = 1L << 1;
    static final long ADDRESS = VtdBits.field(63, 12);

    // legacy
    static final int TT_SHIFT = 2;
    static final long TT = 3L << TT_SHIFT;
    static final int TT_MULTI_LEVEL = 0;
    static final int TT_DEV_IOTLB = 1;
    static final int TT_PASS_THROUGH = 2;
    static final long AW = 7L;
    static final int DID_SHIFT = 8;
    /** QEMU VTD_CONTEXT_ENTRY_RSVD_LO/HI. */
    static final long LEGACY_RESERVED_LO = VtdBits.field(11, 4) | VtdBits.field(63, VtdInstance.HAW);
    static final long LEGACY_RESERVED_HI = 0xffffffffff000080L;

    // scalable
    static final long DTE = 1L << 2;
    static final long PASIDE = 1L << 3;
    static final long PRE = 1L << 4;
    static final int PDTS_SHIFT = 9;
    static final long PDTS = 7L << PDTS_SHIFT;
    static final long RID_PASID = VtdBits.field(19, 0);
    /** QEMU VTD_SM_CONTEXT_ENTRY_RSVD_VAL0/VAL1 (w2 and w3 are reserved whole). */
    static final long SM_RESERVED_W0 = 0x1e0L | VtdBits.field(63, VtdInstance.HAW);
    static final long SM_RESERVED_W1 = 0xffffffffffe00000L;

    private ContextEntry() {
    }

    /** Address of {@code devfn}'s context entry in the context table at {@code table}. */
    static long address(long table, int devfn, boolean scalable) {
        return scalable ? table + (long) (devfn & 0x7f) * SCALABLE_SIZE : table + (long) devfn * LEGACY_SIZE;
    }
}
