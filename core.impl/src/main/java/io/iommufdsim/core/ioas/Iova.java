package io.iommufdsim.core.ioas;

/**
 * Unsigned 64-bit arithmetic for IOVAs, lengths and page indices. The kernel uses {@code unsigned long}
 * for all of them, so an IOVA near U64_MAX is a negative Java long; every comparison here is unsigned.
 */
public final class Iova {
    /** ULONG_MAX (== U64_MAX on a 64-bit kernel). */
    public static final long ULONG_MAX = -1L;
    public static final int PAGE_SHIFT = 12;
    public static final long PAGE_SIZE = 1L << PAGE_SHIFT;
    /** HPAGE_SIZE with CONFIG_TRANSPARENT_HUGEPAGE on x86-64/arm64-4k: the cap of automatic IOVA alignment. */
    public static final long HPAGE_SIZE = 2L << 20;
    /** SIZE_MAX - PAGE_SIZE: the largest length iopt_alloc_pages accepts (pages.c). */
    public static final long MAX_PAGES_LENGTH = ULONG_MAX - PAGE_SIZE;

    private Iova() {
    }

    public static boolean lt(long a, long b) {
        return Long.compareUnsigned(a, b) < 0;
    }

    public static boolean le(long a, long b) {
        return Long.compareUnsigned(a, b) <= 0;
    }

    public static boolean gt(long a, long b) {
        return Long.compareUnsigned(a, b) > 0;
    }

    public static boolean ge(long a, long b) {
        return Long.compareUnsigned(a, b) >= 0;
    }

    public static long min(long a, long b) {
        return lt(a, b) ? a : b;
    }

    public static long max(long a, long b) {
        return gt(a, b) ? a : b;
    }

    /** check_add_overflow for unsigned longs. */
    public static boolean addOverflows(long a, long b) {
        return Long.compareUnsigned(a + b, a) < 0;
    }

    /** True if the inclusive ranges [s1,l1] and [s2,l2] share an address. */
    public static boolean intersects(long s1, long l1, long s2, long l2) {
        return le(s1, l2) && le(s2, l1);
    }

    /** roundup_pow_of_two for 1 <= x <= 2^63 (the result may be 2^63, a negative Java long). */
    public static long roundupPowOfTwo(long x) {
        if (x == 1) {
            return 1;
        }
        return Long.highestOneBit(x - 1) << 1;
    }

    public static long pageIndex(long byteOffset) {
        return byteOffset >>> PAGE_SHIFT;
    }

    public static long pageOffset(long address) {
        return address & (PAGE_SIZE - 1);
    }

    public static long alignDown(long address, long alignment) {
        return address & -alignment;
    }
}
