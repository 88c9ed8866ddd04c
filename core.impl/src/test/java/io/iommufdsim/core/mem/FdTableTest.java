package io.iommufdsim.core.mem;

import static io.iommufdsim.core.mem.ProcessMmapTest.assertErrno;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

import io.iommufdsim.api.Backing;
import io.iommufdsim.api.Errno;
import io.iommufdsim.api.IommufdException;
import io.iommufdsim.api.SimMachine;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class FdTableTest {
    private final MachineMemory machine = MachineMemory.createDefault();
    private final ProcessImpl p = machine.process(SimMachine.DEFAULT_PROCESS);

    /** A fault-queue-like file: records queue up, read takes them, write returns their number. */
    private static final class QueueFile implements RecordFile {
        final List<Map<String, Object>> queued = new ArrayList<>();
        int releases;

        @Override
        public List<Map<String, Object>> readRecords(int count) throws IommufdException {
            if (queued.isEmpty()) {
                throw new IommufdException(Errno.EAGAIN);
            }
            List<Map<String, Object>> out = new ArrayList<>(queued.subList(0, Math.min(count, queued.size())));
            queued.subList(0, out.size()).clear();
            return out;
        }

        @Override
        public int writeRecords(List<Map<String, Object>> records) {
            return records.size();
        }

        @Override
        public void release() {
            releases++;
        }
    }

    @Test
    void descriptorsAreTheLowestFreeNumberFromThree() throws IommufdException {
        FdTable fds = new FdTable();
        FileDescription f = new FileDescription() { };
        assertEquals(3, fds.install(f));
        assertEquals(4, fds.install(f));
        assertEquals(5, fds.install(f));
        fds.close(4);
        assertEquals(4, fds.install(f));
        assertEquals(6, fds.install(f));
        assertSame(f, fds.get(3));
    }

    @Test
    void aFullTableIsEmfile() throws IommufdException {
        FdTable fds = new FdTable();
        for (int i = 3; i < FdTable.NOFILE; i++) {
            fds.install(new FileDescription() { });
        }
        assertErrno(Errno.EMFILE, () -> fds.install(new FileDescription() { }));
    }

    @Test
    void closingADescriptorThatIsNotOpenIsEbadf() throws IommufdException {
        assertErrno(Errno.EBADF, () -> p.closeFd(3));
        assertErrno(Errno.EBADF, () -> p.closeFd(-1));
        assertErrno(Errno.EBADF, () -> p.closeFd(0));
        int fd = p.memfdCreate(0, Backing.FOUR_K);
        p.closeFd(fd);
        assertErrno(Errno.EBADF, () -> p.closeFd(fd));
    }

    @Test
    void recordsAreReadAndWrittenThroughTheRecordFile() throws IommufdException {
        QueueFile q = new QueueFile();
        q.queued.add(Map.of("fault", 1));
        q.queued.add(Map.of("fault", 2));
        int fd = p.fds().install(q);
        assertEquals(List.of(Map.of("fault", 1)), p.readRecords(fd, 1));
        assertEquals(1, p.readRecords(fd, 5).size());
        assertErrno(Errno.EAGAIN, () -> p.readRecords(fd, 1));
        assertEquals(2, p.writeRecords(fd, List.of(Map.of(), Map.of())));
        p.closeFd(fd);
        assertEquals(1, q.releases);
    }

    @Test
    void recordsOnADescriptorThatHoldsNoneAreEinvalAndOnAClosedOneEbadf() throws IommufdException {
        int fd = p.memfdCreate(4096, Backing.FOUR_K);
        assertErrno(Errno.EINVAL, () -> p.readRecords(fd, 1));
        assertErrno(Errno.EINVAL, () -> p.writeRecords(fd, List.of()));
        assertErrno(Errno.EBADF, () -> p.readRecords(fd + 1, 1));
        assertErrno(Errno.EBADF, () -> p.writeRecords(fd + 1, List.of()));
    }

    @Test
    void aRecordFileWithoutWriteIsEinval() throws IommufdException {
        int fd = p.fds().install((RecordFile) count -> List.of());
        assertErrno(Errno.EINVAL, () -> p.writeRecords(fd, List.of(Map.of())));
    }

    @Test
    void exitReleasesEveryOpenFile() throws IommufdException {
        QueueFile q = new QueueFile();
        p.fds().install(q);
        p.exit();
        assertEquals(1, q.releases);
        assertErrno(Errno.EBADF, () -> p.fds().install(q));
    }
}
