package io.iommufdsim.core.hwpt;

import io.iommufdsim.api.IommufdException;
import io.iommufdsim.api.UserMemory;
import io.iommufdsim.core.pt.DirtyRecorder;

/**
 * The user's dirty bitmap of one IOMMU_HWPT_GET_DIRTY_BITMAP call (drivers/iommu/iommufd/iova_bitmap.c):
 * bit k stands for IOVA {@code [iova + k·2^pgshift, +2^pgshift)}, where pgshift is the lowest set bit
 * of {@code page_size} (iova_bitmap_alloc: __ffs), and lives in byte {@code data + k/8}, bit k%8 — on a
 * little-endian machine bit k%64 of u64 word k/64. Recording only sets bits (bitmap_set on the pinned
 * pages), never clears them.
 *
 * <p>As iova_bitmap_set does, a recorded range is not clipped to the requested range: the bits run
 * on to the end of the last bitmap page the kernel pinned (the page holding the range's last byte),
 * so a large dirty leaf that ends past the requested range marks bits past it there. A range that
 * starts before {@code iova} or in a byte beyond the range's last one is dropped (iova_bitmap_advance_to
 * fails). A page of the bitmap that cannot be written (pin_user_pages fails) silently ends that
 * range's recording: the ioctl still succeeds (iommu_read_and_clear_dirty ignores the error).
 */
final class IovaBitmap implements DirtyRecorder {
    private static final long PAGE = 4096;

    private final UserMemory memory;
    private final long data;
    private final long iova;
    private final int pgshift;
    /** Bytes from {@code data} up to the end of the last pinned page. */
    private final long windowBytes;
    /** mapped_total_index: the bytes the range itself needs. */
    private final long totalBytes;
    private final byte[] chunk = new byte[512];
    private final byte[] one = new byte[1];

    IovaBitmap(UserMemory memory, long data, long iova, long length, long pageSize) {
        this.memory = memory;
        this.data = data;
        this.iova = iova;
        this.pgshift = Long.numberOfTrailingZeros(pageSize);
        this.totalBytes = ((length - 1) >>> pgshift >>> 3) + 1;
        long end = data + totalBytes;
        long pinnedEnd = (end + PAGE - 1) & -PAGE;
        this.windowBytes = Long.compareUnsigned(pinnedEnd, data) > 0 ? pinnedEnd - data : totalBytes;
    }

    @Override
    public void record(long rangeIova, long length) {
        long offset = rangeIova - iova;
        if (Long.compareUnsigned(rangeIova, iova) < 0 || Long.compareUnsigned(offset >>> pgshift >>> 3, totalBytes) >= 0) {
            return;
        }
        long firstBit = offset >>> pgshift;
        long lastBit = (offset + length - 1) >>> pgshift;
        long limitBit = windowBytes * 8 - 1;
        if (Long.compareUnsigned(lastBit, limitBit) > 0 || Long.compareUnsigned(lastBit, firstBit) < 0) {
            lastBit = limitBit;
        }
        long bit = firstBit;
        while (Long.compareUnsigned(bit, lastBit) <= 0) {
            long byteIndex = bit >>> 3;
            long address = data + byteIndex;
            // a chunk never crosses a user page, so a fault is the whole chunk's page
            long roomInPage = PAGE - (address & (PAGE - 1));
            long lastByte = lastBit >>> 3;
            int n = (int) Math.min(Math.min(chunk.length, roomInPage), lastByte - byteIndex + 1);
            long chunkLastBit = Math.min(lastBit, ((byteIndex + n) << 3) - 1);
            if (!orBits(address, n, bit, chunkLastBit)) {
                return;
            }
            bit = chunkLastBit + 1;
        }
    }

    /** ORs bits [first, last] into the n bytes at address; false when the memory faulted. */
    private boolean orBits(long address, int n, long first, long last) {
        long baseBit = (address - data) << 3;
        try {
            memory.copyFromUser(address, chunk, 0, n);
        } catch (IommufdException fault) {
            return orBitsBytewise(address, n, first, last);
        }
        setBits(chunk, first - baseBit, last - baseBit);
        try {
            memory.copyToUser(address, chunk, 0, n);
        } catch (IommufdException fault) {
            return orBitsBytewise(address, n, first, last);
        }
        return true;
    }

    /** The same a byte at a time, up to the first byte that faults. */
    private boolean orBitsBytewise(long address, int n, long first, long last) {
        long baseBit = (address - data) << 3;
        for (int i = 0; i < n; i++) {
            long lo = Math.max(first - baseBit, 8L * i);
            long hi = Math.min(last - baseBit, 8L * i + 7);
            try {
                memory.copyFromUser(address + i, one, 0, 1);
                for (long b = lo; b <= hi; b++) {
                    one[0] |= (byte) (1 << (b & 7));
                }
                memory.copyToUser(address + i, one, 0, 1);
            } catch (IommufdException fault) {
                return false;
            }
        }
        return true;
    }

    private static void setBits(byte[] bytes, long from, long to) {
        for (long b = from; b <= to; ) {
            int i = (int) (b >>> 3);
            if ((b & 7) == 0 && to - b >= 7) {
                bytes[i] = (byte) 0xff;
                b += 8;
            } else {
                bytes[i] |= (byte) (1 << (b & 7));
                b++;
            }
        }
    }
}
