package io.iommufdsim.core.mem;

import io.iommufdsim.api.Backing;
import io.iommufdsim.api.SimProcess;

/**
 * One virtual memory area: {@code [start, end)} of a process, its protection, and where its pages
 * come from: page {@code pgoff} of {@code store} backs {@code start}. Anonymous VMAs split from one
 * mmap share one store (as they share an anon_vma); shared memfd VMAs use the file's page cache.
 * Immutable: munmap replaces a VMA by its remnants.
 */
final class Vma {
    final long start;
    final long end;
    final int prot;
    final Backing backing;
    final PageStore store;
    final Memfd memfd;
    final long pgoff;

    Vma(long start, long end, int prot, Backing backing, PageStore store, Memfd memfd, long pgoff) {
        this.start = start;
        this.end = end;
        this.prot = prot;
        this.backing = backing;
        this.store = store;
        this.memfd = memfd;
        this.pgoff = pgoff;
    }

    /** The part {@code [from, to)} of this VMA, with the same backing. */
    Vma slice(long from, long to) {
        return new Vma(from, to, prot, backing, store, memfd, pgoff + ((from - start) >>> 12));
    }

    /** VM_PFNMAP (a device BAR): pin_user_pages refuses it (mm/gup.c: check_vma_flags). */
    boolean isPfnMap() {
        return backing == Backing.MMIO;
    }

    boolean readable() {
        return (prot & SimProcess.PROT_READ) != 0;
    }

    boolean writable() {
        return (prot & SimProcess.PROT_WRITE) != 0;
    }

    /** What the CPU may load from: x86 and arm64 make every writable mapping readable too. */
    boolean cpuReadable() {
        return prot != 0;
    }

    long pageOf(long va) {
        return pgoff + ((va - start) >>> 12);
    }

    /**
     * Whether a fault at store page {@code page} may allocate a whole huge folio: for anonymous THP
     * only when the VMA covers the folio's aligned range (mm/huge_memory.c: thp_vma_suitable_order);
     * hugetlb VMAs always do; memfd page caches decide for themselves.
     */
    boolean hugeAllowed(long page) {
        int order = store.hugeOrder();
        if (order == 0 || memfd != null || backing == Backing.HUGETLB_1G) {
            return true;
        }
        long chunkFirst = page & -(1L << order);
        long chunkStartVa = start + ((chunkFirst - pgoff) << 12);
        long chunkEndVa = chunkStartVa + (1L << (order + 12));
        return chunkFirst >= pgoff && chunkStartVa >= start && chunkEndVa <= end;
    }
}
