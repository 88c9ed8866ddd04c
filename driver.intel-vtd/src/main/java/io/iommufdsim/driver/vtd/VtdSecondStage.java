package io.iommufdsim.driver.vtd;

import io.iommufdsim.api.Errno;
import io.iommufdsim.api.IommufdException;
import io.iommufdsim.spi.DirtyBits;
import io.iommufdsim.spi.IommuProt;
import io.iommufdsim.spi.PageTableFeatures;
import io.iommufdsim.spi.PageTableFormat;
import io.iommufdsim.spi.PageTableLevel;
import io.iommufdsim.spi.PteCodec;

import java.util.ArrayList;
import java.util.List;

/**
 * The VT-d second-stage page-table format (VT-d spec §9.8 "Second-Stage Paging Entries"), as Linux 7.0
 * writes it (drivers/iommu/generic_pt/fmt/vtdss.h) and as the hardware reads it (QEMU
 * hw/i386/intel_iommu.c: vtd_slpte_nonzero_rsvd, VTD_SPTE_*_RSVD_MASK). Levels 0..4 are the
 * SS-PTE, SS-PDE, SS-PDPTE, SS-PML4E and SS-PML5E; 2 MiB leaves at level 1 and 1 GiB leaves at level 2
 * carry PS (bit 7).
 */
public final class VtdSecondStage implements PteCodec {
    static final long R = 1L << 0;
    static final long W = 1L << 1;
    static final long PS = 1L << 7;
    static final long A = 1L << 8;
    static final long D = 1L << 9;
    static final long SNP = 1L << 11;
    /** Bit 62, TM: reserved since VT-d 3.x (QEMU VTD_SL_TM), never written by Linux. */
    static final long TM = 1L << 62;
    static final long OA = VtdBits.field(51, 12);

    private static final VtdSecondStage CODEC = new VtdSecondStage();

    private VtdSecondStage() {
    }

    /**
     * The format of a {@code levels}-level table (3, 4 or 5) translating {@code vaBits}-bit IOVAs on a
     * unit whose host address width is {@code hawBits}; {@code snoopControl} is ECAP.SC (or scalable
     * mode), without which SNP is a reserved bit in leaves.
     */
    public static PageTableFormat format(int levels, int vaBits, int hawBits, boolean snoopControl) {
        if (levels < 3 || levels > 5 || vaBits <= 30 || vaBits > 12 + 9 * levels
                || hawBits < 32 || hawBits > 52) {
            throw new IllegalArgumentException("VT-d second stage: levels " + levels + ", vaBits " + vaBits
                    + ", HAW " + hawBits);
        }
        // ~(VTD_HAW_MASK | VTD_SL_IGN_COM): bits 62 and [51:HAW] are reserved in every entry.
        long aboveHaw = VtdBits.field(51, hawBits) | TM;
        long leafSnp = snoopControl ? 0 : SNP;
        List<PageTableLevel> list = new ArrayList<>();
        list.add(PageTableLevel.builder(12, 9)
                .pageSizes(1L << 12)
                .present(R | W, 0) // §9.8: not present when R = W = 0 (vtdss.h writes 0 on unmap)
                .kinds(0, 0, PageTableLevel.KIND_LEAF)
                .leaf(OA, 0)
                .leafCheck(aboveHaw | leafSnp, 0)
                .leafPermissions(R, R, W, W)
                .build());
        for (int l = 1; l < levels; l++) {
            int shift = 12 + 9 * l;
            PageTableLevel.Builder b = PageTableLevel.builder(shift, 9)
                    .present(R | W, 0)
                    .table(OA, R | W) // vtdss_pt_install_table: R | W | table address
                    .tableCheck(aboveHaw | SNP, 0) // QEMU: SNP (0x800) reserved in non-leaf entries
                    .tablePermissions(R, R, W, W);
            if (l <= 2) {
                // vtdss_pt_can_have_leaf: level <= 2; PS marks the leaf
                b.pageSizes(1L << shift)
                        .kinds(7, 1, PageTableLevel.KIND_TABLE, PageTableLevel.KIND_LEAF)
                        .leaf(VtdBits.field(51, shift), PS)
                        .leafCheck(aboveHaw | leafSnp | VtdBits.field(shift - 1, 12), 0)
                        .leafPermissions(R, R, W, W);
            } else {
                // QEMU VTD_SPTE_PAGE_L4_RSVD_MASK: PS (0x80) is reserved in PML4E/PML5E
                b.kinds(7, 1, PageTableLevel.KIND_TABLE, PageTableLevel.KIND_INVALID);
            }
            list.add(b.build());
        }
        // VT-d 3.0 §3.6.2 A/D: a DMA sets A in every entry walked and D in the leaf it writes through
        DirtyBits dirty = new DirtyBits(D, D, D, 0, 0, D, A);
        return new PageTableFormat("vtd-ss-" + levels, list, vaBits, false, 52, CODEC, dirty);
    }

    /**
     * vtdss.h vtdss_pt_iommu_set_prot: R and W from prot (no forced R: a write-only map is W only),
     * SNP on a force-coherent domain, and no read-only leaf on a nest parent (errata 772415 "SPR17").
     * IOMMU_CACHE has no bit here.
     */
    @Override
    public long leafAttributes(int iommuProt, int features) throws IommufdException {
        if ((iommuProt & (IommuProt.READ | IommuProt.WRITE)) == 0) {
            throw new IommufdException(Errno.EINVAL);
        }
        long pte = 0;
        if ((iommuProt & IommuProt.READ) != 0) {
            pte |= R;
        }
        if ((iommuProt & IommuProt.WRITE) != 0) {
            pte |= W;
        }
        if ((features & PageTableFeatures.FORCE_COHERENCE) != 0) {
            pte |= SNP;
        }
        if ((features & PageTableFeatures.FORCE_WRITEABLE) != 0 && (iommuProt & IommuProt.WRITE) == 0) {
            throw new IommufdException(Errno.EINVAL);
        }
        return pte;
    }
}
