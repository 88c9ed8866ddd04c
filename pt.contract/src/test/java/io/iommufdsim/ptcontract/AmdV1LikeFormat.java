package io.iommufdsim.ptcontract;

import io.iommufdsim.api.Errno;
import io.iommufdsim.api.IommufdException;
import io.iommufdsim.spi.IommuProt;
import io.iommufdsim.spi.PageTableFormat;
import io.iommufdsim.spi.PageTableLevel;
import io.iommufdsim.spi.PteCodec;

import java.util.List;

/**
 * A three-level format shaped like AMD-Vi v1 (amd_iommu_types.h, generic_pt/fmt/amdv1.h), built in
 * the engine's tests to prove the SPI carries it: NextLevel kinds (with level skipping), every power
 * of two page size written as replicated NextLevel-7 entries with the trailing-ones size code, IR/IW
 * permissions at every level. Not a driver: the real AMD driver owns its bit facts.
 */
final class AmdV1LikeFormat implements PteCodec {
    static final long PR = 1;
    static final long FC = 1L << 60;
    static final long IR = 1L << 61;
    static final long IW = 1L << 62;
    static final long NL7 = 7L << 9;
    static final long OA = ((1L << 52) - 1) & -(1L << 12);

    static PageTableFormat format() {
        AmdV1LikeFormat codec = new AmdV1LikeFormat();
        byte leaf = PageTableLevel.KIND_LEAF;
        byte bad = PageTableLevel.KIND_INVALID;
        PageTableLevel l0 = PageTableLevel.builder(12, 9)
                .pageSizes(sizes(12, 20)) // 4K natural, 8K..1M replicated
                .kinds(9, 7, leaf, bad, bad, bad, bad, bad, bad, leaf)
                .leaf(OA, 0)
                .leafPermissions(IR, IR, IW, IW)
                .hooks(PageTableLevel.HOOK_LEAF)
                .build();
        PageTableLevel l1 = PageTableLevel.builder(21, 9)
                .pageSizes(sizes(21, 29))
                .kinds(9, 7, leaf, PageTableLevel.tableToLevel(0), bad, bad, bad, bad, bad, leaf)
                .table(OA, PR | IR | IW | (1L << 9))
                .leaf(OA, 0)
                .tablePermissions(IR, IR, IW, IW)
                .leafPermissions(IR, IR, IW, IW)
                .hooks(PageTableLevel.HOOK_LEAF)
                .build();
        PageTableLevel l2 = PageTableLevel.builder(30, 9)
                .pageSizes(1L << 30)
                .kinds(9, 7, leaf, PageTableLevel.tableToLevel(0), PageTableLevel.tableToLevel(1),
                        bad, bad, bad, bad, bad)
                .table(OA, PR | IR | IW | (2L << 9))
                .leaf(OA, 0)
                .tablePermissions(IR, IR, IW, IW)
                .leafPermissions(IR, IR, IW, IW)
                .build();
        return new PageTableFormat("amdv1-like-3", List.of(l0, l1, l2), 39, false, 52, codec, null);
    }

    private static long sizes(int fromLg2, int toLg2) {
        long bitmap = 0;
        for (int i = fromLg2; i <= toLg2; i++) {
            bitmap |= 1L << i;
        }
        return bitmap;
    }

    @Override
    public long leafAttributes(int iommuProt, int features) throws IommufdException {
        if ((iommuProt & (IommuProt.READ | IommuProt.WRITE)) == 0) {
            throw new IommufdException(Errno.EINVAL);
        }
        return PR | FC | ((iommuProt & IommuProt.READ) != 0 ? IR : 0) | ((iommuProt & IommuProt.WRITE) != 0 ? IW : 0);
    }

    @Override
    public long encodeLeaf(int level, PageTableLevel lv, long oa, int pageSizeLg2, long attributes) {
        if (pageSizeLg2 == lv.itemShift()) {
            return (oa & OA) | attributes;
        }
        long base = oa & -(1L << pageSizeLg2);
        long code = ((1L << (pageSizeLg2 - 13)) - 1) << 12; // n - 13 ones from bit 12, then a 0
        return base | code | NL7 | attributes;
    }

    @Override
    public int leafSizeLg2(int level, PageTableLevel lv, long entry) {
        if ((entry & NL7) != NL7) {
            return lv.itemShift();
        }
        return 13 + Long.numberOfTrailingZeros(~(entry >>> 12));
    }
}
