package io.iommufdsim.core.iommufd;

import io.iommufdsim.api.Errno;
import io.iommufdsim.api.IommufdException;
import io.iommufdsim.api.UserMemory;
import java.util.HashMap;
import java.util.Map;

/** A page-granular user address space for dispatch tests: mapped pages are readable, optionally writable. */
final class TestUserMemory implements UserMemory {
    static final int PAGE = 4096;

    private static final class Page {
        final byte[] bytes = new byte[PAGE];
        boolean writable;
    }

    private final Map<Long, Page> pages = new HashMap<>();

    /** Maps the pages of [va, va + length) read-write. */
    TestUserMemory map(long va, long length) {
        for (long p = va & -PAGE; p < va + length; p += PAGE) {
            pages.computeIfAbsent(p, k -> new Page()).writable = true;
        }
        return this;
    }

    /** Makes the pages of [va, va + length) read-only. */
    TestUserMemory readOnly(long va, long length) {
        for (long p = va & -PAGE; p < va + length; p += PAGE) {
            pages.get(p).writable = false;
        }
        return this;
    }

    @Override
    public void copyFromUser(long va, byte[] dst, int off, int len) throws IommufdException {
        for (int i = 0; i < len; i++) {
            Page p = pages.get((va + i) & -PAGE);
            if (p == null) {
                throw new IommufdException(Errno.EFAULT);
            }
            dst[off + i] = p.bytes[(int) ((va + i) & (PAGE - 1))];
        }
    }

    @Override
    public void copyToUser(long va, byte[] src, int off, int len) throws IommufdException {
        for (int i = 0; i < len; i++) {
            Page p = pages.get((va + i) & -PAGE);
            if (p == null || !p.writable) {
                throw new IommufdException(Errno.EFAULT);
            }
            p.bytes[(int) ((va + i) & (PAGE - 1))] = src[off + i];
        }
    }

    /** Writes bytes regardless of protection (the test's own stores). */
    void poke(long va, byte[] src) {
        for (int i = 0; i < src.length; i++) {
            pages.get((va + i) & -PAGE).bytes[(int) ((va + i) & (PAGE - 1))] = src[i];
        }
    }

    byte[] peek(long va, int len) {
        byte[] out = new byte[len];
        for (int i = 0; i < len; i++) {
            out[i] = pages.get((va + i) & -PAGE).bytes[(int) ((va + i) & (PAGE - 1))];
        }
        return out;
    }
}
