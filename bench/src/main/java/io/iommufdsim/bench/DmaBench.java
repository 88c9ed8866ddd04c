package io.iommufdsim.bench;

import io.iommufdsim.api.Backing;
import io.iommufdsim.api.IommufdException;
import io.iommufdsim.api.IotlbStats;
import io.iommufdsim.api.SimDevice;
import io.iommufdsim.api.uapi.IoctlCommand;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.util.concurrent.TimeUnit;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * 8-byte DMA through the public {@link SimDevice#dmaRead}/{@link SimDevice#dmaWrite} of a device behind
 * the VT-d unit "intel-vtd", attached to an IOAS (automatic domain: VT-d first stage) that maps
 * {@code pages} scattered 4 KiB pages (one 4 KiB leaf each). Each page holds at offset 0 the IOVA of
 * the next page of a random single cycle, like a chain of descriptors.
 * <ul>
 *   <li>{@code HIT}: 512 pages, half the IOTLB (1024 entries): after the first round every DMA is an
 *       IOTLB hit.</li>
 *   <li>{@code MISS}: 262144 pages (1 GiB): a page comes back only after all the others, so every DMA
 *       misses the LRU IOTLB, walks the 4-level table and evicts an entry.</li>
 * </ul>
 * The trial setup proves both: it follows the chain round once, then checks the device's IOTLB
 * counters over {@value #DMAS} more DMAs (no miss for HIT, no hit for MISS).
 *
 * <p>{@link #read}: {@value #DMAS} dependent 8-byte reads, each IOVA the value the previous read
 * returned. {@link #write}: {@value #DMAS} 8-byte writes at offset 8 of the pages in the chain's
 * order (the IOVA from a long[] of the chain). {@link #loadChainBaseline}: {@value #DMAS} dependent
 * loads through that long[] (one entry per page, the same permutation). Results are per DMA.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 1)
@Fork(value = 1, jvmArgsAppend = {"-Xms4g", "-Xmx4g"})
@State(Scope.Thread)
public class DmaBench {
    static final int DMAS = 4096;
    private static final VarHandle LONG = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);

    @Param({"HIT", "MISS"})
    String pattern;

    private VtdMachine m;
    private SimDevice device;
    private final byte[] data = {1, 2, 3, 4, 5, 6, 7, 8};
    /** The next IOVA of the read chain. */
    private long iova;
    /** The chain as page indexes: page i's next is next[i]. */
    private long[] next;
    private int index;

    @Setup(Level.Trial)
    public void mapChain() throws IommufdException {
        int pages = pattern.equals("HIT") ? 512 : (int) (Sizes.GIB_1 / Sizes.KIB_4);
        long length = pages * Sizes.KIB_4;
        m = new VtdMachine();
        device = m.device;
        long userVa = m.main.mmap(length, Backing.FOUR_K, VtdMachine.RW, -1, 0);
        int[] cycle = Chains.singleCycle(pages);
        next = new long[pages];
        byte[] pointer = new byte[8];
        for (int i = 0; i < pages; i++) {
            next[i] = cycle[i];
            LONG.set(pointer, 0, Sizes.IOVA_BASE + cycle[i] * Sizes.KIB_4);
            m.main.write(userVa + i * Sizes.KIB_4, pointer);
        }
        int ioasId = m.ioasAlloc();
        m.attach(ioasId);
        m.ioctlNoCopyBack(IoctlCommand.IOMMU_IOAS_MAP, VtdMachine.mapImage(ioasId, userVa, length, Sizes.IOVA_BASE));
        iova = Sizes.IOVA_BASE;
        index = 0;
        for (int i = 0; i < pages; i++) {
            iova = (long) LONG.get(device.dmaRead(SimDevice.NO_PASID, iova, 8), 0);
        }
        if (iova != Sizes.IOVA_BASE) {
            throw new IllegalStateException("the chain is not one cycle");
        }
        IotlbStats before = device.iotlbStats();
        read();
        write();
        IotlbStats after = device.iotlbStats();
        long hits = after.hits() - before.hits();
        long misses = after.misses() - before.misses();
        if (pattern.equals("HIT") ? misses != 0 : hits != 0) {
            throw new IllegalStateException(pattern + ": " + hits + " hits, " + misses + " misses");
        }
    }

    @TearDown(Level.Trial)
    public void close() {
        m.close();
    }

    @Benchmark
    @OperationsPerInvocation(DMAS)
    public long read() throws IommufdException {
        SimDevice d = device;
        long v = iova;
        for (int k = 0; k < DMAS; k++) {
            v = (long) LONG.get(d.dmaRead(SimDevice.NO_PASID, v, 8), 0);
        }
        iova = v;
        return v;
    }

    @Benchmark
    @OperationsPerInvocation(DMAS)
    public int write() throws IommufdException {
        SimDevice d = device;
        long[] n = next;
        byte[] b = data;
        int i = index;
        for (int k = 0; k < DMAS; k++) {
            i = (int) n[i];
            d.dmaWrite(SimDevice.NO_PASID, Sizes.IOVA_BASE + i * Sizes.KIB_4 + 8, b);
        }
        index = i;
        return i;
    }

    @Benchmark
    @OperationsPerInvocation(DMAS)
    public int loadChainBaseline() {
        index = Chains.follow(next, index, DMAS);
        return index;
    }
}
