package io.iommufdsim.core.mem;

import io.iommufdsim.api.Backing;
import io.iommufdsim.api.Errno;
import io.iommufdsim.api.IommufdException;
import io.iommufdsim.api.SimProcess;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.locks.ReentrantReadWriteLock;

/**
 * A process's virtual address space (the mm): non-overlapping VMAs in a tree keyed by start address,
 * guarded by a read-write lock that plays mmap_lock: mmap/munmap take it for writing; GUP, CPU
 * access and queries take it for reading.
 *
 * <p>Addresses are chosen top-down from {@link #MMAP_BASE}, as Linux's default mmap layout does
 * (mm/mmap.c: arch_get_unmapped_area_topdown): the highest free gap that fits, aligned to the folio
 * size of the backing. Deterministic for a given sequence of calls.
 */
final class AddressSpace {
    /** The highest user address + 1 on x86-64 with 4-level paging (TASK_SIZE). */
    static final long TASK_SIZE = 0x7ffffffff000L;
    /** Where top-down placement starts, like mm->mmap_base below the stack. */
    static final long MMAP_BASE = 0x7f0000000000L;
    /** The lowest address mmap hands out (vm.mmap_min_addr's default, 64 KiB). */
    static final long MMAP_MIN_ADDR = 0x10000L;
    static final long PAGE_SIZE = 4096;
    static final long PMD_SIZE = 2L << 20;

    private enum Access { CPU_READ, CPU_WRITE, PIN_READ, PIN_WRITE, MAPPED }

    @FunctionalInterface
    private interface SegmentVisitor {
        /** {@code bytes} from {@code va} are at physical address {@code pa}, or have no frame ({@code pa} = -1). */
        void visit(long va, long pa, long bytes) throws IommufdException;
    }

    final ReentrantReadWriteLock lock = new ReentrantReadWriteLock();
    private final TreeMap<Long, Vma> vmas = new TreeMap<>();
    private final FrameAllocator frames;
    private final SparsePhysicalMemory memory;
    private final FramePins pins;

    AddressSpace(FrameAllocator frames, SparsePhysicalMemory memory, FramePins pins) {
        this.frames = frames;
        this.memory = memory;
        this.pins = pins;
    }

    /**
     * An anonymous private mapping. Length 0 → EINVAL; a length that does not fit the address space
     * → ENOMEM (mm/mmap.c: do_mmap). The length is rounded up to 4 KiB, or to 1 GiB for hugetlb-1g
     * (mm/mmap.c: ksys_mmap_pgoff aligns MAP_HUGETLB lengths to the huge page size).
     */
    long mmapAnonymous(long length, Backing backing, int prot) throws IommufdException {
        checkLength(length);
        long align = alignment(backing);
        long len = roundUp(length, backing == Backing.HUGETLB_1G ? align : PAGE_SIZE);
        if (len <= 0 || len > TASK_SIZE) {
            throw new IommufdException(Errno.ENOMEM);
        }
        lock.writeLock().lock();
        try {
            long va = findGap(len, align, 0);
            PageStore store = new PageStore(frames, Memfd.hugeOrder(backing));
            vmas.put(va, new Vma(va, va + len, prot, backing, store, null, 0));
            return va;
        } finally {
            lock.writeLock().unlock();
        }
    }

