package io.iommufdsim.core.mem;

import io.iommufdsim.api.Errno;
import io.iommufdsim.api.IommufdException;
import io.iommufdsim.spi.PhysicalMemory;
import io.iommufdsim.spi.TablePageAllocator;

/**
 * Hands out physical frames from three disjoint regions of the physical address space:
 * <ul>
 *   <li>page-table pages, one at a time, zeroed ({@link #allocateTablePage()});</li>
 *   <li>scattered 4 KiB data frames: every other PFN of their region, so no two of them are ever
 *       physically contiguous and a 4k mapping is made of runs of length 1 ({@link #allocateScattered()});</li>
 *   <li>contiguous runs aligned to their own size, for THP (2 MiB) and hugetlb (1 GiB) folios
 *       ({@link #allocateContiguous(long)}).</li>
 * </ul>
 * Data frames are never reused: a freed frame's number is retired. With a 46-bit physical address space
 * that is 2^34 frames, which no simulation exhausts, and it means a stale reference to user memory (an
 * IOTLB entry, a DMA in flight) can never alias a new owner's data. PFN 0 is never handed out, so 0 can
 * mean "no frame". Fresh data frames read as zero because no frame was ever written before it was first
 * handed out.
 *
 * <p>Table pages are the exception: a freed table page goes on a free list (a primitive stack, most
 * recently freed first) and is handed out again, zeroed, with its frame storage kept, as the kernel's
 * page allocator recycles iommu_free_pages' pages. So a domain that maps and unmaps the same range again
 * and again allocates no Java memory for its tables after the first time. This is safe because a table
 * page is freed only after the IOTLB invalidation that covers it (IotlbGather.sync, iommu_iotlb_sync),
 * exactly as in Linux.
 *
 * <p>Thread safe (this object's lock; it calls only {@link FaultInjection} and
 * {@link SparsePhysicalMemory#zeroFrameKeepingStorage(long)}, both leaves).
 */
public final class FrameAllocator implements TablePageAllocator {
    private final SparsePhysicalMemory memory;
    private final FaultInjection faults;

    private final long tableEnd;
    private final long scatteredEnd;
    private final long contiguousEnd;

    private long nextTable;
    private long nextScattered;
    private long nextContiguous;

    private final LongMap<Boolean> liveTables = new LongMap<>();
    /** Freed table-page PFNs, reused last-in first-out. */
    private long[] freeTables = new long[64];
    private int freeTableCount;
    private long dataFrames;

    public FrameAllocator(SparsePhysicalMemory memory, FaultInjection faults) {
        this.memory = memory;
        this.faults = faults;
        long frames = memory.size() >>> PhysicalMemory.PAGE_SHIFT;
        // 1/16 of the space for tables, 3/16 for scattered frames (half of them used), 3/4 for runs
        this.tableEnd = frames / 16;
        this.scatteredEnd = frames / 4;
        this.contiguousEnd = frames;
        this.nextTable = 0x100; // above the first MiB, like firmware-reserved low memory
        this.nextScattered = tableEnd;
        this.nextContiguous = scatteredEnd;
    }

    /** One scattered 4 KiB data frame; ENOMEM when the region is exhausted or a fault is injected. */
    public synchronized long allocateScattered() throws IommufdException {
        faults.check(FaultInjection.Kind.FRAME_ALLOC);
        if (nextScattered >= scatteredEnd) {
            throw new IommufdException(Errno.ENOMEM);
        }
        long pfn = nextScattered;
        nextScattered += 2;
        dataFrames++;
        return pfn;
    }

    /**
     * A physically contiguous run of {@code npages} frames (a power of two), whose first PFN is a
     * multiple of {@code npages}. Returns the first PFN.
     */
    public synchronized long allocateContiguous(long npages) throws IommufdException {
        if (npages <= 0 || Long.bitCount(npages) != 1) {
            throw new IllegalArgumentException("run of " + npages + " pages");
        }
        faults.check(FaultInjection.Kind.FRAME_ALLOC);
        long pfn = (nextContiguous + npages - 1) & -npages;
        if (pfn + npages > contiguousEnd || pfn < nextContiguous) {
            throw new IommufdException(Errno.ENOMEM);
        }
        nextContiguous = pfn + npages;
        dataFrames += npages;
        return pfn;
    }

    /** A zeroed page for an I/O page table; returns its physical address. */
    @Override
    public synchronized long allocateTablePage() throws IommufdException {
        faults.check(FaultInjection.Kind.TABLE_PAGE);
        long pfn;
        if (freeTableCount > 0) {
            pfn = freeTables[--freeTableCount];
            memory.zeroFrameKeepingStorage(pfn);
        } else if (nextTable < tableEnd) {
            pfn = nextTable++;
        } else {
            throw new IommufdException(Errno.ENOMEM);
        }
        liveTables.put(pfn, Boolean.TRUE);
        return pfn << PhysicalMemory.PAGE_SHIFT;
    }

    /**
     * {@code 2^order} zeroed table pages, physically contiguous and aligned to their total size (a VT-d
     * PASID directory of several pages, an SMMUv3 stream table); returns the first page's address.
     */
    @Override
    public synchronized long allocateTablePages(int order) throws IommufdException {
        if (order < 0 || order > 30) {
            throw new IllegalArgumentException("order " + order);
        }
        faults.check(FaultInjection.Kind.TABLE_PAGE);
        // a run comes from the never-used part of the table region, so it is zero; freed pages of it
        // join the free list one by one
        long npages = 1L << order;
        long first = (nextTable + npages - 1) & -npages;
        if (first + npages > tableEnd) {
            throw new IommufdException(Errno.ENOMEM);
        }
        nextTable = first + npages;
        for (long pfn = first; pfn < first + npages; pfn++) {
            liveTables.put(pfn, Boolean.TRUE);
        }
        return first << PhysicalMemory.PAGE_SHIFT;
    }

    /**
     * Frees a table page: it is zeroed at once (a stale walk finds nothing present) with its frame storage
     * kept, and its PFN goes on the free list for the next {@link #allocateTablePage()}, which zeroes it
     * again in case a stale walker set accessed/dirty bits meanwhile.
     */
    @Override
    public synchronized void freeTablePage(long physicalAddress) {
        long pfn = physicalAddress >>> PhysicalMemory.PAGE_SHIFT;
        if ((physicalAddress & (PhysicalMemory.PAGE_SIZE - 1)) != 0 || liveTables.remove(pfn) == null) {
            throw new IllegalStateException("not a live table page: 0x" + Long.toHexString(physicalAddress));
        }
        if (freeTableCount == freeTables.length) {
            freeTables = java.util.Arrays.copyOf(freeTables, freeTableCount * 2);
        }
        memory.zeroFrameKeepingStorage(pfn);
        freeTables[freeTableCount++] = pfn;
    }

    /** Table pages allocated and not yet freed (tests use it to find leaks). */
    public synchronized long liveTablePages() {
        return liveTables.size();
    }

    /** Data frames handed out so far (4 KiB units; frames are never returned). */
    public synchronized long allocatedDataFrames() {
        return dataFrames;
    }

    /** True if {@code pfn} lies in the scattered-frame region (tests use it). */
    public boolean isScattered(long pfn) {
        return pfn >= tableEnd && pfn < scatteredEnd;
    }
}
