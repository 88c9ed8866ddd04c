package io.iommufdsim.core.mem;

import io.iommufdsim.api.Backing;
import io.iommufdsim.api.Errno;
import io.iommufdsim.api.IommufdException;
import io.iommufdsim.spi.PhysicalMemory;

/**
 * A memfd: an anonymous shmem file ({@code "4k"}, or {@code "thp"} as shmem with huge=always, so
 * every 2 MiB-aligned chunk of the file is one huge folio, the last one too when the size is not a
 * multiple of 2 MiB) or a
 * hugetlbfs file with 1 GiB pages ({@code "hugetlb-1g"}, MFD_HUGETLB | MFD_HUGE_1GB). Its pages live
 * in a {@link PageStore} (the page cache) shared by every shared mapping of it and by IOMMU_IOAS_MAP_FILE.
 *
 * <p>Thread safety: this object's lock guards the size; resolving and CPU access through a mapping
 * take it after the process's mmap lock and before the {@link PageStore} lock.
 */
public final class Memfd implements FileDescription {
    /** 1 GiB, the hugetlb-1g page size. */
    static final long HUGETLB_1G_SIZE = 1L << 30;

    private final Backing backing;
    private final PageStore store;
    private final SparsePhysicalMemory memory;
    private long size;

    Memfd(Backing backing, FrameAllocator frames, SparsePhysicalMemory memory) {
        this.backing = backing;
        this.store = new PageStore(frames, hugeOrder(backing));
        this.memory = memory;
    }

    /** The page-cache folio order of a backing: 0 for 4 KiB, 9 for THP, 18 for hugetlb-1g. */
    static int hugeOrder(Backing backing) {
        switch (backing) {
            case THP:
                return 9;
            case HUGETLB_1G:
                return 18;
            default:
                return 0;
        }
    }

    public Backing backing() {
        return backing;
    }

    public synchronized long size() {
        return size;
    }

    PageStore store() {
        return store;
    }

    /**
     * ftruncate(2). Negative → EINVAL; a hugetlbfs size that is not a multiple of the huge page size
     * → EINVAL (fs/hugetlbfs/inode.c: hugetlbfs_setattr). Shrinking drops the pages wholly past the
     * new end from the file (frames someone pinned stay pinned and keep their content: the pinner owns
     * them now) and zeroes the rest of the page or huge folio that holds the new end
     * (mm/truncate.c: truncate_inode_partial_folio), so growing again reads zeros.
     */
    public synchronized void ftruncate(long length) throws IommufdException {
        if (length < 0) {
            throw new IommufdException(Errno.EINVAL);
        }
        if (backing == Backing.HUGETLB_1G && (length & (HUGETLB_1G_SIZE - 1)) != 0) {
            throw new IommufdException(Errno.EINVAL);
        }
        if (length < size) {
            long folioPages = 1L << store.hugeOrder();
            long firstGone = pagesFor(length);
            long oldEnd = (pagesFor(size) + folioPages - 1) & -folioPages;
            if (oldEnd > firstGone) {
                store.drop(firstGone, oldEnd - firstGone);
            }
            PageStore.Resolved r = new PageStore.Resolved();
            long page = length >>> PhysicalMemory.PAGE_SHIFT;
            if (store.resolve(page, Long.MAX_VALUE, false, false, r)) {
                long from = (r.pfn << PhysicalMemory.PAGE_SHIFT) + (length & (PhysicalMemory.PAGE_SIZE - 1));
                long to = (r.pfn + r.count) << PhysicalMemory.PAGE_SHIFT;
                memory.zero(from, to - from);
            }
        }
        size = length;
    }

    /** Pages resident in the page cache (a huge folio counts all its pages). */
    public long residentPages() {
        return store.residentPages();
    }

    /**
     * The PinSource of this file for IOMMU_IOAS_MAP_FILE, page {@code i} being file offset
     * {@code i * 4096}. memfd_pin_folios rules (mm/gup.c): the last byte of the range at or past EOF
     * → EINVAL (iommufd asks for whole pages: pages.c pin_memfd_pages, end = start + npages*4096 - 1).
     * Folios are allocated on first pin; runs are whole huge folios where the file has them. The
     * {@code write} flag does not matter here: memfd_pin_folios takes no FOLL_WRITE, a memfd is
     * always open for writing.
     */
    public PinSource pages() {
        return this::resolvePin;
    }

    private synchronized void resolvePin(long firstPage, long npages, boolean write, FrameRunSink sink)
            throws IommufdException {
        if (firstPage < 0 || npages <= 0 || firstPage + npages < firstPage
                || firstPage + npages > (Long.MAX_VALUE >>> PhysicalMemory.PAGE_SHIFT)) {
            throw new IommufdException(Errno.EINVAL);
        }
        long lastByte = ((firstPage + npages) << PhysicalMemory.PAGE_SHIFT) - 1;
        if (lastByte >= size) {
            throw new IommufdException(Errno.EINVAL);
        }
        RunMerger runs = new RunMerger(sink);
        PageStore.Resolved r = new PageStore.Resolved();
        long page = firstPage;
        long end = firstPage + npages;
        try {
            while (page < end) {
                store.resolve(page, end - page, true, true, r);
                runs.add(page, r.pfn, r.count);
                page += r.count;
            }
        } catch (IommufdException e) {
            throw runs.flushAfter(e);
        }
        runs.flush();
    }

    /**
     * For a shared mapping: resolves file page {@code page} as {@link PageStore#resolve} does. A page
     * at or past EOF has no frame; allocating one there → EFAULT (the fault is SIGBUS, which GUP and
     * copy_*_user report as EFAULT).
     */
    synchronized boolean resolveMapped(long page, long maxCount, boolean allocate, PageStore.Resolved out)
            throws IommufdException {
        long filePages = pagesFor(size);
        if (page >= filePages) {
            if (allocate) {
                throw new IommufdException(Errno.EFAULT);
            }
            out.pfn = 0;
            out.count = maxCount;
            return false;
        }
        return store.resolve(page, Math.min(maxCount, filePages - page), allocate, true, out);
    }

    /** True if file page {@code page} lies (at least partly) before EOF. */
    synchronized boolean pageInFile(long page) {
        return page < pagesFor(size);
    }

    private static long pagesFor(long bytes) {
        return (bytes + PhysicalMemory.PAGE_SIZE - 1) >>> PhysicalMemory.PAGE_SHIFT;
    }
}
