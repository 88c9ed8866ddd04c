package io.iommufdsim.core.mem;

import static io.iommufdsim.api.SimProcess.PROT_READ;
import static io.iommufdsim.api.SimProcess.PROT_WRITE;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.iommufdsim.api.Backing;
import io.iommufdsim.api.IommufdException;
import io.iommufdsim.api.SimMachine;
import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

class ConcurrencyAndAllocationTest {
    private final MachineMemory machine = MachineMemory.createDefault();
    private final ProcessImpl p = machine.process(SimMachine.DEFAULT_PROCESS);

    @Test
    void concurrentPinsAndUnpinsBalanceOut() throws Exception {
        FramePins pins = machine.pins();
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            List<Future<?>> done = new ArrayList<>();
            for (int t = 0; t < 4; t++) {
                int seed = t;
                done.add(pool.submit(() -> {
                    for (int i = 0; i < 2000; i++) {
                        long pfn = 1000 + ((i * 37L + seed * 101L) % 500);
                        pins.pin(pfn, 1 + (i % 7));
                        pins.unpin(pfn, 1 + (i % 7));
                    }
                    pins.pin(5000 + seed * 10L, 10);
                    return null;
                }));
            }
            for (Future<?> f : done) {
                f.get();
            }
        } finally {
            pool.shutdown();
        }
        assertEquals(40, pins.pinnedFrames());
        assertArrayEquals(new long[] {0, 0}, pins.minMax(1000, 600));
        assertEquals(1, pins.runCount());
    }

    @Test
    void concurrentFirstTouchesOfOneMappingGiveEachPageOneFrame() throws Exception {
        long va = p.mmap(256 * 4096, Backing.FOUR_K, PROT_READ | PROT_WRITE, -1, 0);
        ExecutorService pool = Executors.newFixedThreadPool(4);
        long[][] seen = new long[4][256];
        try {
            List<Future<?>> done = new ArrayList<>();
            for (int t = 0; t < 4; t++) {
                long[] mine = seen[t];
                done.add(pool.submit(() -> {
                    p.userPages(va).resolve(0, 256, true, (page, pfn, count) -> mine[(int) page] = pfn);
                    return null;
                }));
            }
            for (Future<?> f : done) {
                f.get();
            }
        } finally {
            pool.shutdown();
        }
        for (int t = 1; t < 4; t++) {
            assertArrayEquals(seen[0], seen[t]);
        }
        assertEquals(256, machine.frames().allocatedDataFrames());
    }

    @Test
    void hotPathsAllocateNothingPerPage() throws IommufdException {
        com.sun.management.ThreadMXBean bean;
        try {
            bean = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        } catch (ClassCastException e) {
            assumeTrue(false, "no per-thread allocation counter on this JVM");
            return;
        }
        assumeTrue(bean.isThreadAllocatedMemorySupported());
        SparsePhysicalMemory memory = machine.physical();
        long va = p.mmap(4096L * 4096, Backing.FOUR_K, PROT_READ | PROT_WRITE, -1, 0);
        long[] sum = {0};
        FrameRunSink sink = (page, pfn, count) -> sum[0] += pfn;
        p.userPages(va).resolve(0, 4096, true, sink);
        memory.writeLong(0x1000_0000L, 1);
        for (int warm = 0; warm < 3; warm++) {
            p.userPages(va).resolve(0, 4096, true, sink);
            wordLoop(memory);
        }
        long tid = Thread.currentThread().getId();
        long before = bean.getThreadAllocatedBytes(tid);
        p.userPages(va).resolve(0, 4096, true, sink);
        long afterResolve = bean.getThreadAllocatedBytes(tid);
        wordLoop(memory);
        long afterWords = bean.getThreadAllocatedBytes(tid);
        assertTrue(afterResolve - before < 4096, "resolving 4096 present pages allocated " + (afterResolve - before));
        assertTrue(afterWords - afterResolve < 1024, "100k word accesses allocated " + (afterWords - afterResolve));
        assertTrue(sum[0] != 0);
    }

    private static void wordLoop(SparsePhysicalMemory memory) {
        for (int i = 0; i < 100_000; i++) {
            long pa = 0x1000_0000L + ((i * 8L) & 0xff8);
            memory.writeLong(pa, memory.readLong(pa) + 1);
        }
    }
}
