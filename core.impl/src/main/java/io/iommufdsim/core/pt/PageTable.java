package io.iommufdsim.core.pt;

import io.iommufdsim.api.Errno;
import io.iommufdsim.api.IommufdException;
import io.iommufdsim.api.PageTableDump;
import io.iommufdsim.spi.DirtyBits;
import io.iommufdsim.spi.IommuProt;
import io.iommufdsim.spi.PageTableFormat;
import io.iommufdsim.spi.PageTableLevel;
import io.iommufdsim.spi.PhysicalMemory;
import io.iommufdsim.spi.TablePageAllocator;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * One IO page table of a paging domain, kept as real table pages in simulated physical memory:
 * the map, unmap and translate algorithms of Linux drivers/iommu/generic_pt/iommu_pt.h, written
 * once over a {@link PageTableFormat}.
 *
 * <ul>
 * <li>{@link #map} fills the range with the largest page sizes the domain's page-size bitmap and the
 * alignment of IOVA and physical address allow (drivers/iommu/iommu.c: iommu_pgsize), replacing
 * empty lower tables by a large leaf (iommu_pt.h: clear_contig). It is atomic: on failure nothing
 * it wrote or allocated remains.</li>
 * <li>{@link #unmap} clears leaves from the start of the range until the range is covered or an
 * unmapped IOVA is met, removes a whole large leaf even if the range ends inside it, and unlinks
 * the table pages whose whole span lies inside the range (iommu_pt.h: __unmap_range); the IOTLB
 * range and the unlinked pages go to the caller's {@link IotlbGather}.</li>
 * <li>{@link #translate} is the hardware walk ({@link PageTableWalker}).</li>
 * </ul>
 * Map and unmap allocate no Java objects per page: their state is primitives and reused arrays (the
 * undo log grows only when one call creates more tables than ever before). Map, unmap, dump and
 * destroy must be serialized by the caller (the domain lock); translate may run concurrently.
 */
public final class PageTable {
    private final FormatTables t;
    private final PhysicalMemory memory;
    private final TablePageAllocator allocator;
    private final PageTableWalker walker;
    private long root;
    private long tablePages;
    private long pageSizeBitmap;
    private int features;

    // Per-call state of map and unmap (calls are serialized), so the recursion carries no objects.
    private int error;
    private long runCount;
    private long unmapped;
    private IotlbGather gather;
    private long[] newTableSlot = new long[16];
    private long[] newTablePa = new long[16];
    private int[] newTableParentLevel = new int[16];
    private int newTableCount;
    private long[] replacedSlot = new long[4];
    private long[] replacedEntry = new long[4];
    private long[] replacedIova = new long[4];
    private int[] replacedLevel = new int[4];
    private int replacedCount;

    /**
     * Allocates the root table.
     *
     * @throws IommufdException ENOMEM when no page is left for the root
     * @throws IllegalArgumentException if a level's tables are larger than one page (16/64 KiB granules,
     *         s390 region tables): the engine asks {@link TablePageAllocator} for single 4 KiB frames only
     */
    public PageTable(PageTableFormat format, PhysicalMemory memory, TablePageAllocator allocator)
            throws IommufdException {
        this.t = new FormatTables(format);
        this.memory = memory;
        this.allocator = allocator;
        this.walker = new PageTableWalker(t, memory);
        for (PageTableLevel lv : format.levels()) {
            if (lv.tableBytes() > PhysicalMemory.PAGE_SIZE) {
                throw new IllegalArgumentException(format.name() + ": tables of " + lv.tableBytes()
                        + " bytes need contiguous frames, which TablePageAllocator does not provide");
            }
        }
        this.pageSizeBitmap = format.pageSizeBitmap();
        long top = newTable(t.top);
        if (top < 0) {
            throw new IommufdException(Errno.ENOMEM);
        }
        this.root = top;
    }

    public PageTableFormat format() {
        return t.format;
    }

    /** The root table's physical address (what the hardware's context/PASID/DTE entry points to). */
    public long rootPa() {
        return root;
    }

    /** The page sizes map may use (the domain's pgsize_bitmap). */
    public long pageSizeBitmap() {
        return pageSizeBitmap;
    }

    /**
     * Keeps only the page sizes in {@code bitmap} (intel/iommu.c trims 2 MiB and 1 GiB by SLLPS/FL1GP);
     * the smallest page size of the format always stays, as Linux never removes it.
     */
    public void restrictPageSizes(long bitmap) {
        long smallest = Long.lowestOneBit(t.format.pageSizeBitmap());
        pageSizeBitmap = (t.format.pageSizeBitmap() & bitmap) | smallest;
    }

    /** The domain's {@link io.iommufdsim.spi.PageTableFeatures}, given to the codec on every map. */
    public int features() {
        return features;
    }

    public void setFeatures(int featureBits) {
        features = featureBits;
    }

    /** Table pages linked in the tree, the root included. */
    public long tablePageCount() {
        return tablePages;
    }

    /** The hardware walk of {@code iova}; false with {@link Translation#fault()} set on a fault. */
    public boolean translate(long iova, Translation out) {
        return walker.walk(root, iova, out);
    }

    /**
     * Maps {@code [iova, iova + size)} to {@code [pa, pa + size)} with {@code prot}
     * ({@link IommuProt}); the errors and their order are generic_pt's map_range:
     * EINVAL for a prot with neither READ nor WRITE, ERANGE for a physical address beyond the output
     * width, the codec's errno for a refused prot, EINVAL for size 0, EOVERFLOW when the range wraps,
     * ENXIO when IOVA, address or size is not aligned to the smallest page size, ERANGE when the range
     * leaves the input space, EADDRINUSE when part of it is mapped, ENOMEM when tables run out.
     * Freed empty tables (replaced by a large leaf) go to {@code iotlbGather}.
     */
    public void map(long iova, long pa, long size, int prot, IotlbGather iotlbGather) throws IommufdException {
        checkAlive();
        if ((prot & (IommuProt.READ | IommuProt.WRITE)) == 0) {
            throw new IommufdException(Errno.EINVAL);
        }
        // iommu_pt.h map_range checks the start; the end is checked too so no entry's address field overflows.
        if (t.oaBits < 64 && ((pa >>> t.oaBits) != 0 || (size != 0 && (((pa + size - 1) >>> t.oaBits) != 0
                || Long.compareUnsigned(pa + size - 1, pa) < 0)))) {
            throw new IommufdException(Errno.ERANGE);
        }
        long attributes = t.codec.leafAttributes(prot, features);
        if (size == 0) {
            throw new IommufdException(Errno.EINVAL);
        }
        long last = iova + size - 1;
        if (Long.compareUnsigned(last, iova) < 0) {
            throw new IommufdException(Errno.EOVERFLOW);
        }
        long minPage = Long.lowestOneBit(pageSizeBitmap);
        if (((iova | pa | size) & (minPage - 1)) != 0) {
            throw new IommufdException(Errno.ENXIO);
        }
        if (!t.rangeInRange(iova, last)) {
            throw new IommufdException(Errno.ERANGE);
        }

        gather = iotlbGather;
        error = 0;
        newTableCount = 0;
        replacedCount = 0;
        long done = 0;
        while (done != size) {
            int sizeLg2 = pickPageSize(iova + done, pa + done, size - done);
            done += mapRun(iova + done, pa + done, sizeLg2, runCount, attributes);
            if (error != 0) {
                break;
            }
        }
        if (error != 0) {
            Errno errno = error == ERR_ADDRINUSE ? Errno.EADDRINUSE : Errno.ENOMEM;
            rollbackMap(iova, done, last);
            gather = null;
            throw new IommufdException(errno);
        }
        commitReplacedTables();
        gather = null;
    }

    private static final int ERR_ADDRINUSE = 1;
    private static final int ERR_NOMEM = 2;

    /**
     * drivers/iommu/iommu.c iommu_pgsize: the largest page size not above the remaining size and
     * aligned for both addresses; when both are equally offset within the next larger page size,
     * map only up to that boundary so the next run can use it. Sets {@link #runCount}.
     */
    private int pickPageSize(long iova, long pa, long size) {
        long pgsizes = pageSizeBitmap & genmask(63 - Long.numberOfLeadingZeros(size));
        long merge = iova | pa;
        if (merge != 0) {
            pgsizes &= genmask(Long.numberOfTrailingZeros(merge));
        }
        int idx = 63 - Long.numberOfLeadingZeros(pgsizes);
        long count = size >>> idx;
        long larger = pageSizeBitmap & ~genmask(idx);
        if (larger != 0) {
            long next = Long.lowestOneBit(larger);
            if (((iova ^ pa) & (next - 1)) == 0) {
                long offset = next - (merge & (next - 1));
                long end = offset + next;
                if (Long.compareUnsigned(end, offset) >= 0 && Long.compareUnsigned(end, size) <= 0) {
                    count = offset >>> idx;
                }
            }
        }
        runCount = count;
        return idx;
    }

    private static long genmask(int high) {
        return high >= 63 ? -1L : (1L << (high + 1)) - 1;
    }

    /** Maps {@code count} pages of 2^sizeLg2; returns the bytes mapped, setting {@link #error} on failure. */
    private long mapRun(long iova, long pa, int sizeLg2, long count, long attributes) {
        int l = t.levelOfPageSize[sizeLg2];
        int shift = t.itemShift[l];
        int replicasLg2 = sizeLg2 - shift;
        int replicas = 1 << replicasLg2;
        long pageSize = 1L << sizeLg2;
        boolean plain = !t.leafHook[l] && !t.addressHook[l];
        long addressMask = t.leafAddressMask[l];
        long bits = t.leafBits[l] | attributes;
        long mapped = 0;
        while (count > 0) {
            long table = descendCreating(iova, l);
            if (table < 0) {
                return mapped;
            }
            int idx = t.index(l, iova);
            long fit = ((long) (1 << t.indexBits[l]) - idx) >>> replicasLg2;
            long n = Math.min(count, fit);
            for (long p = 0; p < n; p++) {
                long slot = table + ((long) idx << 3);
                if (!slotsFree(slot, replicas, l, iova)) {
                    return mapped;
                }
                if (plain && replicas == 1) {
                    memory.writeLong(slot, (pa & addressMask) | bits);
                } else {
                    for (int r = 0; r < replicas; r++) {
                        long oa = pa + ((long) r << shift);
                        memory.writeLong(slot + ((long) r << 3), t.encodeLeaf(l, oa, sizeLg2, attributes));
                    }
                }
                idx += replicas;
                iova += pageSize;
                pa += pageSize;
                mapped += pageSize;
                count--;
            }
        }
        return mapped;
    }

    /**
     * Whether the {@code replicas} entries at {@code slot} may take a leaf: each must be empty, or a
     * table whose subtree maps nothing (then it is logged for replacement; iommu_pt.h clear_contig).
     */
    private boolean slotsFree(long slot, int replicas, int l, long iova) {
        for (int r = 0; r < replicas; r++) {
            long entrySlot = slot + ((long) r << 3);
            long e = memory.readLong(entrySlot);
            if (!t.present(l, e)) {
                continue;
            }
            if (l > 0 && PageTableLevel.nextLevel(t.kind(l, e), l) == l - 1
                    && subtreeMapsNothing(t.tableAddress(l, e), l - 1)) {
                logReplaced(entrySlot, e, iova + ((long) r << t.itemShift[l]), l);
                continue;
            }
            error = ERR_ADDRINUSE;
            return false;
        }
        return true;
    }

    private boolean subtreeMapsNothing(long table, int l) {
        int entries = 1 << t.indexBits[l];
        for (int i = 0; i < entries; i++) {
            long e = memory.readLong(table + ((long) i << 3));
            if (!t.present(l, e)) {
                continue;
            }
            if (l == 0 || PageTableLevel.nextLevel(t.kind(l, e), l) != l - 1
                    || !subtreeMapsNothing(t.tableAddress(l, e), l - 1)) {
                return false;
            }
        }
        return true;
    }

    /** The table at {@code leafLevel} covering {@code iova}, creating missing tables; -1 on failure. */
    private long descendCreating(long iova, int leafLevel) {
        long table = root;
        for (int l = t.top; l > leafLevel; l--) {
            long slot = table + ((long) t.index(l, iova) << 3);
            long e = memory.readLong(slot);
            if (!t.present(l, e)) {
                long lower = newTable(l - 1);
                if (lower < 0) {
                    error = ERR_NOMEM;
                    return -1;
                }
                memory.writeLong(slot, t.encodeTable(l, lower));
                logNewTable(slot, lower, l);
                table = lower;
            } else if (PageTableLevel.nextLevel(t.kind(l, e), l) == l - 1) {
                table = t.tableAddress(l, e);
            } else {
                error = ERR_ADDRINUSE; // a larger leaf covers the IOVA (iommu_pt.h __map_range)
                return -1;
            }
        }
        return table;
    }

    private long newTable(int level) {
        long pa;
        try {
            pa = allocator.allocateTablePage();
        } catch (IommufdException e) {
            return -1; // ENOMEM: the map unwinds
        }
        long empty = t.emptyEntry[level];
        if (empty != 0) {
            int entries = 1 << t.indexBits[level];
            for (int i = 0; i < entries; i++) {
                memory.writeLong(pa + ((long) i << 3), empty);
            }
        }
        tablePages++;
        return pa;
    }

    private void logNewTable(long slot, long pa, int parentLevel) {
        if (newTableCount == newTableSlot.length) {
            int n = newTableCount * 2;
            newTableSlot = Arrays.copyOf(newTableSlot, n);
            newTablePa = Arrays.copyOf(newTablePa, n);
            newTableParentLevel = Arrays.copyOf(newTableParentLevel, n);
        }
        newTableSlot[newTableCount] = slot;
        newTablePa[newTableCount] = pa;
        newTableParentLevel[newTableCount] = parentLevel;
        newTableCount++;
    }

    private void logReplaced(long slot, long entry, long iova, int level) {
        if (replacedCount == replacedSlot.length) {
            int n = replacedCount * 2;
            replacedSlot = Arrays.copyOf(replacedSlot, n);
            replacedEntry = Arrays.copyOf(replacedEntry, n);
            replacedIova = Arrays.copyOf(replacedIova, n);
            replacedLevel = Arrays.copyOf(replacedLevel, n);
        }
        replacedSlot[replacedCount] = slot;
        replacedEntry[replacedCount] = entry;
        replacedIova[replacedCount] = iova;
        replacedLevel[replacedCount] = level;
        replacedCount++;
    }

    /** Tables replaced by large leaves leave the tree now; the walk caches must forget them. */
    private void commitReplacedTables() {
        for (int i = 0; i < replacedCount; i++) {
            int l = replacedLevel[i];
            unlinkSubtree(t.tableAddress(l, replacedEntry[i]), l - 1);
            long start = replacedIova[i] & -(1L << t.itemShift[l]);
            gather.addRange(t.canonical(start), t.canonical(start + (1L << t.itemShift[l]) - 1));
        }
        replacedCount = 0;
    }

    private void unlinkSubtree(long table, int l) {
        if (l > 0) {
            int entries = 1 << t.indexBits[l];
            for (int i = 0; i < entries; i++) {
                long e = memory.readLong(table + ((long) i << 3));
                if (t.present(l, e)) {
                    unlinkSubtree(t.tableAddress(l, e), l - 1);
                }
            }
        }
        gather.addFreedPage(table);
        tablePages--;
    }

    /** Undoes a failed map: its leaves, the tables it created, the tables it replaced. */
    private void rollbackMap(long iova, long done, long last) {
        if (done != 0) {
            unmapped = 0;
            unmapLevel(root, t.top, iova, iova + done - 1, false);
            gather.addRange(iova, iova + done - 1);
        }
        for (int i = newTableCount - 1; i >= 0; i--) {
            memory.writeLong(newTableSlot[i], t.emptyEntry[newTableParentLevel[i]]);
            gather.addFreedPage(newTablePa[i]);
            tablePages--;
        }
        if (newTableCount != 0) {
            gather.addRange(iova, last);
        }
        for (int i = replacedCount - 1; i >= 0; i--) {
            memory.writeLong(replacedSlot[i], replacedEntry[i]);
        }
        newTableCount = 0;
        replacedCount = 0;
    }

    /**
     * Unmaps from {@code iova}: returns the bytes unmapped, which may be less than {@code size} (an
     * unmapped IOVA stops it; 0 if {@code iova} is not mapped or is inside a larger page) or more (a
     * large page the range ends in is removed whole). A size of 0, a wrapping range or one outside
     * the input space unmaps nothing (iommu_pt.h unmap_range: make_range fails, returns 0).
     */
    public long unmap(long iova, long size, IotlbGather iotlbGather) {
        checkAlive();
        if (size == 0) {
            return 0;
        }
        long last = iova + size - 1;
        if (Long.compareUnsigned(last, iova) < 0 || !t.rangeInRange(iova, last)) {
            return 0;
        }
        gather = iotlbGather;
        unmapped = 0;
        unmapLevel(root, t.top, iova, last, true);
        if (unmapped != 0) {
            gather.addRange(iova, iova + unmapped - 1);
        }
        gather = null;
        return unmapped;
    }

    /**
     * Clears [va, last] (which lies within this table's span) in the table at level {@code l}; false
     * when it met an unmapped entry or a leaf it does not start at.
     */
    private boolean unmapLevel(long table, int l, long va, long last, boolean freeTables) {
        int shift = t.itemShift[l];
        long base = t.tableBase(l, va);
        int i = t.index(l, va);
        int end = t.index(l, last);
        long cur = va;
        while (i <= end) {
            long slot = table + ((long) i << 3);
            long e = memory.readLong(slot);
            if (!t.present(l, e)) {
                return false;
            }
            byte kind = t.kind(l, e);
            if (kind == PageTableLevel.KIND_LEAF) {
                int sizeLg2 = t.leafSizeLg2(l, e);
                if ((cur & ((1L << sizeLg2) - 1)) != 0) {
                    return false; // iommu_pt.h: a range may not start inside a large page
                }
                int replicas = 1 << (sizeLg2 - shift);
                long keep = t.unmapKeepMask[l];
                long empty = t.emptyEntry[l];
                for (int r = 0; r < replicas; r++) {
                    long s = slot + ((long) r << 3);
                    memory.writeLong(s, keep == 0 ? empty : (memory.readLong(s) & keep) | empty);
                }
                unmapped += 1L << sizeLg2;
                i += replicas;
            } else {
                if (PageTableLevel.nextLevel(kind, l) != l - 1) {
                    return false;
                }
                long entryStart = base + ((long) i << shift);
                long entryLast = entryStart + (1L << shift) - 1;
                boolean fullyCovered = cur == entryStart && Long.compareUnsigned(last, entryLast) >= 0;
                long lower = t.tableAddress(l, e);
                long lowerLast = Long.compareUnsigned(last, entryLast) < 0 ? last : entryLast;
                if (!unmapLevel(lower, l - 1, cur, lowerLast, freeTables)) {
                    return false;
                }
                if (fullyCovered && freeTables) {
                    memory.writeLong(slot, t.emptyEntry[l]);
                    gather.addFreedPage(lower);
                    tablePages--;
                }
                i++;
            }
            cur = base + ((long) i << shift);
        }
        return true;
    }

    /**
     * generic_pt read_and_clear_dirty (iommu_pt.h __read_and_clear_dirty, record_dirty): every present
     * leaf overlapping {@code [iova, iova + length)} that is write-dirty by the format's
     * {@link DirtyBits} is reported to {@code recorder} (may be null: only clear), and unless
     * {@code noClear} made write-clean with a compare-and-set (racing hardware updates are not lost) and
     * its range added to {@code iotlbGather}. As in generic_pt the reported range is the whole leaf
     * (2 MiB for a 2 MiB page), starting at the range start for the first entry walked and at the
     * entry's own start for every later one; a page of several entries (contiguous hint) is dirty when
     * any of its entries is and is cleaned whole. A length of 0, a wrapping range or one outside the
     * input space reports nothing (make_range fails). Returns how many dirty leaves it found. Serialized
     * with map and unmap by the caller; runs concurrently with DMA.
     *
     * @throws IllegalStateException if the format has no {@link DirtyBits}
     */
    public long readAndClearDirty(long iova, long length, boolean noClear, DirtyRecorder recorder,
            IotlbGather iotlbGather) {
        checkAlive();
        DirtyBits bits = t.format.dirtyBits().orElseThrow(
                () -> new IllegalStateException(t.format.name() + " has no dirty bits"));
        if (length == 0) {
            return 0;
        }
        long last = iova + length - 1;
        if (Long.compareUnsigned(last, iova) < 0 || !t.rangeInRange(iova, last)) {
            return 0;
        }
        dirtyBits = bits;
        dirtyRecorder = recorder;
        dirtyNoClear = noClear;
        gather = iotlbGather;
        dirtyLeaves = 0;
        dirtyLevel(root, t.top, iova, last);
        gather = null;
        dirtyRecorder = null;
        dirtyBits = null;
        return dirtyLeaves;
    }

    // per-call state of readAndClearDirty
    private DirtyBits dirtyBits;
    private DirtyRecorder dirtyRecorder;
    private boolean dirtyNoClear;
    private long dirtyLeaves;

    /** The dirty walk of [va, last] (within this table's span) in the table at level {@code l}. */
    private void dirtyLevel(long table, int l, long va, long last) {
        int shift = t.itemShift[l];
        long base = t.tableBase(l, va);
        int i = t.index(l, va);
        int end = t.index(l, last);
        long cur = va; // pt_iter: the first entry's va is the range start, later ones their own start
        while (i <= end) {
            long slot = table + ((long) i << 3);
            long e = memory.readLong(slot);
            if (t.present(l, e)) {
                byte kind = t.kind(l, e);
                if (kind == PageTableLevel.KIND_LEAF) {
                    int replicas = 1 << (t.leafSizeLg2(l, e) - shift);
                    int groupStart = i & -replicas;
                    int next = groupStart + replicas;
                    if (anyDirty(table, l, groupStart, replicas)) {
                        // record_dirty: a single entry reports its item; a contiguous group from here to
                        // its end, clipped to the range's last entry
                        long len = replicas == 1 ? 1L << shift : (long) (Math.min(next, end + 1) - i) << shift;
                        dirtyLeaves++;
                        if (dirtyRecorder != null) {
                            dirtyRecorder.record(t.canonical(cur), len);
                        }
                        if (!dirtyNoClear) {
                            for (int r = 0; r < replicas; r++) {
                                makeClean(table + ((long) (groupStart + r) << 3));
                            }
                            gather.addRange(t.canonical(cur), t.canonical(cur + len - 1));
                        }
                    }
                    i = next;
                    cur = base + ((long) i << shift);
                    continue;
                }
                if (PageTableLevel.nextLevel(kind, l) == l - 1) {
                    long entryLast = base + ((long) i << shift) + (1L << shift) - 1;
                    long lowerLast = Long.compareUnsigned(last, entryLast) < 0 ? last : entryLast;
                    dirtyLevel(t.tableAddress(l, e), l - 1, cur, lowerLast);
                }
            }
            i++;
            cur = base + ((long) i << shift);
        }
    }

    private boolean anyDirty(long table, int l, int first, int count) {
        for (int r = 0; r < count; r++) {
            long e = memory.readLong(table + ((long) (first + r) << 3));
            if (t.present(l, e) && dirtyBits.isDirty(e)) {
                return true;
            }
        }
        return false;
    }

    /** pt_entry_make_write_clean, atomically against a DMA setting D at the same time. */
    private void makeClean(long slot) {
        while (true) {
            long e = memory.readLong(slot);
            long clean = dirtyBits.makeClean(e);
            if (clean == e || memory.compareAndSetLong(slot, e, clean)) {
                return;
            }
        }
    }

    /** Every leaf, in IOVA order, with its raw entry; a page of several entries is listed once. */
    public PageTableDump dump() {
        checkAlive();
        List<PageTableDump.Leaf> leaves = new ArrayList<>();
        dumpLevel(root, t.top, 0, leaves);
        return new PageTableDump(List.copyOf(leaves), tablePages);
    }

    private void dumpLevel(long table, int l, long base, List<PageTableDump.Leaf> out) {
        int entries = 1 << t.indexBits[l];
        int shift = t.itemShift[l];
        for (int i = 0; i < entries; i++) {
            long e = memory.readLong(table + ((long) i << 3));
            if (!t.present(l, e)) {
                continue;
            }
            long va = base + ((long) i << shift);
            byte kind = t.kind(l, e);
            if (kind == PageTableLevel.KIND_LEAF) {
                int sizeLg2 = t.leafSizeLg2(l, e);
                out.add(new PageTableDump.Leaf(t.canonical(va), 1L << sizeLg2, l, e));
                i += (1 << (sizeLg2 - shift)) - 1;
            } else if (PageTableLevel.nextLevel(kind, l) == l - 1) {
                dumpLevel(t.tableAddress(l, e), l - 1, va, out);
            }
        }
    }

    /** Frees every table page; the table is unusable afterwards (domain free, no device attached). */
    public void destroy() {
        checkAlive();
        destroyLevel(root, t.top);
        root = -1;
    }

    private void destroyLevel(long table, int l) {
        if (l > 0) {
            int entries = 1 << t.indexBits[l];
            for (int i = 0; i < entries; i++) {
                long e = memory.readLong(table + ((long) i << 3));
                if (t.present(l, e) && PageTableLevel.nextLevel(t.kind(l, e), l) == l - 1) {
                    destroyLevel(t.tableAddress(l, e), l - 1);
                }
            }
        }
        allocator.freeTablePage(table);
        tablePages--;
    }

    private void checkAlive() {
        if (root < 0) {
            throw new IllegalStateException("page table destroyed");
        }
    }
}
