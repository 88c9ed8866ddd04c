package io.iommufdsim.spi;

import java.util.Arrays;

/**
 * One level of a page-table format, as masks and shifts the core's table engine applies without
 * calling into the driver (the role of the per-format inline helpers of Linux
 * drivers/iommu/generic_pt/fmt/*.h). Level 0 is the table holding the smallest pages, as in
 * generic_pt; a format with n levels has levels 0..n-1.
 *
 * <p>How the engine reads an entry {@code e} found at this level:
 * <ul>
 * <li><b>present</b> iff {@code ((e ^ presentInvert) & presentMask) != 0}; a set invert bit turns an
 * "invalid" bit (s390) into a present test;</li>
 * <li><b>kind</b> = {@code kinds[(e >>> kindShift) & kindMask]}: {@link #KIND_LEAF},
 * {@link #KIND_TABLE} (next table at level - 1), {@link #tableToLevel(int)} (a table at an explicit
 * lower level, AMD v1 NextLevel with level skipping) or {@link #KIND_INVALID};</li>
 * <li><b>address</b> of a next table = {@code e & tableAddressMask}; of a leaf =
 * {@code e & leafAddressMask} rounded down to the leaf's page size;</li>
 * <li><b>checks</b>: a table entry must satisfy {@code (e & tableCheckMask) == tableCheckValue}, a
 * leaf {@code (e & leafCheckMask) == leafCheckValue}, else the walk stops with
 * {@link WalkFault#RESERVED_BIT};</li>
 * <li><b>permissions</b> are the AND over every entry of the walk: read is allowed by an entry iff
 * {@code (e & readMask) == readValue}, write iff {@code (e & writeMask) == writeValue}, with
 * separate pairs for table and leaf entries (a zero mask and value means "no restriction").</li>
 * </ul>
 * How the engine writes: a table entry is {@code (tablePa & tableAddressMask) | tableBits}; a leaf
 * is {@code (oa & leafAddressMask) | leafBits | attributes}, attributes coming once per map call from
 * {@link PteCodec#leafAttributes}; unmap writes {@code (old & unmapKeepMask) | emptyEntry}; a new
 * table is filled with {@code emptyEntry}.
 *
 * <p>Levels with {@link #HOOK_LEAF} leave leaf encoding and the leaf's page size to the
 * {@link PteCodec} (pages made of several consecutive entries: SMMU contiguous hint, AMD v1
 * NextLevel 7); levels with {@link #HOOK_ADDRESS} leave address packing to it (SMMU 52-bit
 * addresses in a 64 KiB granule). Only such levels cost an interface call per entry.
 */
public final class PageTableLevel {
    /** An encoding the level does not allow (reserved): the walk faults with RESERVED_BIT. */
    public static final byte KIND_INVALID = 0;
    /** A leaf (page or block) entry. */
    public static final byte KIND_LEAF = 1;
    /** A pointer to a table at the next lower level. */
    public static final byte KIND_TABLE = 2;
    private static final byte KIND_TABLE_TO_LEVEL = 0x10;

    /** Leaf encoding and leaf size decoding go through the codec. */
    public static final int HOOK_LEAF = 1;
    /** Leaf and table address encoding and decoding go through the codec. */
    public static final int HOOK_ADDRESS = 2;

    private final int itemShift;
    private final int indexBits;
    private final long pageSizes;
    private final long presentMask;
    private final long presentInvert;
    private final int kindShift;
    private final int kindMask;
    private final byte[] kinds;
    private final long tableAddressMask;
    private final long tableBits;
    private final long leafAddressMask;
    private final long leafBits;
    private final long emptyEntry;
    private final long unmapKeepMask;
    private final long tableCheckMask;
    private final long tableCheckValue;
    private final long leafCheckMask;
    private final long leafCheckValue;
    private final long tableReadMask;
    private final long tableReadValue;
    private final long tableWriteMask;
    private final long tableWriteValue;
    private final long leafReadMask;
    private final long leafReadValue;
    private final long leafWriteMask;
    private final long leafWriteValue;
    private final int hooks;

