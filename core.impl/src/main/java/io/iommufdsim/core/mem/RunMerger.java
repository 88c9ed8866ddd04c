package io.iommufdsim.core.mem;

import io.iommufdsim.api.IommufdException;

/** Joins consecutive pieces into maximal physically contiguous runs before handing them to a sink. */
final class RunMerger {
    private final FrameRunSink sink;
    private long page;
    private long pfn;
    private long count;
    private boolean sinkFailed;

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
            try {
                sink.run(page, pfn, n);
            } catch (IommufdException | RuntimeException e) {
                sinkFailed = true;
                throw e;
            }
        }
    }

    /**
     * After the walk failed: reports the pending run (it did resolve) unless it was the sink that
     * failed, then rethrows {@code failure}.
     */
    IommufdException flushAfter(IommufdException failure) {
        if (!sinkFailed) {
            try {
                flush();
            } catch (IommufdException e) {
                return e;
            }
        }
        return failure;
    }
}
