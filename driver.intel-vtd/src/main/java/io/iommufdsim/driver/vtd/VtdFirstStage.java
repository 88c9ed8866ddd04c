package io.iommufdsim.driver.vtd;

import io.iommufdsim.spi.IommuProt;
import io.iommufdsim.spi.PageTableFormat;
import io.iommufdsim.spi.PageTableLevel;
import io.iommufdsim.spi.PteCodec;

import java.util.ArrayList;
import java.util.List;

/**
 * The VT-d first-stage page-table format: x86-64 4- or 5-level paging (VT-d spec §9.7, Intel SDM
 * vol. 3 §4.5), as Linux 7.0 writes it (drivers/iommu/generic_pt/fmt/x86_64.h, with
 * PT_FEAT_SIGN_EXTEND as intel/iommu.c intel_iommu_domain_alloc_first_stage asks) and as the hardware
 * reads it (QEMU hw/i386/intel_iommu.c: VTD_FPTE_*_RSVD_MASK). DMA without PASID privilege is a
 * user-mode access, so U/S must be set at every level; R/W is hierarchical.
 */
public final class VtdFirstStage implements PteCodec {
    static final long P = 1L << 0;
    static final long RW = 1L << 1;
    static final long US = 1L << 2;
    static final long A = 1L << 5;
    static final long D = 1L << 6;
    static final long PS = 1L << 7;
    static final long OA = VtdBits.field(51, 12);

    private static final VtdFirstStage CODEC = new VtdFirstStage();

    private VtdFirstStage() {
    }

    /**
     * The format of a {@code levels}-level table (4, or 5 with CAP.FL5LP) translating sign-extended
     * {@code vaBits}-bit IOVAs (intel/iommu.c compute_vasz_lg2_fs: min(48, MGAW) or min(57, MGAW)) on a
     * unit with host address width {@code hawBits}.
     */
    public static PageTableFormat format(int levels, int vaBits, int hawBits) {
        if (levels < 4 || levels > 5 || vaBits <= 30 || vaBits > 12 + 9 * levels
                || hawBits < 32 || hawBits > 52) {
            throw new IllegalArgumentException("VT-d first stage: levels " + levels + ", vaBits " + vaBits
                    + ", HAW " + hawBits);
        }
        long aboveHaw = VtdBits.field(51, hawBits); // bits 63:52 are ignored (VTD_FS_UPPER_IGNORED)
        List<PageTableLevel> list = new ArrayList<>();
        list.add(PageTableLevel.builder(12, 9)
                .pageSizes(1L << 12)
                .kinds(0, 0, PageTableLevel.KIND_LEAF) // bit 7 of a PTE is PAT
                .leaf(OA, P)
                .leafCheck(aboveHaw, 0)
                .leafPermissions(US, US, RW | US, RW | US)
                .build());
        for (int l = 1; l < levels; l++) {
            int shift = 12 + 9 * l;
            PageTableLevel.Builder b = PageTableLevel.builder(shift, 9)
                    .table(OA, P | RW | US | A) // x86_64_pt_install_table
                    .tableCheck(aboveHaw, 0)
                    .tablePermissions(US, US, RW | US, RW | US);
            if (l <= 2) {
                // 2 MiB / 1 GiB leaves: bit 12 is PAT, bits [shift-1:13] reserved (VTD_FPTE_LPAGE_L2/L3)
                b.pageSizes(1L << shift)
                        .kinds(7, 1, PageTableLevel.KIND_TABLE, PageTableLevel.KIND_LEAF)
                        .leaf(VtdBits.field(51, shift), P | PS)
                        .leafCheck(aboveHaw | VtdBits.field(shift - 1, 13), 0)
                        .leafPermissions(US, US, RW | US, RW | US);
            } else {
                b.kinds(7, 1, PageTableLevel.KIND_TABLE, PageTableLevel.KIND_INVALID); // PS reserved (0x80)
            }
            list.add(b.build());
        }
        return new PageTableFormat("x86-64-" + levels, list, vaBits, true, 52, CODEC, null);
    }

    /**
     * x86_64.h x86_64_pt_iommu_set_prot: U/S and A always, R/W and D only with IOMMU_WRITE (A and D are
     * pre-set so the hardware never has to write them); P and PS come with the leaf.
     */
    @Override
    public long leafAttributes(int iommuProt, int features) {
        long pte = US | A;
        if ((iommuProt & IommuProt.WRITE) != 0) {
            pte |= RW | D;
        }
        return pte;
    }
}
