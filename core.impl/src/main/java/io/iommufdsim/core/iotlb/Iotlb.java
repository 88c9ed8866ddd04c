package io.iommufdsim.core.iotlb;

import java.util.Arrays;

/**
 * The translation cache of one IOMMU instance: leaf translations tagged by the domain tag the
 * instance's structures carry (VT-d DID, SMMUv3 ASID/VMID, AMD DomainID) and a PASID key, each for
 * one page of the size the walk found (4 KiB, 2 MiB, 1 GiB ...). An entry stays until an
 * invalidation covers it or it is evicted, least recently used first, so a table change without the
 * invalidation the architecture requires is not seen by DMA that hits it — as on hardware
 * (scenario-format.md "The IOTLB of each instance ...").
 *
 * <p>Storage is preallocated primitive arrays: an entry pool of {@code capacity} slots with an LRU
 * list and hash chains, so a lookup or a fill allocates nothing. One monitor guards it; it is the
 * innermost lock of the DMA path (device → IOTLB) and of the map path (domain → IOTLB).
 */
public final class Iotlb {
    /** The default number of entries (scenario-format.md: at least 1024 per instance). */
    public static final int DEFAULT_CAPACITY = 1024;
    /** {@link #invalidate} pasid key matching every PASID of the tag. */
    public static final int ANY_PASID = Integer.MIN_VALUE;

    private static final int NONE = -1;

    private final int capacity;
    private final int[] tag;
    private final int[] pasid;
    private final long[] vpn;
    private final byte[] sizeLg2;
    private final long[] pa;
    private final byte[] perm;
    private final int[] prev;
    private final int[] next;
    private final int[] chainNext;
    private final int[] buckets;
    private final int bucketMask;
    private int mruHead = NONE;
    private int lruTail = NONE;
    private int freeHead;
    private int used;
    /** Bit n set while some entry has a page size of 2^n (the sizes a lookup must probe). */
    private long sizesPresent;

    public Iotlb() {
        this(DEFAULT_CAPACITY);
    }

    public Iotlb(int capacity) {
        if (capacity < 1) {
            throw new IllegalArgumentException("capacity " + capacity);
        }
        this.capacity = capacity;
        tag = new int[capacity];
        pasid = new int[capacity];
        vpn = new long[capacity];
        sizeLg2 = new byte[capacity];
        pa = new long[capacity];
        perm = new byte[capacity];
        prev = new int[capacity];
        next = new int[capacity];
        chainNext = new int[capacity];
        int nb = Integer.highestOneBit(capacity * 2 - 1) * 2;
        buckets = new int[nb];
        bucketMask = nb - 1;
        clearAll();
    }

    public int capacity() {
        return capacity;
    }

    /** Entries currently cached. */
    public synchronized int size() {
        return used;
    }

    /**
     * Looks up the page holding {@code iova} for (tag, pasid); on a hit fills {@code out}, makes the
     * entry the most recently used and returns true.
     */
    public synchronized boolean lookup(int domainTag, int pasidKey, long iova, IotlbHit out) {
        for (long sizes = sizesPresent; sizes != 0; sizes &= sizes - 1) {
            int lg2 = Long.numberOfTrailingZeros(sizes);
            long v = iova >>> lg2;
            for (int e = buckets[bucket(domainTag, pasidKey, v, lg2)]; e != NONE; e = chainNext[e]) {
                if (vpn[e] == v && sizeLg2[e] == lg2 && tag[e] == domainTag && pasid[e] == pasidKey) {
                    touch(e);
                    out.set(pa[e] | (iova & ((1L << lg2) - 1)), lg2, (perm[e] & 1) != 0, (perm[e] & 2) != 0,
                            (perm[e] & 4) != 0);
                    return true;
                }
            }
        }
        return false;
    }

    /**
     * Caches the translation of the page of 2^{@code pageSizeLg2} bytes holding {@code iova}, whose
     * first byte is at {@code pagePa}, evicting the least recently used entry when full.
     */
    public void fill(int domainTag, int pasidKey, long iova, int pageSizeLg2, long pagePa,
            boolean readable, boolean writable) {
        fill(domainTag, pasidKey, iova, pageSizeLg2, pagePa, readable, writable, false);
    }

