package io.iommufdsim.core.mem;

import java.util.concurrent.atomic.AtomicLong;

/**
 * A counter of 4 KiB pages such as mm->locked_vm, mm->pinned_vm or user_struct->locked_vm.
 * Thread safe and lock free.
 */
public final class PageCounter {
    private final AtomicLong pages = new AtomicLong();

    public long get() {
        return pages.get();
    }

    public void add(long npages) {
        pages.addAndGet(npages);
    }

    /**
     * Subtracts {@code npages}; subtracting more than is counted is a bug of the caller (the kernel
     * WARNs in decr_user_locked_vm): it throws IllegalStateException and changes nothing.
     */
    public void sub(long npages) {
        while (true) {
            long cur = pages.get();
            if (cur < npages) {
                throw new IllegalStateException("counter " + cur + " below " + npages);
            }
            if (pages.compareAndSet(cur, cur - npages)) {
                return;
            }
        }
    }

    /**
     * Adds {@code npages} unless the result would exceed {@code limitPages}; returns whether it added
     * (pages.c: incr_user_locked_vm's cmpxchg loop; mm/util.c: __account_locked_vm).
     */
    public boolean tryAdd(long npages, long limitPages) {
        while (true) {
            long cur = pages.get();
            long next = cur + npages;
            if (next > limitPages || next < cur) {
                return false;
            }
            if (pages.compareAndSet(cur, next)) {
                return true;
            }
        }
    }

    @Override
    public String toString() {
        return Long.toString(pages.get());
    }
}
