package io.iommufdsim.bench;

import io.iommufdsim.api.IommufdException;
import io.iommufdsim.core.mem.FaultInjection;
import io.iommufdsim.core.mem.FrameAllocator;
import io.iommufdsim.core.mem.MachineMemory;
import io.iommufdsim.core.mem.SparsePhysicalMemory;
import io.iommufdsim.core.pt.IotlbGather;
import io.iommufdsim.core.pt.PageTable;
import io.iommufdsim.spi.IommuProt;

import java.util.concurrent.TimeUnit;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * One op = a whole 1 GiB range through {@link PageTable}: {@link #map} writes it (into an empty table)
 * with leaves of {@code pageSize} only, {@link #unmap} clears it and frees its tables (gather synced,
 * as iommu_unmap does). The baseline {@link #fillBaseline} writes the same number of 64-bit entries
 * into a plain {@code long[]}, so {@code map / fillBaseline} is the engine's cost per entry over the
 * cheapest possible store of that entry.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 1)
@Fork(value = 1, jvmArgsAppend = {"-Xms2g", "-Xmx2g"})
public class PageTableMapBench {

    /** A table of its own and 1 GiB of contiguous frames; the leaf size is the parameter. */
    @State(Scope.Thread)
    public abstract static class Table {
        /** The leaf size: 4 KiB (262144 leaves in 512 leaf tables) or 2 MiB (512 leaves in one table). */
        @Param({"4096", "2097152"})
        long pageSize;

        PageTable table;
        FrameAllocator tablePages;
        final IotlbGather gather = new IotlbGather();
        long pa;
        boolean mapped;

        @Setup(Level.Trial)
        public void createTable() throws IommufdException {
            SparsePhysicalMemory memory = new SparsePhysicalMemory(MachineMemory.DEFAULT_PHYSICAL_ADDRESS_BITS);
            FrameAllocator frames = new FrameAllocator(memory, new FaultInjection());
            tablePages = frames;
            table = new PageTable(Sizes.vtdSecondStage(), memory, tablePages);
            table.restrictPageSizes(pageSize);
            pa = frames.allocateContiguous(Sizes.GIB_1 >>> 12) << 12;
        }

        void map() throws IommufdException {
            table.map(Sizes.IOVA_BASE, pa, Sizes.GIB_1, IommuProt.READ | IommuProt.WRITE, gather);
            gather.sync(tablePages);
            mapped = true;
        }

        long unmap() {
            long n = table.unmap(Sizes.IOVA_BASE, Sizes.GIB_1, gather);
            gather.sync(tablePages);
            mapped = false;
            return n;
        }
    }

    /** Empty before every op. */
    public static class Empty extends Table {
        @Setup(Level.Invocation)
        public void empty() {
            if (mapped) {
                unmap();
            }
        }
    }

    /** 1 GiB mapped before every op. */
    public static class Full extends Table {
        @Setup(Level.Invocation)
        public void full() throws IommufdException {
            if (!mapped) {
                map();
            }
        }
    }

    /** The baseline's array: one long per leaf entry of the map. */
    @State(Scope.Thread)
    public static class Entries {
        @Param({"4096", "2097152"})
        long pageSize;

        long[] entries;
        long first;

        @Setup(Level.Trial)
        public void allocate() {
            entries = new long[(int) (Sizes.GIB_1 / pageSize)];
            first = (1L << 40) | 0x3 | (pageSize > Sizes.KIB_4 ? 1L << 7 : 0); // address | R | W (| PS)
        }
    }

    @Benchmark
    public long map(Empty s) throws IommufdException {
        s.map();
        return s.table.tablePageCount();
    }

    @Benchmark
    public long unmap(Full s) {
        return s.unmap();
    }

    /** The same number of entries (address | permission bits) stored into a plain long[]. */
    @Benchmark
    public long[] fillBaseline(Entries s) {
        long[] a = s.entries;
        long step = s.pageSize;
        long e = s.first;
        for (int i = 0; i < a.length; i++) {
            a[i] = e;
            e += step;
        }
        return a;
    }
}
