package io.iommufdsim.spi;

import java.util.List;
import java.util.Optional;

/**
 * An immutable description of one IOMMU page-table format instance: its levels (geometry and entry
 * masks, see {@link PageTableLevel}), its input and output address widths, and the few hooks of its
 * {@link PteCodec}. A vendor driver builds it from what its hardware reports (for VT-d: SAGAW, MGAW,
 * SLLPS, ECAP.SC); the core's table engine (one walk, one map, one unmap, written once, as Linux
 * drivers/iommu/generic_pt) reads it into primitive arrays and never calls the driver per entry
 * except on levels that ask for a hook. Entries are 8 bytes, little endian, in tables that live in
 * the simulated physical memory, so a DMA walk reads the bytes the map wrote.
 *
 * <h2>How the four vendors fit</h2>
 * <ul>
 * <li><b>Intel VT-d</b> second stage (3, 4 or 5 levels; PS bit 7 at levels 1 and 2; SNP from the
 * domain's {@link PageTableFeatures#FORCE_COHERENCE}) and first stage (x86-64, 4 or 5 levels,
 * {@link #signExtend()}): one kind field (bit 7) per level, everything else masks.</li>
 * <li><b>ARM SMMUv3</b> (io-pgtable-arm / VMSAv8-64 LPAE): one format per stage, granule and width.
 * Granule 4 KiB: item shifts 12/21/30/39 with 9 index bits; 16 KiB: 14/25/36/47 with 11; 64 KiB:
 * 16/29/42 with 13. The top level's {@code indexBits} is what the input width leaves (a partial top
 * table), or more for stage-2 concatenated tables ({@link PageTableLevel#tableBytes()} above 4 KiB).
 * The kind field is bits [1:0]: at level 0 {@code 0b11} is a page and {@code 0b01} invalid; at
 * levels 1 and 2 {@code 0b01} is a block and {@code 0b11} a table. The contiguous hint (bit 52) is a
 * page size of 16, 32 or 128 entries at a level with {@link PageTableLevel#HOOK_LEAF}: the codec sets
 * bit 52 and reports the contiguous size back; 52-bit output addresses in a 64 KiB granule use
 * {@link PageTableLevel#HOOK_ADDRESS}. Stage-1 permissions are leaf masks (write iff AP[2] = 0);
 * hierarchical APTable bits are table permission masks.</li>
 * <li><b>AMD-Vi v1</b>: six levels (item shifts 12 ... 57, 7 index bits at the top). The kind field
 * is NextLevel, bits [11:9]: 0 and 7 are leaves, n = 1 ... 6 is {@link PageTableLevel#tableToLevel}
 * (n - 1), which also walks skipped levels; table entries carry NextLevel in
 * {@link PageTableLevel#tableBits()}. Every power-of-two page size from 8 KiB (except 512 GiB) is a
 * page size of the level below it, written as replicated NextLevel-7 entries by the codec
 * ({@link PageTableLevel#HOOK_LEAF}); the size code in the low address bits disappears when the
 * engine rounds the address down to the page size. IR/IW (bits 61/62) are permission masks on both
 * tables and leaves. v2 tables are the x86-64 format, as VT-d first stage.</li>
 * <li><b>s390 zPCI</b>: five levels with different entry formats per level: page table (shift 12,
 * 8 index bits, 2 KiB), segment (20, 11), region third/second/first (31, 42, 53; 11 bits, 16 KiB).
 * "Present" is an inverted invalid bit (page 0x400, region/segment 0x20: {@code present(0x400, 0x400)});
 * {@link PageTableLevel#emptyEntry()} fills fresh tables with the invalid pattern and unmap keeps the
 * frame bits ({@link PageTableLevel#unmapKeepMask()}); the table-type field TT [3:2] is a table check;
 * the protection bit 0x200 is a write permission mask at every level. Its refresh-on-map rule
 * (RPCIT after map when the firmware says tlb_refresh) is not a table property: the engine reports
 * the range a map made valid and the IOMMU instance decides whether it must be invalidated, as VT-d
 * does in caching mode.</li>
 * <li><b>Nesting</b>: a user-owned stage-1 table (VT-d first stage, SMMUv3 stage 1, AMD v2) is
 * described by the same kind of format; the core walks it with each table address and the final
 * address translated through the stage-2 page table, so nothing nested lives in the format.</li>
 * </ul>
 * A format whose top level does not cover the whole input width (VT-d second stage with 5 levels
 * and a 48-bit MGAW, "Some HW may only support a 4 or 5 level walk but must limit IOVA",
 * intel/iommu.c: compute_vasz_lg2_ss) simply has {@link #vaBits()} below the levels' span.
 */
public final class PageTableFormat {
    /** Bytes per entry; every format here uses 64-bit entries. */
    public static final int ENTRY_SIZE = 8;

