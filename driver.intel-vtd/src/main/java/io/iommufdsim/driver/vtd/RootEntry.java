package io.iommufdsim.driver.vtd;

/**
 * The root table: 256 root entries of 128 bits, one per bus, at RTADDR (VT-d spec §9.1 legacy root
 * entry, §9.2 scalable-mode root entry; intel/iommu.h struct root_entry, iommu.c iommu_context_addr).
 * Legacy mode: lo = context-table pointer | P, hi reserved. Scalable mode: lo = LCTP | LP for devfn
 * 0x00-0x7f, hi = UCTP | UP for devfn 0x80-0xff.
 */
final class RootEntry {
    static final int SIZE = 16;
    static final long PRESENT = 1L;
    static final long CTP = VtdBits.field(63, 12);
    /** QEMU VTD_ROOT_ENTRY_RSVD: bits 11:1 and everything above the host address width. */
    static final long RESERVED = VtdBits.field(11, 1) | VtdBits.field(63, VtdInstance.HAW);

    /** RTADDR_REG.TTM (bits 11:10, §11.4.5): 00 legacy, 01 scalable-mode root table. */
    static final long RTADDR_TTM_SCALABLE = 1L << 10;

    private RootEntry() {
    }

    /** Address of the 64-bit word of bus {@code bus}'s root entry that points at {@code devfn}'s context table. */
    static long wordFor(long rootTable, int bus, int devfn, boolean scalable) {
        long entry = rootTable + (long) bus * SIZE;
        return scalable && devfn >= 0x80 ? entry + 8 : entry;
    }
}
