package io.iommufdsim.scenario.internal.ops;

import io.iommufdsim.api.Errno;
import io.iommufdsim.api.IommufdException;
import io.iommufdsim.api.UserMemory;
import java.util.Arrays;
import java.util.BitSet;
import java.util.Map;
import java.util.TreeMap;

/**
 * The user memory of a named ioctl step: the struct and the arrays its pointers reach, placed by a
 * bump allocator with an unmapped guard page after each block, as a program's buffers would be.
 * Every byte the kernel copies back is recorded, so the runner reports only the outputs the kernel
 * really wrote (e.g. {@code num_iovas} with EMSGSIZE, nothing after an early failure).
 */
public final class StagingMemory implements UserMemory {
    /** Where the blocks start: an address no simulated process maps, so a stray pointer faults. */
    static final long BASE = 0x7ffe_0000_0000L;
    private static final long PAGE = 4096;

    private final TreeMap<Long, Block> blocks = new TreeMap<>();
    private long next = BASE;

    private static final class Block {
        final long base;
        final byte[] data;
        final BitSet written;

        Block(long base, byte[] data) {
            this.base = base;
            this.data = data;
            this.written = new BitSet(data.length);
        }
    }

    /** Places a copy of {@code content} and returns its user address. */
    public long place(byte[] content) {
        long addr = next;
        blocks.put(addr, new Block(addr, Arrays.copyOf(content, content.length)));
        long end = addr + Math.max(content.length, 1);
        next = (end + PAGE - 1) / PAGE * PAGE + PAGE;
        return addr;
    }

    /** True if the kernel wrote every byte of {@code [addr, addr + length)}. */
    public boolean written(long addr, int length) {
        Block b = blockAt(addr);
        if (b == null || addr - b.base + length > b.data.length) {
            return false;
        }
        int from = (int) (addr - b.base);
        return b.written.get(from, from + length).cardinality() == length;
    }

    /** True if the kernel wrote any byte of {@code [addr, addr + length)}. */
    public boolean anyWritten(long addr, int length) {
        Block b = blockAt(addr);
        if (b == null) {
            return false;
        }
        int from = (int) (addr - b.base);
        int to = (int) Math.min(b.data.length, (long) from + length);
        return !b.written.get(from, to).isEmpty();
    }

    /** The current content of a placed range (runner side, never faults inside a block). */
    public byte[] peek(long addr, int length) {
        Block b = blockAt(addr);
        int from = (int) (addr - b.base);
        return Arrays.copyOfRange(b.data, from, from + length);
    }

    private Block blockAt(long addr) {
        Map.Entry<Long, Block> e = blocks.floorEntry(addr);
        if (e == null) {
            return null;
        }
        Block b = e.getValue();
        return addr - b.base < b.data.length ? b : null;
    }

    @Override
    public void copyFromUser(long userAddress, byte[] destination, int offset, int length) throws IommufdException {
        copy(userAddress, destination, offset, length, false);
    }

    @Override
    public void copyToUser(long userAddress, byte[] source, int offset, int length) throws IommufdException {
        copy(userAddress, source, offset, length, true);
    }

    /** Copies block by block; the first byte outside a block is EFAULT, with the prefix copied. */
    private void copy(long addr, byte[] buffer, int offset, int length, boolean toUser) throws IommufdException {
        int done = 0;
        while (done < length) {
            long at = addr + done;
            Block b = Long.compareUnsigned(at, addr) < 0 ? null : blockAt(at);
            if (b == null) {
                throw new IommufdException(Errno.EFAULT);
            }
            int from = (int) (at - b.base);
            int n = Math.min(length - done, b.data.length - from);
            if (toUser) {
                System.arraycopy(buffer, offset + done, b.data, from, n);
                b.written.set(from, from + n);
            } else {
                System.arraycopy(b.data, from, buffer, offset + done, n);
            }
            done += n;
        }
    }
}
