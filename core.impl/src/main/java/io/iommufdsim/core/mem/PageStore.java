package io.iommufdsim.core.mem;

import io.iommufdsim.api.IommufdException;

/**
 * The frames behind one anonymous memory object (what an anon_vma's pages are to the VMAs split from
 * one mmap) or one memfd's page cache, by 4 KiB page index. Lazily populated: a 1 TiB store costs
 * nothing until touched.
 * <ul>
 *   <li>Small pages: a sparse directory of {@code long[512]} leaves holding one PFN per page.</li>
 *   <li>Huge folios (order 9 for THP, 18 for hugetlb-1g): a sparse directory holding one base PFN per
 *       aligned chunk; the chunk's pages are frames {@code base .. base + 2^order - 1}.</li>
 * </ul>
 * PFN 0 means "no frame" ({@link FrameAllocator} never hands out PFN 0).
 *
 * <p>Thread safety: this object's lock; inside it only {@link FrameAllocator} is called.
 */
final class PageStore {
    private static final int LEAF_SHIFT = 9;
    private static final int LEAF_MASK = (1 << LEAF_SHIFT) - 1;

    /** Out-parameter of {@link #resolve}: the first frame and how many pages follow it contiguously. */
    static final class Resolved {
        long pfn;
        long count;
    }

    private final FrameAllocator frames;
    private final int hugeOrder;
    private final LongMap<long[]> small = new LongMap<>();
    private final LongMap<long[]> huge = new LongMap<>();
    private long residentPages;

    /** @param hugeOrder 0 for 4 KiB pages only, 9 for 2 MiB THP, 18 for 1 GiB hugetlb */
    PageStore(FrameAllocator frames, int hugeOrder) {
        this.frames = frames;
        this.hugeOrder = hugeOrder;
    }

    int hugeOrder() {
        return hugeOrder;
    }

    /**
     * Looks up page {@code page}; with {@code allocate}, gives it a frame if it has none: a whole
     * huge folio when {@code hugeAllowed} and this store has huge pages (and the chunk holds no small
     * pages), else one scattered frame. Sets {@code out} to the page's frame and the number of pages,
     * at most {@code maxCount}, that continue it contiguously inside the same folio. Returns false
     * when the page has no frame and {@code allocate} is false; {@code out.count} is then the number
     * of pages from {@code page} (at most {@code maxCount}) known to have no frame either.
     */
    synchronized boolean resolve(long page, long maxCount, boolean allocate, boolean hugeAllowed, Resolved out)
            throws IommufdException {
        if (hugeOrder > 0) {
            long chunk = page >>> hugeOrder;
            long[] leaf = huge.get(chunk >>> LEAF_SHIFT);
            long base = leaf == null ? 0 : leaf[(int) (chunk & LEAF_MASK)];
            if (base == 0 && allocate && hugeAllowed && !hasSmallPagesIn(chunk)) {
                base = frames.allocateContiguous(1L << hugeOrder);
                if (leaf == null) {
                    leaf = new long[1 << LEAF_SHIFT];
                    huge.put(chunk >>> LEAF_SHIFT, leaf);
                }
                leaf[(int) (chunk & LEAF_MASK)] = base;
                residentPages += 1L << hugeOrder;
            }
            if (base != 0) {
                long offset = page & ((1L << hugeOrder) - 1);
                out.pfn = base + offset;
                out.count = Math.min(maxCount, (1L << hugeOrder) - offset);
                return true;
            }
        }
        long[] leaf = small.get(page >>> LEAF_SHIFT);
        long pfn = leaf == null ? 0 : leaf[(int) (page & LEAF_MASK)];
        if (pfn == 0) {
            if (!allocate) {
                out.pfn = 0;
                out.count = leaf == null ? Math.min(maxCount, (1 << LEAF_SHIFT) - (page & LEAF_MASK)) : 1;
                return false;
            }
            pfn = frames.allocateScattered();
            if (leaf == null) {
                leaf = new long[1 << LEAF_SHIFT];
                small.put(page >>> LEAF_SHIFT, leaf);
            }
            leaf[(int) (page & LEAF_MASK)] = pfn;
            residentPages++;
        }
        out.pfn = pfn;
        out.count = 1;
        return true;
    }

