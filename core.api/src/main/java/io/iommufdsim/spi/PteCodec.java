package io.iommufdsim.spi;

import io.iommufdsim.api.IommufdException;
import org.osgi.annotation.versioning.ConsumerType;

/**
 * The few entry helpers of a page-table format that masks cannot express, implemented by a vendor
 * driver (the {@code pt_iommu_set_prot}, {@code pt_install_leaf_entry}, {@code pt_entry_oa} ... of
 * Linux drivers/iommu/generic_pt/fmt/*.h).
 *
 * <p>The engine calls {@link #leafAttributes} once per map call. It calls the other methods only
 * for levels that ask for them ({@link PageTableLevel#HOOK_LEAF}, {@link PageTableLevel#HOOK_ADDRESS});
 * their defaults are exactly what the engine does from the level's masks, so an implementation
 * overrides only what its format encodes differently.
 */
@ConsumerType
public interface PteCodec {
    /**
     * The attribute bits (permissions, cache attributes, format constants that depend on prot) of
     * every leaf of one map call: generic_pt {@code pt_iommu_set_prot}. {@code features} is the
     * domain's {@link PageTableFeatures} set.
     *
     * @throws IommufdException with the errno the kernel gives for a refused prot (EINVAL)
     */
    long leafAttributes(int iommuProt, int features) throws IommufdException;

    /**
     * One entry of a leaf of {@code 1 << pageSizeLg2} bytes at {@code level}; {@code oa} is the output
     * address of the part of the page this entry covers (a page of several entries is written entry by
     * entry, each with its own {@code oa}).
     */
    default long encodeLeaf(int level, PageTableLevel lv, long oa, int pageSizeLg2, long attributes) {
        return (oa & lv.leafAddressMask()) | lv.leafBits() | attributes;
    }

    /** log2 of the size of the page a present leaf {@code entry} at {@code level} belongs to. */
    default int leafSizeLg2(int level, PageTableLevel lv, long entry) {
        return lv.itemShift();
    }

    /**
     * The address field of a leaf {@code entry}; the engine rounds it down to the page size, so size
     * codes kept in low address bits (AMD v1 NextLevel 7) may stay in it.
     */
    default long leafAddress(int level, PageTableLevel lv, long entry) {
        return entry & lv.leafAddressMask();
    }

    /** A table entry at {@code level} pointing to the table at {@code tablePa}. */
    default long encodeTable(int level, PageTableLevel lv, long tablePa) {
        return (tablePa & lv.tableAddressMask()) | lv.tableBits();
    }

    /** The next table's address in a table {@code entry} at {@code level}. */
    default long tableAddress(int level, PageTableLevel lv, long entry) {
        return entry & lv.tableAddressMask();
    }
}
