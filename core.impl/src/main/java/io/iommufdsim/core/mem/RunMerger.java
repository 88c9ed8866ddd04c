package io.iommufdsim.core.mem;

import io.iommufdsim.api.IommufdException;

/** Joins consecutive pieces into maximal physically contiguous runs before handing them to a sink. */
final class RunMerger {
    private final FrameRunSink sink;
    private long page;
    private long pfn;
    private long count;

    RunMerger(FrameRunSink sink) {
        this.sink = sink;
    }

    void add(long pageIndex, long firstPfn, long n) throws IommufdException {
        if (count > 0 && pageIndex == page + count && firstPfn == pfn + count) {
            count += n;
            return;
        }
        flush();
        page = pageIndex;
        pfn = firstPfn;
        count = n;
    }

    void flush() throws IommufdException {
        if (count > 0) {
            long n = count;
            count = 0;
            sink.run(page, pfn, n);
        }
    }
}
