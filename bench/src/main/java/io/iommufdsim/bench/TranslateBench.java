package io.iommufdsim.bench;

import io.iommufdsim.api.IommufdException;
import io.iommufdsim.core.mem.FaultInjection;
import io.iommufdsim.core.mem.FrameAllocator;
import io.iommufdsim.core.mem.MachineMemory;
import io.iommufdsim.core.mem.SparsePhysicalMemory;
import io.iommufdsim.core.pt.IotlbGather;
import io.iommufdsim.core.pt.PageTable;
import io.iommufdsim.core.pt.Translation;
import io.iommufdsim.spi.IommuProt;

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
import org.openjdk.jmh.annotations.Warmup;

/**
 * IOTLB-miss translation: the full table walk ({@link PageTable#translate}) over 1 GiB mapped with
 * leaves of {@code pageSize}, each page at a physical address chosen by a random single-cycle
 * permutation. One op is {@value #LOOKUPS} dependent lookups: the next IOVA is derived from the
 * physical address the previous walk returned, so no walk can start before the previous one ended
 * (like a chain of descriptor fetches). The chain carries on across ops, through every page.
 *
 * <p>{@link #loadChainBaseline} follows the same permutation through a {@code long[]} of one entry
 * per page (the same footprint as the leaf entries): {@value #LOOKUPS} dependent loads per op.
 * Results are per lookup ({@link OperationsPerInvocation}).
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 1)
@Fork(value = 1, jvmArgsAppend = {"-Xms2g", "-Xmx2g"})
@State(Scope.Thread)
public class TranslateBench {
    static final int LOOKUPS = 4096;

    /** 4 KiB (262144 pages, a 4-level walk) or 2 MiB (512 pages, a 3-level walk). */
    @Param({"4096", "2097152"})
    long pageSize;

    private PageTable table;
    private final Translation out = new Translation();
    private long paBase;
    private long iova;

    private long[] next;
    private int index;

    @Setup(Level.Trial)
    public void mapPermuted() throws IommufdException {
        SparsePhysicalMemory memory = new SparsePhysicalMemory(MachineMemory.DEFAULT_PHYSICAL_ADDRESS_BITS);
        FrameAllocator frames = new FrameAllocator(memory, new FaultInjection());
        table = new PageTable(Sizes.vtdSecondStage(), memory, frames);
        table.restrictPageSizes(pageSize);
        paBase = frames.allocateContiguous(Sizes.GIB_1 >>> 12) << 12;
        int pages = (int) (Sizes.GIB_1 / pageSize);
        int[] cycle = Chains.singleCycle(pages);
        IotlbGather gather = new IotlbGather();
        next = new long[pages];
        for (int i = 0; i < pages; i++) {
            // IOVA page i holds physical page cycle[i]; the chain goes from i to cycle[i]
            table.map(Sizes.IOVA_BASE + i * pageSize, paBase + cycle[i] * pageSize, pageSize,
                    IommuProt.READ | IommuProt.WRITE, gather);
            next[i] = cycle[i];
        }
        gather.sync(frames);
        iova = Sizes.IOVA_BASE;
        index = 0;
        // The walk must follow the whole cycle and come back: proves the chain is what it claims.
        long v = iova;
        for (int i = 0; i < pages; i++) {
            if (!table.translate(v, out) || out.pageSizeLg2() != Long.numberOfTrailingZeros(pageSize)) {
                throw new IllegalStateException("walk failed at " + out);
            }
            v = Sizes.IOVA_BASE + (out.physicalAddress() - paBase);
        }
        if (v != iova) {
            throw new IllegalStateException("the chain is not one cycle");
        }
    }

    @Benchmark
    @OperationsPerInvocation(LOOKUPS)
    public long walk() {
        PageTable t = table;
        Translation o = out;
        long v = iova;
        long base = Sizes.IOVA_BASE - paBase;
        for (int k = 0; k < LOOKUPS; k++) {
            t.translate(v, o);
            v = o.physicalAddress() + base;
        }
        iova = v;
        return v;
    }

    @Benchmark
    @OperationsPerInvocation(LOOKUPS)
    public int loadChainBaseline() {
        index = Chains.follow(next, index, LOOKUPS);
        return index;
    }
}
