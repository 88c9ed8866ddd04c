package io.iommufdsim.core.mem;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.iommufdsim.api.Errno;
import io.iommufdsim.api.IommufdException;
import org.junit.jupiter.api.Test;

class FramePinsTest {
    private final FaultInjection faults = new FaultInjection();
    private final FramePins pins = new FramePins(faults);

    @Test
    void overlappingPinsCountPerFrame() throws IommufdException {
        pins.pin(100, 10);
        pins.pin(105, 10);
        assertEquals(1, pins.pinCount(104));
        assertEquals(2, pins.pinCount(105));
        assertEquals(2, pins.pinCount(109));
        assertEquals(1, pins.pinCount(114));
        assertEquals(0, pins.pinCount(115));
        assertEquals(0, pins.pinCount(99));
        assertEquals(15, pins.pinnedFrames());
        assertEquals(3, pins.runCount());
        assertArrayEquals(new long[] {1, 2}, pins.minMax(100, 15));
        assertArrayEquals(new long[] {0, 2}, pins.minMax(90, 20));
        assertArrayEquals(new long[] {0, 0}, pins.minMax(0, 50));
        assertArrayEquals(new long[] {0, 1}, pins.minMax(112, 10));
    }

    @Test
    void unpinningRestoresAndMergesRuns() throws IommufdException {
        pins.pin(100, 10);
        pins.pin(105, 10);
        pins.unpin(105, 10);
        assertEquals(1, pins.runCount());
        assertEquals(10, pins.pinnedFrames());
        assertArrayEquals(new long[] {1, 1}, pins.minMax(100, 10));
        pins.unpin(100, 10);
        assertEquals(0, pins.runCount());
        assertEquals(0, pins.pinnedFrames());
    }

    @Test
    void adjacentPinsWithEqualCountsMergeIntoOneRun() throws IommufdException {
        pins.pin(0x1000, 512);
        pins.pin(0x1200, 512);
        pins.pin(0xf00, 0x100);
        assertEquals(1, pins.runCount());
        assertArrayEquals(new long[] {1, 1}, pins.minMax(0xf00, 0x500));
    }

    @Test
    void aGigabyteFolioIsOneRun() throws IommufdException {
        pins.pin(1L << 30, 1L << 18);
        pins.pin(1L << 30, 1L << 18);
        assertEquals(1, pins.runCount());
        assertArrayEquals(new long[] {2, 2}, pins.minMax(1L << 30, 1L << 18));
    }

    @Test
    void unpinOfAFrameThatIsNotPinnedIsABugAndChangesNothing() throws IommufdException {
        pins.pin(10, 5);
        assertThrows(IllegalStateException.class, () -> pins.unpin(8, 5));
        assertThrows(IllegalStateException.class, () -> pins.unpin(12, 5));
        assertArrayEquals(new long[] {1, 1}, pins.minMax(10, 5));
        assertEquals(5, pins.pinnedFrames());
        assertEquals(1, pins.runCount());
    }

    @Test
    void injectedPinFailureIsEnomemAndPinsNothing() throws IommufdException {
        faults.failNth(FaultInjection.Kind.PIN, 1);
        IommufdException e = assertThrows(IommufdException.class, () -> pins.pin(10, 5));
        assertEquals(Errno.ENOMEM, e.errno());
        assertEquals(0, pins.pinnedFrames());
        pins.pin(10, 5);
        assertEquals(5, pins.pinnedFrames());
    }

    @Test
    void badRangesAreRefused() {
        assertThrows(IllegalArgumentException.class, () -> pins.pin(1, 0));
        assertThrows(IllegalArgumentException.class, () -> pins.minMax(-1, 1));
        assertThrows(IllegalArgumentException.class, () -> pins.unpin(Long.MAX_VALUE, 2));
    }

    private static RunList batch(long... pfnCount) {
        RunList b = new RunList();
        for (int i = 0; i < pfnCount.length; i += 2) {
            b.addToBatch(pfnCount[i], pfnCount[i + 1]);
        }
        return b;
    }

    @Test
    void aBatchInAnyOrderWithOverlapsCountsEachFramePerRun() throws IommufdException {
        pins.pin(0, 4);
        pins.pinBatch(batch(30, 2, 10, 5, 2, 10, 12, 1));
        assertEquals(2, pins.pinCount(3));
        assertEquals(2, pins.pinCount(11));
        assertEquals(1, pins.pinCount(13));
        assertEquals(2, pins.pinCount(12));
        assertEquals(1, pins.pinCount(31));
        assertEquals(0, pins.pinCount(15));
        assertEquals(4 + 8 + 3 + 2, pins.pinnedFrames());
        pins.unpinBatch(batch(12, 1, 2, 10, 30, 2, 10, 5));
        assertEquals(4, pins.pinnedFrames());
        assertEquals(1, pins.runCount());
        assertArrayEquals(new long[] {1, 1}, pins.minMax(0, 4));
    }

    @Test
    void aDescendingBatchOfSingleFramesIsOneSweep() throws IommufdException {
        RunList b = new RunList();
        for (long pfn = 20000; pfn > 0; pfn -= 2) {
            b.addToBatch(pfn, 1);
        }
        pins.pinBatch(b);
        assertEquals(10000, pins.pinnedFrames());
        assertEquals(10000, pins.runCount());
        pins.unpinBatch(b);
        assertEquals(0, pins.runCount());
    }

    @Test
    void aBatchUnpinThatMissesAFrameIsABugAndChangesNothing() throws IommufdException {
        pins.pin(10, 5);
        pins.pin(40, 5);
        assertThrows(IllegalStateException.class, () -> pins.unpinBatch(batch(40, 5, 10, 6)));
        assertEquals(10, pins.pinnedFrames());
        assertArrayEquals(new long[] {1, 1}, pins.minMax(40, 5));
    }

    @Test
    void anInjectedFailureInABatchPinsNothingAndCountsOnePinPerRun() throws IommufdException {
        faults.failNth(FaultInjection.Kind.PIN, 3);
        assertThrows(IommufdException.class, () -> pins.pinBatch(batch(10, 1, 20, 1, 30, 1)));
        assertEquals(0, pins.pinnedFrames());
        assertEquals(0, pins.runCount());
    }
}
