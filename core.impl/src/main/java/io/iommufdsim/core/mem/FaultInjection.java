package io.iommufdsim.core.mem;

import io.iommufdsim.api.Errno;
import io.iommufdsim.api.IommufdException;

/**
 * A test hook in the spirit of the kernel's fail_nth (tools/testing/selftests/iommu/
 * iommufd_fail_nth.c): a test arms it with {@link #failNth(Kind, long)} and the n-th following call
 * of that kind of operation fails with ENOMEM, once. Iterating n = 1, 2, ... until an operation
 * succeeds with the fault unfired proves that every failure point leaves nothing behind.
 *
 * <p>Thread safe; unarmed, {@link #check(Kind)} is one volatile read.
 */
public final class FaultInjection {
    /** The failure points of core.mem. */
    public enum Kind {
        /** A data frame (or contiguous run of frames) for user memory: first touch, pin, write. */
        FRAME_ALLOC,
        /** A page-table page from {@link FrameAllocator#allocateTablePage()}. */
        TABLE_PAGE,
        /** {@link FramePins#pin(long, long)}. */
        PIN,
        /** Every failure point above, counted together. */
        ANY
    }

    private volatile boolean armed;
    private Kind kind;
    private long remaining;
    private long fired;

    /** The {@code n}-th (from 1) next operation of {@code kind} fails with ENOMEM. */
    public synchronized void failNth(Kind kind, long n) {
        if (n < 1) {
            throw new IllegalArgumentException("n must be at least 1: " + n);
        }
        this.kind = kind;
        this.remaining = n;
        this.armed = true;
    }

    /** Disarms without firing. */
    public synchronized void disarm() {
        armed = false;
        kind = null;
        remaining = 0;
    }

    /** True while armed and not yet fired. */
    public boolean isArmed() {
        return armed;
    }

    /** How many injected failures have fired since this machine started. */
    public synchronized long firedCount() {
        return fired;
    }

    /** Called at a failure point of {@code point}: throws ENOMEM if this is the armed n-th call. */
    public void check(Kind point) throws IommufdException {
        if (!armed) {
            return;
        }
        if (shouldFail(point)) {
            throw new IommufdException(Errno.ENOMEM, "injected failure (" + point + ")");
        }
    }

    private synchronized boolean shouldFail(Kind point) {
        if (!armed || (kind != Kind.ANY && kind != point)) {
            return false;
        }
        if (--remaining > 0) {
            return false;
        }
        armed = false;
        kind = null;
        fired++;
        return true;
    }
}