    /**
     * As {@link #fill(int, int, long, int, long, boolean, boolean)}, also caching whether the leaf was
     * write-dirty ({@link IotlbHit#dirty()}).
     */
    public synchronized void fill(int domainTag, int pasidKey, long iova, int pageSizeLg2, long pagePa,
            boolean readable, boolean writable, boolean dirty) {
        long v = iova >>> pageSizeLg2;
        int b = bucket(domainTag, pasidKey, v, pageSizeLg2);
        for (int e = buckets[b]; e != NONE; e = chainNext[e]) {
            if (vpn[e] == v && sizeLg2[e] == pageSizeLg2 && tag[e] == domainTag && pasid[e] == pasidKey) {
                remove(e);
                break;
            }
        }
        if (freeHead == NONE) {
            remove(lruTail);
        }
        int e = freeHead;
        freeHead = next[e];
        tag[e] = domainTag;
        pasid[e] = pasidKey;
        vpn[e] = v;
        sizeLg2[e] = (byte) pageSizeLg2;
        pa[e] = pagePa;
        perm[e] = (byte) ((readable ? 1 : 0) | (writable ? 2 : 0) | (dirty ? 4 : 0));
        chainNext[e] = buckets[b];
        buckets[b] = e;
        linkMru(e);
        used++;
        sizesPresent |= 1L << pageSizeLg2;
    }

    /**
     * Drops every entry of {@code domainTag} (and {@code pasidKey}, or {@link #ANY_PASID}) whose page
     * overlaps [start, last]; returns how many went.
     */
    public synchronized int invalidate(int domainTag, int pasidKey, long start, long last) {
        int dropped = 0;
        for (int e = mruHead; e != NONE; ) {
            int after = next[e];
            if (tag[e] == domainTag && (pasidKey == ANY_PASID || pasid[e] == pasidKey)) {
                long first = vpn[e] << sizeLg2[e];
                long end = first + ((1L << sizeLg2[e]) - 1);
                if (Long.compareUnsigned(first, last) <= 0 && Long.compareUnsigned(end, start) >= 0) {
                    remove(e);
                    dropped++;
                }
            }
            e = after;
        }
        return dropped;
    }

    /** Drops every entry of {@code domainTag} (and {@code pasidKey}, or {@link #ANY_PASID}). */
    public int invalidateTag(int domainTag, int pasidKey) {
        return invalidate(domainTag, pasidKey, 0, -1L);
    }

    /** Drops everything (global invalidation, unit reset). */
    public synchronized void invalidateAll() {
        clearAll();
    }

    private void clearAll() {
        Arrays.fill(buckets, NONE);
        for (int i = 0; i < capacity; i++) {
            next[i] = i + 1 < capacity ? i + 1 : NONE;
            prev[i] = NONE;
        }
        freeHead = 0;
        mruHead = NONE;
        lruTail = NONE;
        used = 0;
        sizesPresent = 0;
    }

    private int bucket(int domainTag, int pasidKey, long v, int lg2) {
        long h = v * 0x9E3779B97F4A7C15L + (((long) domainTag << 32) ^ pasidKey) * 0xC2B2AE3D27D4EB4FL + lg2;
        h ^= h >>> 29;
        return (int) h & bucketMask;
    }

    private void touch(int e) {
        if (mruHead == e) {
            return;
        }
        unlinkLru(e);
        linkMru(e);
    }

    private void linkMru(int e) {
        prev[e] = NONE;
        next[e] = mruHead;
        if (mruHead != NONE) {
            prev[mruHead] = e;
        }
        mruHead = e;
        if (lruTail == NONE) {
            lruTail = e;
        }
    }

    private void unlinkLru(int e) {
        if (prev[e] != NONE) {
            next[prev[e]] = next[e];
        } else {
            mruHead = next[e];
        }
        if (next[e] != NONE) {
            prev[next[e]] = prev[e];
        } else {
            lruTail = prev[e];
        }
    }

    private void remove(int e) {
        int b = bucket(tag[e], pasid[e], vpn[e], sizeLg2[e]);
        if (buckets[b] == e) {
            buckets[b] = chainNext[e];
        } else {
            int p = buckets[b];
            while (chainNext[p] != e) {
                p = chainNext[p];
            }
            chainNext[p] = chainNext[e];
        }
        unlinkLru(e);
        next[e] = freeHead;
        prev[e] = NONE;
        freeHead = e;
        used--;
        if (used == 0) {
            sizesPresent = 0;
        }
    }
}
