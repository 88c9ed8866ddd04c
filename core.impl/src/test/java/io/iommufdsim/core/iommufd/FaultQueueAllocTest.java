package io.iommufdsim.core.iommufd;

import static io.iommufdsim.api.uapi.IoctlCommand.IOMMU_DESTROY;
import static io.iommufdsim.api.uapi.IoctlCommand.IOMMU_FAULT_QUEUE_ALLOC;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.iommufdsim.api.Backing;
import io.iommufdsim.api.Errno;
import io.iommufdsim.api.IommufdException;
import io.iommufdsim.api.SimProcess;
import io.iommufdsim.core.mem.FileDescription;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

/** IOMMU_FAULT_QUEUE_ALLOC and the fault descriptor (reference §4.6). */
class FaultQueueAllocTest {
    private final Harness h = new Harness();

    FaultQueueAllocTest() throws IommufdException {
    }

    private static void assertErrno(Errno expected, Executable call) {
        assertEquals(expected, assertThrows(IommufdException.class, call).errno());
    }

    @Test
    void allocReturnsTheObjectIdAndANewDescriptor() throws Exception {
        byte[] out = h.ioctl(IOMMU_FAULT_QUEUE_ALLOC);
        assertEquals(1, Raw.field(IOMMU_FAULT_QUEUE_ALLOC, out, "out_fault_id"));
        assertEquals(4, Raw.field(IOMMU_FAULT_QUEUE_ALLOC, out, "out_fault_fd"));
        assertEquals(ObjectType.FAULT, h.ctx.objects().get(1).type());
        assertEquals(2, h.ctx.objects().get(1).users());
    }

    @Test
    void nonZeroFlagsAreEopnotsuppAndCreateNothing() throws Exception {
        h.fails(Errno.EOPNOTSUPP, IOMMU_FAULT_QUEUE_ALLOC, "flags", 1);
        assertTrue(h.ctx.objects().isEmpty());
        assertEquals(1, h.main.fds().openCount());
    }

    @Test
    void destroyWhileTheDescriptorIsOpenIsEbusyAndWorksAfterClose() throws Exception {
        byte[] out = h.ioctl(IOMMU_FAULT_QUEUE_ALLOC);
        int fd = (int) Raw.field(IOMMU_FAULT_QUEUE_ALLOC, out, "out_fault_fd");
        h.fails(Errno.EBUSY, IOMMU_DESTROY, "id", 1);
        assertEquals(ObjectType.FAULT, h.ctx.objects().get(1).type());
        h.main.closeFd(fd);
        h.ioctl(IOMMU_DESTROY, "id", 1);
        assertTrue(h.ctx.objects().isEmpty());
    }

    @Test
    void aFailedWriteBackClosesTheDescriptorAndFreesTheId() throws Exception {
        long ro = h.main.mmap(4096, Backing.FOUR_K, SimProcess.PROT_READ, -1, 0);
        assertErrno(Errno.EFAULT, () -> h.ctx.ioctl(h.main, IOMMU_FAULT_QUEUE_ALLOC.number(), ro, new ZeroStruct16()));
        assertTrue(h.ctx.objects().isEmpty());
        assertEquals(1, h.main.fds().openCount());
        assertErrno(Errno.EBADF, () -> h.main.fds().get(4));
        h.ctx.close();
        assertTrue(h.ctx.isReleased()); // the aborted file gave its context reference back
    }

    @Test
    void aFullDescriptorTableIsEmfileAndFreesTheId() throws Exception {
        while (h.main.fds().openCount() < 1021) {
            h.main.fds().install(new FileDescription() { });
        }
        h.fails(Errno.EMFILE, IOMMU_FAULT_QUEUE_ALLOC);
        assertTrue(h.ctx.objects().isEmpty());
        h.ctx.close();
        assertTrue(h.ctx.isReleased());
    }

    @Test
    void theFaultDescriptorKeepsTheContextAliveAfterTheIommufdIsClosed() throws Exception {
        byte[] out = h.ioctl(IOMMU_FAULT_QUEUE_ALLOC);
        int fd = (int) Raw.field(IOMMU_FAULT_QUEUE_ALLOC, out, "out_fault_fd");
        IommufdObject fault = h.ctx.objects().get(1);
        h.ctx.close();
        assertFalse(h.ctx.isReleased());
        assertSame(fault, h.ctx.objects().get(1));
        h.main.closeFd(fd);
        assertTrue(h.ctx.isReleased());
        assertTrue(h.ctx.objects().isEmpty());
    }

    @Test
    void readingAnEmptyQueueIsEagainAndAResponseToNoFaultIsEinval() throws Exception {
        byte[] out = h.ioctl(IOMMU_FAULT_QUEUE_ALLOC);
        int fd = (int) Raw.field(IOMMU_FAULT_QUEUE_ALLOC, out, "out_fault_fd");
        assertErrno(Errno.EAGAIN, () -> h.main.readRecords(fd, 1));
        assertErrno(Errno.EINVAL, () -> h.main.writeRecords(fd, List.of(Map.of("cookie", 1, "code", 0))));
        assertErrno(Errno.EINVAL, () -> h.main.writeRecords(fd, List.of(Map.of("cookie", 1, "code", 2))));
        assertEquals(0, h.main.writeRecords(fd, List.of()));
    }

    /** User memory where the struct reads as a zeroed 16-byte iommu_fault_alloc and every write faults. */
    private static final class ZeroStruct16 implements io.iommufdsim.api.UserMemory {
        @Override
        public void copyFromUser(long va, byte[] dst, int off, int len) {
            byte[] s = Raw.struct(IOMMU_FAULT_QUEUE_ALLOC);
            for (int i = 0; i < len; i++) {
                dst[off + i] = s[(int) (va & 15) + i];
            }
        }

        @Override
        public void copyToUser(long va, byte[] src, int off, int len) throws IommufdException {
            throw new IommufdException(Errno.EFAULT);
        }
    }
}
