package io.iommufdsim.core.pt;

import io.iommufdsim.spi.PageTableFormat;
import io.iommufdsim.spi.PageTableLevel;
import io.iommufdsim.spi.PteCodec;

/**
 * A {@link PageTableFormat} flattened into primitive arrays indexed by level, so that the walk, map
 * and unmap loops read masks and shifts and call the driver's {@link PteCodec} only on levels that
 * ask for a hook.
 */
final class FormatTables {
    final PageTableFormat format;
    final PteCodec codec;
    final PageTableLevel[] levels;
    final int top;
    final int vaBits;
    final boolean signExtend;
    final int oaBits;
    final int[] itemShift;
    final int[] indexBits;
    final long[] indexMask;
    final long[] pageSizes;
    final long[] presentMask;
    final long[] presentInvert;
    final int[] kindShift;
    final long[] kindMask;
    final byte[][] kinds;
    final long[] tableAddressMask;
    final long[] tableBits;
    final long[] leafAddressMask;
    final long[] leafBits;
    final long[] emptyEntry;
    final long[] unmapKeepMask;
    final long[] tableCheckMask;
    final long[] tableCheckValue;
    final long[] leafCheckMask;
    final long[] leafCheckValue;
    final long[] tableReadMask;
    final long[] tableReadValue;
    final long[] tableWriteMask;
    final long[] tableWriteValue;
    final long[] leafReadMask;
    final long[] leafReadValue;
    final long[] leafWriteMask;
    final long[] leafWriteValue;
    final boolean[] leafHook;
    final boolean[] addressHook;
    /** The level that holds pages of 2^lg2 bytes, or -1. */
    final int[] levelOfPageSize = new int[64];

    FormatTables(PageTableFormat format) {
        this.format = format;
        this.codec = format.codec();
        int n = format.levelCount();
        levels = format.levels().toArray(new PageTableLevel[0]);
        top = n - 1;
        vaBits = format.vaBits();
        signExtend = format.signExtend();
        oaBits = format.oaBits();
        itemShift = new int[n];
        indexBits = new int[n];
        indexMask = new long[n];
        pageSizes = new long[n];
        presentMask = new long[n];
        presentInvert = new long[n];
        kindShift = new int[n];
        kindMask = new long[n];
        kinds = new byte[n][];
        tableAddressMask = new long[n];
        tableBits = new long[n];
        leafAddressMask = new long[n];
        leafBits = new long[n];
        emptyEntry = new long[n];
        unmapKeepMask = new long[n];
        tableCheckMask = new long[n];
        tableCheckValue = new long[n];
        leafCheckMask = new long[n];
        leafCheckValue = new long[n];
        tableReadMask = new long[n];
        tableReadValue = new long[n];
        tableWriteMask = new long[n];
        tableWriteValue = new long[n];
        leafReadMask = new long[n];
        leafReadValue = new long[n];
        leafWriteMask = new long[n];
        leafWriteValue = new long[n];
        leafHook = new boolean[n];
        addressHook = new boolean[n];
        java.util.Arrays.fill(levelOfPageSize, -1);
        for (int l = 0; l < n; l++) {
            PageTableLevel lv = levels[l];
            itemShift[l] = lv.itemShift();
            indexBits[l] = lv.indexBits();
            indexMask[l] = (1L << lv.indexBits()) - 1;
            pageSizes[l] = lv.pageSizes();
            presentMask[l] = lv.presentMask();
            presentInvert[l] = lv.presentInvert();
            kindShift[l] = lv.kindShift();
            kindMask[l] = lv.kindMask();
            kinds[l] = lv.kinds();
            tableAddressMask[l] = lv.tableAddressMask();
            tableBits[l] = lv.tableBits();
            leafAddressMask[l] = lv.leafAddressMask();
            leafBits[l] = lv.leafBits();
            emptyEntry[l] = lv.emptyEntry();
            unmapKeepMask[l] = lv.unmapKeepMask();
            tableCheckMask[l] = lv.tableCheckMask();
            tableCheckValue[l] = lv.tableCheckValue();
            leafCheckMask[l] = lv.leafCheckMask();
            leafCheckValue[l] = lv.leafCheckValue();
            tableReadMask[l] = lv.tableReadMask();
            tableReadValue[l] = lv.tableReadValue();
            tableWriteMask[l] = lv.tableWriteMask();
            tableWriteValue[l] = lv.tableWriteValue();
            leafReadMask[l] = lv.leafReadMask();
            leafReadValue[l] = lv.leafReadValue();
            leafWriteMask[l] = lv.leafWriteMask();
            leafWriteValue[l] = lv.leafWriteValue();
            leafHook[l] = (lv.hooks() & PageTableLevel.HOOK_LEAF) != 0;
            addressHook[l] = (lv.hooks() & PageTableLevel.HOOK_ADDRESS) != 0;
            for (long s = lv.pageSizes(); s != 0; s &= s - 1) {
                levelOfPageSize[Long.numberOfTrailingZeros(s)] = l;
            }
        }
    }

    boolean present(int l, long e) {
        return ((e ^ presentInvert[l]) & presentMask[l]) != 0;
    }

    byte kind(int l, long e) {
        return kinds[l][(int) ((e >>> kindShift[l]) & kindMask[l])];
    }

    int index(int l, long va) {
        return (int) ((va >>> itemShift[l]) & indexMask[l]);
    }

    /** The first IOVA covered by the table at level {@code l} that holds {@code va}. */
    long tableBase(int l, long va) {
        int span = itemShift[l] + indexBits[l];
        return span >= 64 ? 0 : va & -(1L << span);
    }

    long tableAddress(int l, long e) {
        return addressHook[l] ? codec.tableAddress(l, levels[l], e) : e & tableAddressMask[l];
    }

    long encodeTable(int l, long tablePa) {
        return addressHook[l] ? codec.encodeTable(l, levels[l], tablePa) : (tablePa & tableAddressMask[l]) | tableBits[l];
    }

    int leafSizeLg2(int l, long e) {
        return leafHook[l] ? codec.leafSizeLg2(l, levels[l], e) : itemShift[l];
    }

    long leafAddress(int l, long e) {
        return addressHook[l] ? codec.leafAddress(l, levels[l], e) : e & leafAddressMask[l];
    }

    long encodeLeaf(int l, long oa, int sizeLg2, long attributes) {
        return leafHook[l] || addressHook[l]
                ? codec.encodeLeaf(l, levels[l], oa, sizeLg2, attributes)
                : (oa & leafAddressMask[l]) | leafBits[l] | attributes;
    }

    /** generic_pt pt_check_range: the IOVA lies in the input space (with the right sign extension). */
    boolean vaInRange(long va) {
        if (signExtend) {
            long high = va >> (vaBits - 1);
            return high == 0 || high == -1;
        }
        return vaBits == 64 || (va >>> vaBits) == 0;
    }

    /** Whether the whole range [va, last] lies in one half of the input space. */
    boolean rangeInRange(long va, long last) {
        if (!vaInRange(va) || !vaInRange(last)) {
            return false;
        }
        return !signExtend || (va >> (vaBits - 1)) == (last >> (vaBits - 1));
    }

    /** An IOVA as the table indexes it, reported sign-extended when the format is. */
    long canonical(long va) {
        if (!signExtend) {
            return va;
        }
        int unused = 64 - vaBits;
        return (va << unused) >> unused;
    }
}
