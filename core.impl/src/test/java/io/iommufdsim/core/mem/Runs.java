package io.iommufdsim.core.mem;

import java.util.ArrayList;
import java.util.List;

/** A FrameRunSink that records what it is told, for tests. */
final class Runs implements FrameRunSink {
    final List<long[]> runs = new ArrayList<>();

    @Override
    public void run(long pageIndex, long pfn, long count) {
        runs.add(new long[] {pageIndex, pfn, count});
    }

    int size() {
        return runs.size();
    }

    long[] get(int i) {
        return runs.get(i);
    }

    long totalPages() {
        long n = 0;
        for (long[] r : runs) {
            n += r[2];
        }
        return n;
    }

    /** Pins every run told (what iopt_pages would do), for pin-count tests. */
    static FrameRunSink pinningInto(FramePins pins) {
        return (page, pfn, count) -> pins.pin(pfn, count);
    }
}