    /**
     * A shared mapping of a memfd at {@code offset}. Offset not page aligned or negative → EINVAL
     * (arch/x86/kernel/sys_x86_64.c: sys_mmap); hugetlbfs: offset or length not a multiple of 1 GiB →
     * EINVAL (fs/hugetlbfs/inode.c: hugetlbfs_file_mmap, hugetlb_get_unmapped_area); offset + length
     * past the largest page offset → EOVERFLOW (do_mmap). The address is chosen so that
     * {@code va ≡ offset} modulo the folio size, so huge folios of the file map onto aligned addresses
     * (mm/shmem.c: shmem_get_unmapped_area). Mapping past EOF is allowed; touching it faults (EFAULT).
     */
    long mmapFile(long length, Memfd memfd, int prot, long offset) throws IommufdException {
        checkLength(length);
        if (offset < 0 || (offset & (PAGE_SIZE - 1)) != 0) {
            throw new IommufdException(Errno.EINVAL);
        }
        long align = alignment(memfd.backing());
        if (memfd.backing() == Backing.HUGETLB_1G && ((offset | length) & (align - 1)) != 0) {
            throw new IommufdException(Errno.EINVAL);
        }
        long len = roundUp(length, PAGE_SIZE);
        if (len <= 0 || len > TASK_SIZE) {
            throw new IommufdException(Errno.ENOMEM);
        }
        if (offset + len < 0) {
            throw new IommufdException(Errno.EOVERFLOW);
        }
        lock.writeLock().lock();
        try {
            long va = findGap(len, align, offset & (align - 1));
            vmas.put(va, new Vma(va, va + len, prot, memfd.backing(), memfd.store(), memfd, offset / PAGE_SIZE));
            return va;
        } finally {
            lock.writeLock().unlock();
        }
    }

    /**
     * munmap(2) (mm/vma.c: do_vmi_munmap): start not page aligned, length 0 after rounding, or a range
     * outside TASK_SIZE → EINVAL; cutting a hugetlb VMA at an address that is not 1 GiB aligned →
     * EINVAL (mm/hugetlb.c: hugetlb_vm_op_split), with nothing unmapped. Unmapping a hole is fine.
     * Frames of anonymous memory are forgotten by the mapping; frames someone pinned stay pinned.
     */
    void munmap(long va, long length) throws IommufdException {
        if ((va & (PAGE_SIZE - 1)) != 0 || va < 0 || va > TASK_SIZE) {
            throw new IommufdException(Errno.EINVAL);
        }
        long len = roundUp(length, PAGE_SIZE);
        if (length == 0 || len <= 0 || len > TASK_SIZE - va) {
            throw new IommufdException(Errno.EINVAL);
        }
        long end = va + len;
        lock.writeLock().lock();
        try {
            List<Vma> hit = overlapping(va, end);
            for (Vma v : hit) {
                if (v.backing == Backing.HUGETLB_1G) {
                    long hugeMask = Memfd.HUGETLB_1G_SIZE - 1;
                    if ((v.start < va && (va & hugeMask) != 0) || (v.end > end && (end & hugeMask) != 0)) {
                        throw new IommufdException(Errno.EINVAL);
                    }
                }
            }
            for (Vma v : hit) {
                removeVma(v, Math.max(v.start, va), Math.min(v.end, end));
            }
        } finally {
            lock.writeLock().unlock();
        }
    }

    /** Unmaps everything (process exit). */
    void unmapAll() {
        lock.writeLock().lock();
        try {
            for (Vma v : new ArrayList<>(vmas.values())) {
                removeVma(v, v.start, v.end);
            }
        } finally {
            lock.writeLock().unlock();
        }
    }

    int vmaCount() {
        lock.readLock().lock();
        try {
            return vmas.size();
        } finally {
            lock.readLock().unlock();
        }
    }

    /**
     * GUP (mm/gup.c: __get_user_pages → check_vma_flags) for {@code npages} pages from page-aligned
     * {@code va}: every page must be mapped (else EFAULT); a VM_PFNMAP VMA → EFAULT; a FOLL_WRITE pin
     * of a VMA without VM_WRITE → EFAULT; a read pin of a VMA without VM_READ → EFAULT; a shared page
     * past its file's EOF → EFAULT (SIGBUS). The whole range is checked before anything is resolved.
     * Runs are reported with page indices counted from {@code base}.
     */
    void resolvePins(long base, long va, long npages, boolean write, FrameRunSink sink) throws IommufdException {
        if (npages <= 0 || npages > (TASK_SIZE >>> 12)) {
            throw new IommufdException(Errno.EFAULT);
        }
        long len = npages << 12;
        lock.readLock().lock();
        try {
            check(va, len, write ? Access.PIN_WRITE : Access.PIN_READ);
            RunMerger runs = new RunMerger(sink);
            try {
                walk(va, len, true, (segVa, pa, bytes) -> runs.add((segVa - base) >>> 12, pa >>> 12, bytes >>> 12));
            } catch (IommufdException e) {
                throw runs.flushAfter(e);
            }
            runs.flush();
        } finally {
            lock.readLock().unlock();
        }
    }

