package io.iommufdsim.core.ioas;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.iommufdsim.api.Backing;
import io.iommufdsim.api.EmulatedAccesses;
import io.iommufdsim.api.IommufdException;
import io.iommufdsim.api.uapi.IoctlCommand;
import io.iommufdsim.api.uapi.UapiStruct;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * One iommufd context used from several threads at once, as a multi-threaded VMM does: every thread
 * maps, copies, pins through its own access, reads back and unmaps, on IOASes shared by all of them
 * (one of which has a domain, so maps pin and fill). Whatever the interleaving, each call sees a
 * consistent IOAS, and once every thread is done nothing is left mapped, pinned or charged.
 */
class ConcurrentContextTest {
    private static final int THREADS = 4;
    private static final int ROUNDS = 150;
    private static final long M2 = 2L << 20;

    private final IoasHarness h = new IoasHarness();
    private final MockDomain domain = MockDomain.x86();

    ConcurrentContextTest() throws IommufdException {
    }

    @Test
    void threadsSharingOneContextLeaveNoAreaPinOrChargeBehind() throws Exception {
        int withDomain = h.ioasAlloc();
        int copies = h.ioasAlloc();
        h.ioas(withDomain).iopt().addDomain(domain);
        EmulatedAccesses accesses = h.ctx.accesses();

        ExecutorService pool = Executors.newFixedThreadPool(THREADS);
        List<Future<Void>> results = new ArrayList<>();
        for (int t = 0; t < THREADS; t++) {
            byte tag = (byte) (0x40 + t);
            results.add(pool.submit(worker(tag, withDomain, copies, accesses)));
        }
        pool.shutdown();
        assertTrue(pool.awaitTermination(120, TimeUnit.SECONDS));
        for (Future<Void> f : results) {
            f.get();
        }

        assertEquals(List.of(), h.areas(withDomain));
        assertEquals(List.of(), h.areas(copies));
        assertEquals(0, domain.mappedBytes());
        assertEquals(0, h.pinnedFrames());
        assertArrayEquals(new long[] {0, 0, 0}, h.stats());
    }

    private Callable<Void> worker(byte tag, int withDomain, int copies, EmulatedAccesses accesses) {
        return () -> {
            long structs = h.main.mmap(4096, Backing.FOUR_K, IoasHarness.RW, -1, 0);
            long memory = h.main.mmap(2 * M2, Backing.THP, IoasHarness.RW, -1, 0);
            h.main.write(memory + 0x1234, new byte[] {tag, tag, tag});
            int access = accesses.create(h.main, copies, EmulatedAccesses.NEEDS_PIN_PAGES);
            for (int round = 0; round < ROUNDS; round++) {
                long length = (round % 2 == 0) ? M2 : 2 * M2;
                long iova = ioctl(structs, IoctlCommand.IOMMU_IOAS_MAP, "iova", "flags",
                        IoasHarness.READABLE | IoasHarness.WRITEABLE, "ioas_id", withDomain, "user_va", memory,
                        "length", length);
                long dst = ioctl(structs, IoctlCommand.IOMMU_IOAS_COPY, "dst_iova", "flags",
                        IoasHarness.READABLE | IoasHarness.WRITEABLE, "dst_ioas_id", copies, "src_ioas_id",
                        withDomain, "length", length, "src_iova", iova);
                accesses.pin(access, dst, 4096 * 4, EmulatedAccesses.WRITE);
                byte[] read = accesses.read(h.main, access, dst + 0x1234, 3);
                assertArrayEquals(new byte[] {tag, tag, tag}, read);
                accesses.unpin(access, dst, 4096 * 4);
                assertEquals(length, ioctl(structs, IoctlCommand.IOMMU_IOAS_UNMAP, "length", "ioas_id", copies,
                        "iova", dst, "length", length));
                assertEquals(length, ioctl(structs, IoctlCommand.IOMMU_IOAS_UNMAP, "length", "ioas_id",
                        withDomain, "iova", iova, "length", length));
            }
            accesses.destroy(access);
            return null;
        };
    }

    /** Issues {@code command} with the struct at {@code at} in process memory; returns field {@code out}. */
    private long ioctl(long at, IoctlCommand command, String out, Object... fieldsAndValues) throws IommufdException {
        byte[] image = IoasHarness.struct(command, fieldsAndValues);
        h.main.write(at, image);
        h.ctx.ioctl(h.main, command.number(), at, h.main.memory());
        UapiStruct s = command.struct();
        return s.require(out).get(h.main.read(at, image.length));
    }
}
