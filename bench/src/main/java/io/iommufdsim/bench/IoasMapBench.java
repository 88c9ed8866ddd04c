package io.iommufdsim.bench;

import io.iommufdsim.api.Backing;
import io.iommufdsim.api.IommufdException;
import io.iommufdsim.api.SimProcess;
import io.iommufdsim.api.uapi.IoctlCommand;
import io.iommufdsim.api.uapi.UapiStruct;
import io.iommufdsim.core.ioas.IoasHandlers;
import io.iommufdsim.core.ioas.IoasObject;
import io.iommufdsim.core.iommufd.CoreIoctls;
import io.iommufdsim.core.iommufd.IommufdContext;
import io.iommufdsim.core.iommufd.ObjectType;
import io.iommufdsim.core.iommufd.SimMachineImpl;
import io.iommufdsim.core.mem.MachineMemory;
import io.iommufdsim.core.mem.ProcessImpl;
import io.iommufdsim.core.pt.PageTable;

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
import org.openjdk.jmh.annotations.Warmup;

/**
 * IOMMU_IOAS_MAP and IOMMU_IOAS_UNMAP of 1 GiB of process memory through the ioctl path, with one
 * paging domain (VT-d second stage) attached, so every map pins the pages and fills the domain and
 * every unmap empties the domain and unpins. {@code backing} is THP (2 MiB folios, faulted in
 * reverse order so that no two are physically adjacent: 512 runs, 512 leaves of 2 MiB) or
 * 4 KiB-scattered memory (262144 runs of one page, 262144 leaves). The memory is faulted in once in
 * the trial setup; ops pin and unpin it.
 *
 * <p>{@link #fillBaseline} stores as many 64-bit entries into a long[] as the domain gets leaves.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 1)
@Fork(value = 1, jvmArgsAppend = {"-Xms2g", "-Xmx2g"})
public class IoasMapBench {
    static final long IOMMU_IOAS_MAP_FIXED_IOVA = 1;
    static final long IOMMU_IOAS_MAP_WRITEABLE = 1 << 1;
    static final long IOMMU_IOAS_MAP_READABLE = 1 << 2;

    /** A machine, a process with 1 GiB of memory, an IOAS with one domain. */
    @State(Scope.Thread)
    public abstract static class Ioas {
        @Param({"THP", "FOUR_K"})
        Backing backing;

        ProcessImpl main;
        IommufdContext ctx;
        PageTableDomain domain;
        long structVa;
        byte[] mapImage;
        byte[] unmapImage;
        long userVa;
        boolean mapped;

        @Setup(Level.Trial)
        public void createIoas() throws IommufdException {
            SimMachineImpl machine = SimMachineImpl.create(
                    List.of(CoreIoctls::registerInto, IoasHandlers::registerInto));
            MachineMemory memory = machine.memory();
            main = machine.process(io.iommufdsim.api.SimMachine.DEFAULT_PROCESS);
            main.setRlimitMemlock(-1);
            int rw = SimProcess.PROT_READ | SimProcess.PROT_WRITE;
            structVa = main.mmap(4096, Backing.FOUR_K, rw, -1, 0);
            userVa = main.mmap(Sizes.GIB_1, backing, rw, -1, 0);
            // Fault in from the top down: the frame allocator hands out ascending addresses, so the
            // folios end up in descending order and no run merges with its neighbour.
            long step = backing == Backing.THP ? Sizes.MIB_2 : Sizes.KIB_4;
            byte[] one = {1};
            for (long off = Sizes.GIB_1 - step; off >= 0; off -= step) {
                main.write(userVa + off, one);
            }
            ctx = (IommufdContext) machine.openIommufd(main);
            byte[] alloc = ioctl(IoctlCommand.IOMMU_IOAS_ALLOC, image(IoctlCommand.IOMMU_IOAS_ALLOC));
            int ioasId = (int) IoctlCommand.IOMMU_IOAS_ALLOC.struct().require("out_ioas_id").get(alloc);
            IoasObject ioas = ctx.objects().get(ioasId, ObjectType.IOAS, IoasObject.class);
            FrameTablePages tablePages = new FrameTablePages(memory.frames());
            domain = new PageTableDomain(new PageTable(Sizes.vtdSecondStage(), memory.physical(), tablePages),
                    tablePages);
            ioas.iopt().addDomain(domain);
            mapImage = image(IoctlCommand.IOMMU_IOAS_MAP, "ioas_id", ioasId,
                    "flags", IOMMU_IOAS_MAP_FIXED_IOVA | IOMMU_IOAS_MAP_READABLE | IOMMU_IOAS_MAP_WRITEABLE,
                    "user_va", userVa, "length", Sizes.GIB_1, "iova", Sizes.IOVA_BASE);
            unmapImage = image(IoctlCommand.IOMMU_IOAS_UNMAP, "ioas_id", ioasId,
                    "iova", Sizes.IOVA_BASE, "length", Sizes.GIB_1);
            // One map proves the shape: how many runs the domain got, and that the leaves are right.
            long calls = domain.mapCalls;
            map();
            long runs = domain.mapCalls - calls;
            long expected = backing == Backing.THP ? 512 : 262144;
            if (runs != expected) {
                throw new IllegalStateException(backing + ": " + runs + " runs, expected " + expected);
            }
            unmap();
        }

        static byte[] image(IoctlCommand command, Object... fieldsAndValues) {
            UapiStruct s = command.struct();
            byte[] image = new byte[s.size()];
            s.require("size").set(image, s.size());
            for (int i = 0; i < fieldsAndValues.length; i += 2) {
                s.require((String) fieldsAndValues[i]).set(image, ((Number) fieldsAndValues[i + 1]).longValue());
            }
            return image;
        }

        byte[] ioctl(IoctlCommand command, byte[] image) throws IommufdException {
            main.write(structVa, image);
            ctx.ioctl(main, command.number(), structVa, main.memory());
            return main.read(structVa, image.length);
        }

        void map() throws IommufdException {
            main.write(structVa, mapImage);
            ctx.ioctl(main, IoctlCommand.IOMMU_IOAS_MAP.number(), structVa, main.memory());
            mapped = true;
        }

        void unmap() throws IommufdException {
            main.write(structVa, unmapImage);
            ctx.ioctl(main, IoctlCommand.IOMMU_IOAS_UNMAP.number(), structVa, main.memory());
            mapped = false;
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
            step = backing == Backing.THP ? Sizes.MIB_2 : Sizes.KIB_4;
            entries = new long[(int) (Sizes.GIB_1 / step)];
        }
    }

    @Benchmark
    public long map(Empty s) throws IommufdException {
        s.map();
        return s.domain.table().tablePageCount();
    }

    @Benchmark
    public long unmap(Full s) throws IommufdException {
        s.unmap();
        return s.domain.table().tablePageCount();
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