    /** A CPU load, or copy_from_user: EFAULT unless every byte is mapped and accessible. */
    void copyIn(long va, byte[] dst, int off, int len) throws IommufdException {
        lock.readLock().lock();
        try {
            check(va, len, Access.CPU_READ);
            walk(va, len, false, (segVa, pa, bytes) -> {
                int at = off + (int) (segVa - va);
                if (pa < 0) {
                    java.util.Arrays.fill(dst, at, at + (int) bytes, (byte) 0);
                } else {
                    memory.read(pa, dst, at, (int) bytes);
                }
            });
        } finally {
            lock.readLock().unlock();
        }
    }

    /**
     * A CPU store, or copy_to_user: EFAULT unless every byte is mapped writable. Frames are allocated
     * for the whole range before a byte is stored, so a failure (ENOMEM) stores nothing.
     */
    void copyOut(long va, byte[] src, int off, int len) throws IommufdException {
        lock.readLock().lock();
        try {
            check(va, len, Access.CPU_WRITE);
            walk(va, len, true, (segVa, pa, bytes) -> { });
            walk(va, len, true, (segVa, pa, bytes) -> memory.write(pa, src, off + (int) (segVa - va), (int) bytes));
        } finally {
            lock.readLock().unlock();
        }
    }

    /**
     * Lowest and highest pin count over the pages of {@code [va, va + length)}: resolves without
     * allocating (a page never touched has no frame, so count 0). Unmapped → EFAULT; length ≤ 0 → EINVAL.
     */
    long[] pinCount(long va, long length) throws IommufdException {
        if (length <= 0) {
            throw new IommufdException(Errno.EINVAL);
        }
        long first = va & -PAGE_SIZE;
        long len = roundUp(va + length, PAGE_SIZE) - first;
        long[] minMax = {Long.MAX_VALUE, 0};
        lock.readLock().lock();
        try {
            check(first, len, Access.MAPPED);
            walk(first, len, false, (segVa, pa, bytes) -> {
                if (pa < 0) {
                    minMax[0] = 0;
                } else {
                    long[] m = pins.minMax(pa >>> 12, bytes >>> 12);
                    minMax[0] = Math.min(minMax[0], m[0]);
                    minMax[1] = Math.max(minMax[1], m[1]);
                }
            });
        } finally {
            lock.readLock().unlock();
        }
        return minMax;
    }

    private void check(long va, long len, Access access) throws IommufdException {
        if (len == 0) {
            return;
        }
        long end = va + len;
        if (va < 0 || end < va || end > TASK_SIZE) {
            throw new IommufdException(Errno.EFAULT);
        }
        long cur = va;
        while (cur < end) {
            Vma v = vmaAt(cur);
            if (v == null || !permits(v, access)) {
                throw new IommufdException(Errno.EFAULT);
            }
            long segEnd = Math.min(end, v.end);
            if (v.memfd != null && access != Access.MAPPED && !v.memfd.pageInFile(v.pageOf(segEnd - 1))) {
                throw new IommufdException(Errno.EFAULT);
            }
            cur = segEnd;
        }
    }

    private static boolean permits(Vma v, Access access) {
        switch (access) {
            case CPU_READ:
                return v.cpuReadable();
            case CPU_WRITE:
                return v.writable();
            case PIN_READ:
                return !v.isPfnMap() && v.readable();
            case PIN_WRITE:
                return !v.isPfnMap() && v.writable();
            default:
                return true;
        }
    }

