package io.iommufdsim.core.mem;

import io.iommufdsim.api.IommufdException;

/** Receives the physically contiguous runs a {@link PinSource} resolves. */
@FunctionalInterface
public interface FrameRunSink {
    /**
     * Pages {@code pageIndex .. pageIndex + count - 1} of the source are backed by frames
     * {@code pfn .. pfn + count - 1}. The sink may throw to stop the walk; the source then stops too.
     */
    void run(long pageIndex, long pfn, long count) throws IommufdException;
}