    private final String name;
    private final List<PageTableLevel> levels;
    private final int vaBits;
    private final boolean signExtend;
    private final int oaBits;
    private final PteCodec codec;
    private final DirtyBits dirtyBits;

    /**
     * @param name       a short name for dumps and messages ("vtd-ss-4", "x86-64-5")
     * @param levels     level 0 (smallest pages) first; each level's item shift continues the one below
     * @param vaBits     input address width: IOVAs are {@code [0, 2^vaBits)}, or with {@code signExtend}
     *                   sign-extended from bit {@code vaBits - 1} (generic_pt PT_FEAT_SIGN_EXTEND)
     * @param signExtend whether the input space has a lower and an upper (sign-extended) half
     * @param oaBits     output address width; a map of a physical address beyond it fails (ERANGE)
     * @param codec      the format's hooks
     * @param dirtyBits  how the format tracks dirty leaves, or null if it cannot
     */
    public PageTableFormat(String name, List<PageTableLevel> levels, int vaBits, boolean signExtend,
            int oaBits, PteCodec codec, DirtyBits dirtyBits) {
        this.name = require(name, "name");
        this.levels = List.copyOf(require(levels, "levels"));
        this.codec = require(codec, "codec");
        this.vaBits = vaBits;
        this.signExtend = signExtend;
        this.oaBits = oaBits;
        this.dirtyBits = dirtyBits;
        check();
    }

    private void check() {
        int n = levels.size();
        if (n < 1 || n > 8) {
            throw new IllegalArgumentException("levels: " + n);
        }
        PageTableLevel l0 = levels.get(0);
        if ((l0.pageSizes() & (1L << l0.itemShift())) == 0) {
            throw new IllegalArgumentException("level 0 must hold pages of its item size");
        }
        for (int i = 1; i < n; i++) {
            PageTableLevel below = levels.get(i - 1);
            if (levels.get(i).itemShift() != below.itemShift() + below.indexBits()) {
                throw new IllegalArgumentException("level " + i + " does not continue level " + (i - 1));
            }
        }
        for (int i = 0; i < n; i++) {
            for (byte k : levels.get(i).kinds()) {
                int next = PageTableLevel.nextLevel(k, i);
                if (k != PageTableLevel.KIND_INVALID && k != PageTableLevel.KIND_LEAF && (next < 0 || next >= i)) {
                    throw new IllegalArgumentException("level " + i + " has a table kind pointing to level " + next);
                }
            }
        }
        PageTableLevel top = levels.get(n - 1);
        int span = top.itemShift() + top.indexBits();
        if (vaBits <= l0.itemShift() || vaBits > span || vaBits > 64 || (signExtend && vaBits == 64)) {
            throw new IllegalArgumentException("vaBits " + vaBits);
        }
        if (oaBits < 12 || oaBits > 64) {
            throw new IllegalArgumentException("oaBits " + oaBits);
        }
    }

    private static <T> T require(T value, String what) {
        if (value == null) {
            throw new IllegalArgumentException(what + " is null");
        }
        return value;
    }

    public String name() {
        return name;
    }

    /** Level 0 first. */
    public List<PageTableLevel> levels() {
        return levels;
    }

    public PageTableLevel level(int level) {
        return levels.get(level);
    }

    public int levelCount() {
        return levels.size();
    }

    /** The level of the root table. */
    public int topLevel() {
        return levels.size() - 1;
    }

    public int vaBits() {
        return vaBits;
    }

    public boolean signExtend() {
        return signExtend;
    }

    public int oaBits() {
        return oaBits;
    }

    public PteCodec codec() {
        return codec;
    }

    public Optional<DirtyBits> dirtyBits() {
        return Optional.ofNullable(dirtyBits);
    }

    /** Every page size any level allows (the domain's pgsize_bitmap before the hardware trims it). */
    public long pageSizeBitmap() {
        long bitmap = 0;
        for (PageTableLevel l : levels) {
            bitmap |= l.pageSizes();
        }
        if (vaBits < 64) {
            bitmap &= (1L << vaBits) - 1;
        }
        return bitmap;
    }

    /**
     * The last IOVA of the domain aperture: {@code 2^vaBits - 1}, or the lower half only with sign
     * extension (generic_pt pt_iommu_init_domain: "The top range will default to the lower region").
     */
    public long apertureLast() {
        int bits = signExtend ? vaBits - 1 : vaBits;
        return bits == 64 ? -1L : (1L << bits) - 1;
    }

    @Override
    public String toString() {
        return "PageTableFormat[" + name + ", levels=" + levels.size() + ", vaBits=" + vaBits
                + (signExtend ? " sign-extended" : "") + ", oaBits=" + oaBits + "]";
    }
}
