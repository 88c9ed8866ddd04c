package io.iommufdsim.bench;

import io.iommufdsim.api.Backing;
import io.iommufdsim.api.IommufdException;
import io.iommufdsim.api.PageTableDump;
import io.iommufdsim.api.uapi.IoctlCommand;

import java.util.List;
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
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * IOMMU_IOAS_MAP and IOMMU_IOAS_UNMAP of 1 GiB of process memory through the ioctl path, into an IOAS
 * a device behind the VT-d unit "intel-vtd" is attached to. The attach gave the IOAS its automatic
 * paging domain (VT-d first stage, the core's PagingDomain), so every map pins the pages and fills
 * the domain, and every unmap empties the domain (one gathered IOTLB invalidation) and unpins.
 * {@code backing} is THP (2 MiB folios, faulted in from the top down so that no two are physically
 * adjacent: 512 runs, 512 leaves of 2 MiB) or scattered 4 KiB memory (262144 runs of one page,
 * 262144 leaves). The memory is faulted in once in the trial setup; ops pin and unpin it.
 *
 * <p>{@link #fillBaseline} stores as many 64-bit entries into a long[] as the domain gets leaves.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 1)
@Fork(value = 1, jvmArgsAppend = {"-Xms2g", "-Xmx2g"})
public class IoasMapBench {

    /** A VT-d machine, 1 GiB of process memory, an IOAS with the device attached. */
    @State(Scope.Thread)
    public abstract static class Ioas {
        @Param({"THP", "FOUR_K"})
        Backing backing;

        VtdMachine m;
        int hwptId;
        byte[] mapImage;
        byte[] unmapImage;
        boolean mapped;

        @Setup(Level.Trial)
        public void createIoas() throws IommufdException {
            m = new VtdMachine();
            long userVa = m.main.mmap(Sizes.GIB_1, backing, VtdMachine.RW, -1, 0);
            // Fault in from the top down: the frame allocator hands out folios at ascending addresses,
            // so they end up in descending order and no run merges with its neighbour (scattered 4 KiB
            // frames are never adjacent anyway). Zeros fault the pages in without creating content.
            long step = step(backing);
            byte[] zero = {0};
            for (long off = Sizes.GIB_1 - step; off >= 0; off -= step) {
                m.main.write(userVa + off, zero);
            }
            int ioasId = m.ioasAlloc();
            hwptId = m.attach(ioasId);
            mapImage = VtdMachine.mapImage(ioasId, userVa, Sizes.GIB_1, Sizes.IOVA_BASE);
            unmapImage = VtdMachine.unmapImage(ioasId, Sizes.IOVA_BASE, Sizes.GIB_1);
            map();
            checkOneLeafPerRun();
            unmap();
        }

        /**
         * The domain got one leaf of the run's size per run: the leaves cover the 1 GiB in order, each
         * of {@code step} bytes, and no leaf is physically adjacent to the one before it.
         */
        private void checkOneLeafPerRun() throws IommufdException {
            long step = step(backing);
            List<PageTableDump.Leaf> leaves = m.iommufd.pageTableDump(hwptId).leaves();
            if (leaves.size() != Sizes.GIB_1 / step) {
                throw new IllegalStateException(backing + ": " + leaves.size() + " leaves");
            }
            long previousEnd = -1;
            for (int i = 0; i < leaves.size(); i++) {
                PageTableDump.Leaf leaf = leaves.get(i);
                long pa = leaf.pte() & 0x000f_ffff_ffff_f000L & -step; // x86 PTE address bits 51:12
                if (leaf.iova() != Sizes.IOVA_BASE + i * step || leaf.size() != step || pa == previousEnd) {
                    throw new IllegalStateException(backing + ": leaf " + i + " is " + leaf);
                }
                previousEnd = pa + step;
            }
        }

        static long step(Backing backing) {
            return backing == Backing.THP ? Sizes.MIB_2 : Sizes.KIB_4;
        }

        void map() throws IommufdException {
            m.ioctlNoCopyBack(IoctlCommand.IOMMU_IOAS_MAP, mapImage);
            mapped = true;
        }

        void unmap() throws IommufdException {
            m.ioctlNoCopyBack(IoctlCommand.IOMMU_IOAS_UNMAP, unmapImage);
            mapped = false;
        }

        @TearDown(Level.Trial)
        public void close() {
            m.close();
        }
    }

    /** Nothing mapped before every op. */
    public static class Empty extends Ioas {
        @Setup(Level.Invocation)
        public void empty() throws IommufdException {
            if (mapped) {
                unmap();
            }
        }
    }

    /** 1 GiB mapped before every op. */
    public static class Full extends Ioas {
        @Setup(Level.Invocation)
        public void full() throws IommufdException {
            if (!mapped) {
                map();
            }
        }
    }

    /** One long per leaf the domain gets. */
    @State(Scope.Thread)
    public static class Entries {
        @Param({"THP", "FOUR_K"})
        Backing backing;

        long[] entries;
        long step;

        @Setup(Level.Trial)
        public void allocate() {
            step = Ioas.step(backing);
            entries = new long[(int) (Sizes.GIB_1 / step)];
        }
    }

    @Benchmark
    public boolean map(Empty s) throws IommufdException {
        s.map();
        return s.mapped;
    }

    @Benchmark
    public boolean unmap(Full s) throws IommufdException {
        s.unmap();
        return s.mapped;
    }

    @Benchmark
    public long[] fillBaseline(Entries s) {
        long[] a = s.entries;
        long e = (1L << 40) | 0x3;
        long step = s.step;
        for (int i = 0; i < a.length; i++) {
            a[i] = e;
            e += step;
        }
        return a;
    }
}
