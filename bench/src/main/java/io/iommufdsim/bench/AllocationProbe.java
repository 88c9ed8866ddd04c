package io.iommufdsim.bench;

import io.iommufdsim.api.Backing;
import io.iommufdsim.api.IommufdException;

import java.lang.management.ManagementFactory;

/**
 * Bytes allocated by one call of each measured operation, taken apart: JMH's {@code -prof gc}
 * divides everything allocated in an iteration by the ops, so it charges an op with what its
 * per-invocation setup allocates too (map's figure includes the unmap that empties the table, and the
 * other way round). This reads the thread's allocation counter around single calls, after a warm-up.
 * Run: {@code java -Xms4g -Xmx4g -cp bench/target/benchmarks.jar io.iommufdsim.bench.AllocationProbe}.
 */
public final class AllocationProbe {
    private static final int WARMUP = 30;
    private static final int ROUNDS = 10;
    private static final com.sun.management.ThreadMXBean THREADS =
            (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();

    private AllocationProbe() {
    }

    private static long allocated() {
        return THREADS.getThreadAllocatedBytes(Thread.currentThread().getId());
    }

    public static void main(String[] args) throws IommufdException {
        System.out.printf("%-34s %14s %14s %14s%n", "operation", "B/call", "units/call", "B/unit");
        for (long pageSize : new long[] {Sizes.KIB_4, Sizes.MIB_2}) {
            PageTableMapBench.Empty s = new PageTableMapBench.Empty();
            s.pageSize = pageSize;
            s.createTable();
            long leaves = Sizes.GIB_1 / pageSize;
            long map = 0;
            long unmap = 0;
            for (int i = 0; i < WARMUP + ROUNDS; i++) {
                long a = allocated();
                s.map();
                long b = allocated();
                s.unmap();
                long c = allocated();
                if (i >= WARMUP) {
                    map += b - a;
                    unmap += c - b;
                }
            }
            report("PageTable.map 1 GiB @" + pageSize, map / ROUNDS, leaves);
            report("PageTable.unmap 1 GiB @" + pageSize, unmap / ROUNDS, leaves);

            TranslateBench t = new TranslateBench();
            t.pageSize = pageSize;
            t.mapPermuted();
            long walk = 0;
            for (int i = 0; i < WARMUP + ROUNDS; i++) {
                long a = allocated();
                t.walk();
                if (i >= WARMUP) {
                    walk += allocated() - a;
                }
            }
            report("PageTable.translate x" + TranslateBench.LOOKUPS + " @" + pageSize, walk / ROUNDS,
                    TranslateBench.LOOKUPS);
        }
        for (Backing backing : new Backing[] {Backing.THP, Backing.FOUR_K}) {
            IoasMapBench.Empty s = new IoasMapBench.Empty();
            s.backing = backing;
            s.createIoas();
            long leaves = Sizes.GIB_1 / (backing == Backing.THP ? Sizes.MIB_2 : Sizes.KIB_4);
            long map = 0;
            long unmap = 0;
            int warmup = backing == Backing.THP ? WARMUP : 3;
            int rounds = backing == Backing.THP ? ROUNDS : 3;
            for (int i = 0; i < warmup + rounds; i++) {
                long a = allocated();
                s.map();
                long b = allocated();
                s.unmap();
                long c = allocated();
                if (i >= warmup) {
                    map += b - a;
                    unmap += c - b;
                }
            }
            report("IOAS_MAP 1 GiB " + backing, map / rounds, leaves);
            report("IOAS_UNMAP 1 GiB " + backing, unmap / rounds, leaves);
            s.close();
        }
        for (String pattern : new String[] {"HIT", "MISS"}) {
            DmaBench d = new DmaBench();
            d.pattern = pattern;
            d.mapChain();
            long read = 0;
            long write = 0;
            for (int i = 0; i < WARMUP + ROUNDS; i++) {
                long a = allocated();
                d.read();
                long b = allocated();
                d.write();
                long c = allocated();
                if (i >= WARMUP) {
                    read += b - a;
                    write += c - b;
                }
            }
            report("dmaRead 8 B x" + DmaBench.DMAS + " " + pattern, read / ROUNDS, DmaBench.DMAS);
            report("dmaWrite 8 B x" + DmaBench.DMAS + " " + pattern, write / ROUNDS, DmaBench.DMAS);
            d.close();
        }
    }

    private static void report(String what, long bytes, long leaves) {
        System.out.printf("%-34s %14d %14d %14.3f%n", what, bytes, leaves, (double) bytes / leaves);
    }
}