    /** Visits {@code [va, va + len)} (already checked) in pieces that are physically contiguous or frameless. */
    private void walk(long va, long len, boolean allocate, SegmentVisitor visitor) throws IommufdException {
        PageStore.Resolved r = new PageStore.Resolved();
        long end = va + len;
        long cur = va;
        while (cur < end) {
            Vma v = vmaAt(cur);
            if (v == null) {
                throw new IommufdException(Errno.EFAULT);
            }
            long segEnd = Math.min(end, v.end);
            while (cur < segEnd) {
                long page = v.pageOf(cur);
                long pagesLeft = ((segEnd - 1) >>> 12) - (cur >>> 12) + 1;
                boolean present = v.memfd != null
                        ? v.memfd.resolveMapped(page, pagesLeft, allocate, r)
                        : v.store.resolve(page, pagesLeft, allocate, v.hugeAllowed(page), r);
                long inPage = cur & (PAGE_SIZE - 1);
                long bytes = Math.min(segEnd - cur, (r.count << 12) - inPage);
                visitor.visit(cur, present ? (r.pfn << 12) + inPage : -1, bytes);
                cur += bytes;
            }
        }
    }

    private Vma vmaAt(long va) {
        Map.Entry<Long, Vma> e = vmas.floorEntry(va);
        return e != null && e.getValue().end > va ? e.getValue() : null;
    }

    private List<Vma> overlapping(long start, long end) {
        List<Vma> out = new ArrayList<>();
        Map.Entry<Long, Vma> e = vmas.floorEntry(start);
        if (e == null || e.getValue().end <= start) {
            e = vmas.higherEntry(start);
        }
        while (e != null && e.getKey() < end) {
            out.add(e.getValue());
            e = vmas.higherEntry(e.getKey());
        }
        return out;
    }

    /** Replaces {@code v} by its remnants outside {@code [from, to)}; anonymous pages inside are dropped. */
    private void removeVma(Vma v, long from, long to) {
        vmas.remove(v.start);
        if (v.start < from) {
            vmas.put(v.start, v.slice(v.start, from));
        }
        if (to < v.end) {
            vmas.put(to, v.slice(to, v.end));
        }
        if (v.memfd == null) {
            v.store.drop(v.pageOf(from), (to - from) >>> 12);
        }
    }

    /**
     * The highest address below {@link #MMAP_BASE} where {@code len} bytes fit in a gap, with
     * {@code va ≡ phase (mod align)}; ENOMEM if none.
     */
    private long findGap(long len, long align, long phase) throws IommufdException {
        long gapEnd = MMAP_BASE;
        for (Vma v : vmas.descendingMap().values()) {
            if (v.start >= gapEnd) {
                continue;
            }
            long candidate = placeBelow(gapEnd, len, align, phase);
            if (candidate >= Math.max(v.end, MMAP_MIN_ADDR)) {
                return candidate;
            }
            gapEnd = v.start;
        }
        long candidate = placeBelow(gapEnd, len, align, phase);
        if (candidate >= MMAP_MIN_ADDR) {
            return candidate;
        }
        throw new IommufdException(Errno.ENOMEM);
    }

    private static long placeBelow(long gapEnd, long len, long align, long phase) {
        if (gapEnd - MMAP_MIN_ADDR < len) {
            return -1;
        }
        long top = gapEnd - len;
        long va = ((top - phase) & -align) + phase;
        return va > top ? va - align : va;
    }

    /** The folio size a mapping of this backing is aligned to. */
    static long alignment(Backing backing) {
        switch (backing) {
            case THP:
                return PMD_SIZE;
            case HUGETLB_1G:
                return Memfd.HUGETLB_1G_SIZE;
            default:
                return PAGE_SIZE;
        }
    }

    private static void checkLength(long length) throws IommufdException {
        if (length == 0) {
            throw new IommufdException(Errno.EINVAL);
        }
        if (length < 0) {
            throw new IommufdException(Errno.ENOMEM);
        }
    }

    private static long roundUp(long value, long align) {
        return (value + align - 1) & -align;
    }

    static boolean validProt(int prot) {
        return (prot & ~(SimProcess.PROT_READ | SimProcess.PROT_WRITE)) == 0;
    }
}
