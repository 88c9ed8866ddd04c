package io.iommufdsim.core.ioas;

import static io.iommufdsim.api.EmulatedAccesses.NEEDS_PIN_PAGES;
import static io.iommufdsim.core.ioas.IoasHarness.FIXED;
import static io.iommufdsim.core.ioas.IoasHarness.PAGE;
import static io.iommufdsim.core.ioas.IoasHarness.READABLE;
import static io.iommufdsim.core.ioas.IoasHarness.WRITEABLE;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.iommufdsim.api.Backing;
import io.iommufdsim.api.Errno;
import io.iommufdsim.api.IommufdException;
import io.iommufdsim.core.mem.FaultInjection;
import org.junit.jupiter.api.Test;

/**
 * iommufd_fail_nth in the small: fail the n-th frame allocation or pin of an operation, for n = 1, 2, ...
 * until it succeeds, and check each failure left no area, no pin and no charge behind.
 */
class FailNthTest {
    private static final long RW = READABLE | WRITEABLE;
    private final IoasHarness h = new IoasHarness();

    FailNthTest() throws IommufdException {
    }

    private interface Op {
        void run() throws IommufdException;
    }

    private interface Check {
        void run() throws IommufdException;
    }

    /** Runs {@code op} with the n-th failure injected until it succeeds; returns how many failures fired. */
    private int failNth(Op op, Check unchanged) throws IommufdException {
        int failures = 0;
        for (long n = 1; ; n++) {
            h.faults().failNth(FaultInjection.Kind.ANY, n);
            try {
                op.run();
                h.faults().disarm();
                return failures;
            } catch (IommufdException e) {
                h.faults().disarm();
                assertEquals(Errno.ENOMEM, e.errno());
                failures++;
                unchanged.run();
            }
        }
    }

    @Test
    void mapIntoTwoDomainsUnwindsAtEveryFailurePoint() throws Exception {
        int ioas = h.ioasAlloc();
        MockDomain d1 = MockDomain.x86();
        MockDomain d2 = MockDomain.x86();
        h.ioas(ioas).iopt().addDomain(d1);
        h.ioas(ioas).iopt().addDomain(d2);
        long buffer = h.mmap(16 * PAGE);
        h.main.write(buffer + 5 * PAGE, new byte[] {1}); // one page already faulted in
        long frames = h.pinnedFrames();
        long[] stats = h.stats();
        int failures = failNth(() -> h.map(ioas, buffer, 16 * PAGE, 16 * PAGE, FIXED | RW), () -> {
            assertEquals(0, h.ioas(ioas).iopt().areaCount());
            assertEquals(frames, h.pinnedFrames());
            assertArrayEquals(stats, h.stats());
            assertEquals(0, d1.mappedBytes());
            assertEquals(0, d2.mappedBytes());
        });
        assertTrue(failures > 2, "failures " + failures);
        assertEquals(16 * PAGE, d2.mappedBytes());
    }

    @Test
    void copyIntoADomainUnwindsAtEveryFailurePoint() throws Exception {
        int src = h.ioasAlloc();
        int dst = h.ioasAlloc();
        MockDomain d = MockDomain.x86();
        h.ioas(dst).iopt().addDomain(d);
        long buffer = h.mmap(8 * PAGE, Backing.THP);
        h.mapFixed(src, buffer, 4 * PAGE, 16 * PAGE);
        h.mapFixed(src, buffer + 4 * PAGE, 4 * PAGE, 20 * PAGE);
        long frames = h.pinnedFrames();
        long[] stats = h.stats();
        int failures = failNth(() -> h.copy(dst, src, 17 * PAGE, 6 * PAGE, 64 * PAGE, FIXED | RW), () -> {
            assertEquals(0, h.ioas(dst).iopt().areaCount());
            assertEquals(frames, h.pinnedFrames());
            assertArrayEquals(stats, h.stats());
            assertEquals(0, d.mappedBytes());
        });
        assertTrue(failures >= 2, "failures " + failures);
    }

    @Test
    void accessPinUnwindsAtEveryFailurePoint() throws Exception {
        int ioas = h.ioasAlloc();
        int id = h.ctx.accesses().create(h.main, ioas, NEEDS_PIN_PAGES);
        long buffer = h.mmap(8 * PAGE);
        h.mapFixed(ioas, buffer, 4 * PAGE, 16 * PAGE);
        h.mapFixed(ioas, buffer + 4 * PAGE, 4 * PAGE, 20 * PAGE);
        long frames = h.pinnedFrames();
        int failures = failNth(() -> h.ctx.accesses().pin(id, 17 * PAGE, 6 * PAGE, 0), () -> {
            assertEquals(frames, h.pinnedFrames());
            assertArrayEquals(new long[] {0, 0, 0}, h.stats());
            assertTrue(h.ioas(ioas).iopt().areas().stream().allMatch(a -> a.numAccesses() == 0));
        });
        assertTrue(failures >= 2, "failures " + failures);
        h.ctx.accesses().unpin(id, 17 * PAGE, 6 * PAGE);
        assertEquals(frames, h.pinnedFrames());
    }

    @Test
    void domainAddUnwindsAtEveryFailurePoint() throws Exception {
        int ioas = h.ioasAlloc();
        IoPagetable iopt = h.ioas(ioas).iopt();
        MockDomain first = MockDomain.x86();
        long buffer = h.mmap(8 * PAGE);
        h.mapFixed(ioas, buffer, 4 * PAGE, 16 * PAGE);
        h.mapFixed(ioas, buffer + 2 * PAGE, 4 * PAGE, 32 * PAGE);
        long frames = h.pinnedFrames();
        int failures = failNth(() -> iopt.addDomain(first), () -> {
            assertEquals(frames, h.pinnedFrames());
            assertArrayEquals(new long[] {0, 0, 0}, h.stats());
            assertEquals(0, first.mappedBytes());
            assertEquals(0, iopt.domains().size());
            assertEquals(1, iopt.iovaAlignment());
            assertEquals(1, iopt.iovaRanges().size());
        });
        assertTrue(failures >= 2, "failures " + failures);
        assertEquals(8 * PAGE, first.mappedBytes());
        assertEquals(frames + 6, h.pinnedFrames());
    }
}