    private PageTableLevel(Builder b) {
        itemShift = b.itemShift;
        indexBits = b.indexBits;
        pageSizes = b.pageSizes;
        presentMask = b.presentMask;
        presentInvert = b.presentInvert;
        kindShift = b.kindShift;
        kindMask = b.kindMask;
        kinds = b.kinds.clone();
        tableAddressMask = b.tableAddressMask;
        tableBits = b.tableBits;
        leafAddressMask = b.leafAddressMask;
        leafBits = b.leafBits;
        emptyEntry = b.emptyEntry;
        unmapKeepMask = b.unmapKeepMask;
        tableCheckMask = b.tableCheckMask;
        tableCheckValue = b.tableCheckValue;
        leafCheckMask = b.leafCheckMask;
        leafCheckValue = b.leafCheckValue;
        tableReadMask = b.tableReadMask;
        tableReadValue = b.tableReadValue;
        tableWriteMask = b.tableWriteMask;
        tableWriteValue = b.tableWriteValue;
        leafReadMask = b.leafReadMask;
        leafReadValue = b.leafReadValue;
        leafWriteMask = b.leafWriteMask;
        leafWriteValue = b.leafWriteValue;
        hooks = b.hooks;
    }

    /** The kind of a table entry that points to a table at {@code level} (AMD v1 NextLevel). */
    public static byte tableToLevel(int level) {
        if (level < 0 || level > 0xF) {
            throw new IllegalArgumentException("level " + level);
        }
        return (byte) (KIND_TABLE_TO_LEVEL | level);
    }

    /** The level a table-kind value points to, for an entry at {@code level}; -1 if not a table kind. */
    public static int nextLevel(byte kind, int level) {
        if (kind == KIND_TABLE) {
            return level - 1;
        }
        if ((kind & KIND_TABLE_TO_LEVEL) != 0) {
            return kind & 0xF;
        }
        return -1;
    }

    public static Builder builder(int itemShift, int indexBits) {
        return new Builder(itemShift, indexBits);
    }

    /** log2 of the IOVA bytes one entry of this level spans (12 for a 4 KiB leaf table). */
    public int itemShift() {
        return itemShift;
    }

    /** log2 of the number of entries in a table of this level. */
    public int indexBits() {
        return indexBits;
    }

    /** Bytes of a table of this level (8-byte entries). */
    public long tableBytes() {
        return (long) PageTableFormat.ENTRY_SIZE << indexBits;
    }

    /** Bitmap of the page sizes (in bytes) a leaf at this level may have; 0 if the level has no leaves. */
    public long pageSizes() {
        return pageSizes;
    }

    public long presentMask() {
        return presentMask;
    }

    public long presentInvert() {
        return presentInvert;
    }

    public int kindShift() {
        return kindShift;
    }

    public int kindMask() {
        return kindMask;
    }

    /** A copy of the kind table, indexed by {@code (e >>> kindShift) & kindMask}. */
    public byte[] kinds() {
        return kinds.clone();
    }

    public long tableAddressMask() {
        return tableAddressMask;
    }

    public long tableBits() {
        return tableBits;
    }

    public long leafAddressMask() {
        return leafAddressMask;
    }

    public long leafBits() {
        return leafBits;
    }

    public long emptyEntry() {
        return emptyEntry;
    }

    public long unmapKeepMask() {
        return unmapKeepMask;
    }

    public long tableCheckMask() {
        return tableCheckMask;
    }

    public long tableCheckValue() {
        return tableCheckValue;
    }

    public long leafCheckMask() {
        return leafCheckMask;
    }

    public long leafCheckValue() {
        return leafCheckValue;
    }

    public long tableReadMask() {
        return tableReadMask;
    }

    public long tableReadValue() {
        return tableReadValue;
    }

    public long tableWriteMask() {
        return tableWriteMask;
    }

    public long tableWriteValue() {
        return tableWriteValue;
    }

    public long leafReadMask() {
        return leafReadMask;
    }

    public long leafReadValue() {
        return leafReadValue;
    }

    public long leafWriteMask() {
        return leafWriteMask;
    }

    public long leafWriteValue() {
        return leafWriteValue;
    }

    /** {@link #HOOK_LEAF} and/or {@link #HOOK_ADDRESS}. */
    public int hooks() {
        return hooks;
    }

    /** Whether {@code entry} is present by this level's test. */
    public boolean isPresent(long entry) {
        return ((entry ^ presentInvert) & presentMask) != 0;
    }

    /** The kind of a present {@code entry} at this level. */
    public byte kindOf(long entry) {
        return kinds[(int) ((entry >>> kindShift) & kindMask)];
    }

    @Override
    public String toString() {
        return "PageTableLevel[itemShift=" + itemShift + ", indexBits=" + indexBits + ", pageSizes=0x"
                + Long.toHexString(pageSizes) + ", kinds=" + Arrays.toString(kinds) + "]";
    }

