package io.iommufdsim.core.ioas;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.iommufdsim.api.Errno;
import io.iommufdsim.api.IommufdException;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class PinnedRunsTest {
    /** Pins page i at pfn 1000 + i, in runs of 4 contiguous frames, counting pins. */
    private long pinnedFrames;
    private int failAfterRuns = -1;

    private final PinnedRuns.GapFiller filler = (index, count, target) -> {
        long cur = index;
        while (cur < index + count) {
            long n = Math.min(4 - (cur % 4), index + count - cur);
            if (failAfterRuns == 0) {
                throw new IommufdException(Errno.EFAULT);
            }
            if (failAfterRuns > 0) {
                failAfterRuns--;
            }
            target.insertPinned(cur, 1000 + cur, n);
            cur += n;
        }
    };
    private final PinnedRuns.Pinner pinner = batch -> {
        for (int i = 0; i < batch.batchSize(); i++) {
            pinnedFrames += batch.batchCount(i);
        }
    };
    private final PinnedRuns.Unpinner unpinner = batch -> {
        for (int i = 0; i < batch.batchSize(); i++) {
            pinnedFrames -= batch.batchCount(i);
        }
    };

    @Test
    void aPageHeldTwiceIsPinnedOnceAndUnpinnedWithTheLastHolder() throws Exception {
        PinnedRuns runs = new PinnedRuns();
        assertEquals(10, runs.acquire(0, 9, filler, pinner));
        assertEquals(0, runs.acquire(4, 7, filler, pinner));
        assertEquals(10, pinnedFrames);
        assertEquals(6, runs.release(0, 9, unpinner));
        assertEquals(4, runs.pinnedPages());
        assertTrue(runs.covers(4, 7));
        assertFalse(runs.covers(3, 7));
        assertEquals(4, runs.release(4, 7, unpinner));
        assertEquals(0, pinnedFrames);
        assertEquals(0, runs.runCount());
    }

    @Test
    void aFailedAcquireDropsEveryHoldItTook() throws Exception {
        PinnedRuns runs = new PinnedRuns();
        runs.acquire(4, 5, filler, pinner);
        failAfterRuns = 2;
        IommufdException e = assertThrows(IommufdException.class, () -> runs.acquire(0, 15, filler, pinner));
        assertEquals(Errno.EFAULT, e.errno());
        assertEquals(2, runs.pinnedPages());
        assertEquals(2, pinnedFrames);
        assertEquals(1, runs.runCount());
        runs.release(4, 5, unpinner);
        assertEquals(0, pinnedFrames);
    }

    @Test
    void contiguousFramesAreVisitedAsOneRunWhateverTheirHolders() throws Exception {
        PinnedRuns runs = new PinnedRuns();
        runs.acquire(0, 11, filler, pinner);
        runs.acquire(2, 5, filler, pinner);
        List<long[]> seen = new ArrayList<>();
        runs.forEachContiguous(1, 10, (i, pfn, n) -> seen.add(new long[] {i, pfn, n}));
        assertEquals(1, seen.size());
        assertEquals(1, seen.get(0)[0]);
        assertEquals(1001, seen.get(0)[1]);
        assertEquals(10, seen.get(0)[2]);
        assertEquals(1007, runs.pfnAt(7));
        assertEquals(-1, runs.pfnAt(12));
    }
}
