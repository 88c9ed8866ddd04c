package io.iommufdsim.bench;

import io.iommufdsim.core.iotlb.Iotlb;
import io.iommufdsim.core.iotlb.IotlbHit;

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
 * IOTLB-hit translation: a full {@link Iotlb} (its default 1024 entries, one domain tag, no PASID)
 * holding pages of {@code pageSize} whose physical addresses follow a random single cycle. One op is
 * {@value #LOOKUPS} dependent lookups (the next IOVA comes from the previous hit's address), every one
 * a hit. {@link #loadChainBaseline} is the same number of dependent loads through a long[] of one
 * entry per cached page with the same permutation. Results are per lookup.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 1)
@Fork(value = 1, jvmArgsAppend = {"-Xms2g", "-Xmx2g"})
@State(Scope.Thread)
public class IotlbHitBench {
    static final int LOOKUPS = 4096;
    private static final int TAG = 1;
    private static final int NO_PASID = -1;

    @Param({"4096", "2097152"})
    long pageSize;

    private Iotlb iotlb;
    private final IotlbHit hit = new IotlbHit();
    private long paBase;
    private long iova;
    private long[] next;
    private int index;

    @Setup(Level.Trial)
    public void fill() {
        iotlb = new Iotlb();
        int pages = iotlb.capacity();
        int[] cycle = Chains.singleCycle(pages);
        paBase = 1L << 40;
        next = new long[pages];
        int lg2 = Long.numberOfTrailingZeros(pageSize);
        for (int i = 0; i < pages; i++) {
            iotlb.fill(TAG, NO_PASID, Sizes.IOVA_BASE + i * pageSize, lg2, paBase + cycle[i] * pageSize, true, true);
            next[i] = cycle[i];
        }
        iova = Sizes.IOVA_BASE;
        index = 0;
        long v = iova;
        for (int i = 0; i < pages; i++) {
            if (!iotlb.lookup(TAG, NO_PASID, v, hit)) {
                throw new IllegalStateException("miss at 0x" + Long.toHexString(v));
            }
            v = Sizes.IOVA_BASE + (hit.physicalAddress() - paBase);
        }
        if (v != iova) {
            throw new IllegalStateException("the chain is not one cycle");
        }
    }

    @Benchmark
    @OperationsPerInvocation(LOOKUPS)
    public long lookup() {
        Iotlb t = iotlb;
        IotlbHit h = hit;
        long v = iova;
        long base = Sizes.IOVA_BASE - paBase;
        for (int k = 0; k < LOOKUPS; k++) {
            t.lookup(TAG, NO_PASID, v, h);
            v = h.physicalAddress() + base;
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
