package io.iommufdsim.core.pt;

/**
 * Where {@link PageTable#readAndClearDirty} reports a dirty IOVA range (Linux iommu_dirty_bitmap_record
 * → iova_bitmap_set). Called once per dirty leaf, with no allocation by the engine.
 */
@FunctionalInterface
public interface DirtyRecorder {
    /** {@code [iova, iova + length)} was written by DMA since its dirty state was last cleared. */
    void record(long iova, long length);
}