    /** Builds a level; every mask not set is 0 (no bits, no restriction). */
    public static final class Builder {
        private final int itemShift;
        private final int indexBits;
        private long pageSizes;
        private long presentMask = 1;
        private long presentInvert;
        private int kindShift;
        private int kindMask;
        private byte[] kinds = {KIND_TABLE};
        private long tableAddressMask;
        private long tableBits;
        private long leafAddressMask;
        private long leafBits;
        private long emptyEntry;
        private long unmapKeepMask;
        private long tableCheckMask;
        private long tableCheckValue;
        private long leafCheckMask;
        private long leafCheckValue;
        private long tableReadMask;
        private long tableReadValue;
        private long tableWriteMask;
        private long tableWriteValue;
        private long leafReadMask;
        private long leafReadValue;
        private long leafWriteMask;
        private long leafWriteValue;
        private int hooks;

        private Builder(int itemShift, int indexBits) {
            this.itemShift = itemShift;
            this.indexBits = indexBits;
        }

        public Builder pageSizes(long bitmap) {
            pageSizes = bitmap;
            return this;
        }

        public Builder present(long mask, long invert) {
            presentMask = mask;
            presentInvert = invert;
            return this;
        }

        /** The kind field and its table ({@code kinds.length == mask + 1}). */
        public Builder kinds(int shift, int mask, byte... kindTable) {
            kindShift = shift;
            kindMask = mask;
            kinds = kindTable.clone();
            return this;
        }

        public Builder table(long addressMask, long bits) {
            tableAddressMask = addressMask;
            tableBits = bits;
            return this;
        }

        public Builder leaf(long addressMask, long bits) {
            leafAddressMask = addressMask;
            leafBits = bits;
            return this;
        }

        public Builder empty(long entry, long keepOnUnmap) {
            emptyEntry = entry;
            unmapKeepMask = keepOnUnmap;
            return this;
        }

        public Builder tableCheck(long mask, long value) {
            tableCheckMask = mask;
            tableCheckValue = value;
            return this;
        }

        public Builder leafCheck(long mask, long value) {
            leafCheckMask = mask;
            leafCheckValue = value;
            return this;
        }

        public Builder tablePermissions(long readMask, long readValue, long writeMask, long writeValue) {
            tableReadMask = readMask;
            tableReadValue = readValue;
            tableWriteMask = writeMask;
            tableWriteValue = writeValue;
            return this;
        }

        public Builder leafPermissions(long readMask, long readValue, long writeMask, long writeValue) {
            leafReadMask = readMask;
            leafReadValue = readValue;
            leafWriteMask = writeMask;
            leafWriteValue = writeValue;
            return this;
        }

        public Builder hooks(int hookBits) {
            hooks = hookBits;
            return this;
        }

        /** Checks the level is self-consistent. */
        public PageTableLevel build() {
            require(itemShift >= 12 && itemShift < 64, "itemShift");
            require(indexBits >= 1 && indexBits <= 16 && itemShift + indexBits <= 64, "indexBits");
            require(kindShift >= 0 && kindShift < 64, "kindShift");
            require(kindMask >= 0 && kindMask <= 0xFF && Integer.bitCount(kindMask + 1) == 1
                    && kinds.length == kindMask + 1, "kinds");
            require((hooks & ~(HOOK_LEAF | HOOK_ADDRESS)) == 0, "hooks");
            require(presentMask != 0, "presentMask");
            require(((emptyEntry ^ presentInvert) & presentMask) == 0, "emptyEntry must not be present");
            long natural = 1L << itemShift;
            for (long s = pageSizes; s != 0; s &= s - 1) {
                long size = Long.lowestOneBit(s);
                require(size >= natural, "page size below the level's item size");
                require(itemShift + indexBits == 64 || size < (1L << (itemShift + indexBits)),
                        "page size not below the table span");
                require(size == natural || (hooks & HOOK_LEAF) != 0,
                        "a page of several entries needs HOOK_LEAF");
            }
            boolean hasLeafKind = false;
            for (byte k : kinds) {
                require(k == KIND_INVALID || k == KIND_LEAF || k == KIND_TABLE
                        || ((k & KIND_TABLE_TO_LEVEL) != 0 && (k & ~(KIND_TABLE_TO_LEVEL | 0xF)) == 0), "kind");
                hasLeafKind |= k == KIND_LEAF;
            }
            require(pageSizes == 0 || hasLeafKind, "page sizes without a leaf kind");
            return new PageTableLevel(this);
        }

        private static void require(boolean ok, String what) {
            if (!ok) {
                throw new IllegalArgumentException("bad page-table level: " + what);
            }
        }
    }
}
