package io.iommufdsim.spi;

/**
 * How a format records hardware access and dirty state in its leaves (generic_pt
 * {@code pt_entry_is_write_dirty}, {@code pt_entry_make_write_clean}, {@code pt_entry_make_write_dirty}).
 * A leaf is write-dirty iff {@code (e & dirtyMask) == dirtyValue}; making it clean writes
 * {@code (e & ~cleanClear) | cleanSet}; a DMA write through it, when the hardware's A/D update is
 * enabled, writes {@code (e & ~writeClear) | writeSet}; any DMA sets {@code accessSet} in every
 * entry it walks. Examples: VT-d second stage D = bit 9, A = bit 8; SMMUv3 stage 1 "writable-clean"
 * = DBM (bit 51) with AP[2] (bit 7) set, so a write clears AP[2]; AMD v1 D = bit 6, A = bit 5.
 */
public record DirtyBits(long dirtyMask, long dirtyValue, long cleanClear, long cleanSet,
        long writeClear, long writeSet, long accessSet) {

    public boolean isDirty(long entry) {
        return (entry & dirtyMask) == dirtyValue;
    }

    public long makeClean(long entry) {
        return (entry & ~cleanClear) | cleanSet;
    }

    public long afterWrite(long entry) {
        return (entry & ~writeClear) | writeSet | accessSet;
    }
}