    /** True if some page of huge chunk {@code chunk} already has a small frame. */
    private boolean hasSmallPagesIn(long chunk) {
        long firstLeaf = (chunk << hugeOrder) >>> LEAF_SHIFT;
        long leaves = Math.max(1, (1L << hugeOrder) >>> LEAF_SHIFT);
        if (small.size() == 0) {
            return false;
        }
        for (long l = firstLeaf; l < firstLeaf + leaves; l++) {
            if (small.get(l) != null) {
                return true;
            }
        }
        return false;
    }

    /**
     * Forgets the frames of pages {@code first .. first + count - 1}: small pages in the range, and
     * huge folios lying wholly inside it (a folio only partly inside stays, as a THP split by a partial
     * munmap keeps its frames). The frames themselves are not freed: whoever pinned them keeps them.
     */
    synchronized void drop(long first, long count) {
        long end = first + count;
        dropSmall(first, end);
        if (hugeOrder > 0) {
            long firstChunk = (first + (1L << hugeOrder) - 1) >>> hugeOrder;
            long endChunk = end >>> hugeOrder;
            if (firstChunk < endChunk) {
                dropHuge(firstChunk, endChunk);
            }
        }
    }

    private void dropSmall(long first, long end) {
        if (small.size() == 0) {
            return;
        }
        long firstLeaf = first >>> LEAF_SHIFT;
        long lastLeaf = (end - 1) >>> LEAF_SHIFT;
        long[] keys = lastLeaf - firstLeaf + 1 > small.size() ? small.keys() : null;
        if (keys != null) {
            for (long l : keys) {
                if (l >= firstLeaf && l <= lastLeaf) {
                    dropSmallLeaf(l, first, end);
                }
            }
        } else {
            for (long l = firstLeaf; l <= lastLeaf; l++) {
                dropSmallLeaf(l, first, end);
            }
        }
    }

    private void dropSmallLeaf(long l, long first, long end) {
        long[] leaf = small.get(l);
        if (leaf == null) {
            return;
        }
        long leafStart = l << LEAF_SHIFT;
        int from = (int) Math.max(0, first - leafStart);
        int to = (int) Math.min(1 << LEAF_SHIFT, end - leafStart);
        boolean empty = true;
        for (int i = 0; i < leaf.length; i++) {
            if (i >= from && i < to) {
                if (leaf[i] != 0) {
                    leaf[i] = 0;
                    residentPages--;
                }
            } else if (leaf[i] != 0) {
                empty = false;
            }
        }
        if (empty) {
            small.remove(l);
        }
    }

    private void dropHuge(long firstChunk, long endChunk) {
        if (huge.size() == 0) {
            return;
        }
        long firstLeaf = firstChunk >>> LEAF_SHIFT;
        long lastLeaf = (endChunk - 1) >>> LEAF_SHIFT;
        long[] keys = huge.keys();
        for (long l : keys) {
            if (l < firstLeaf || l > lastLeaf) {
                continue;
            }
            long[] leaf = huge.get(l);
            long leafStart = l << LEAF_SHIFT;
            boolean empty = true;
            for (int i = 0; i < leaf.length; i++) {
                long chunk = leafStart + i;
                if (chunk >= firstChunk && chunk < endChunk) {
                    if (leaf[i] != 0) {
                        leaf[i] = 0;
                        residentPages -= 1L << hugeOrder;
                    }
                } else if (leaf[i] != 0) {
                    empty = false;
                }
            }
            if (empty) {
                huge.remove(l);
            }
        }
    }

    /** Pages that have a frame (a huge folio counts all its pages). */
    synchronized long residentPages() {
        return residentPages;
    }
}
