package io.iommufdsim.core.mem;

import io.iommufdsim.api.Errno;
import io.iommufdsim.api.IommufdException;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;

/**
 * A process's file descriptor table. New descriptors take the lowest free number from 3 (0-2 are
 * the standard streams), as fs/file.c: alloc_fd does, up to RLIMIT_NOFILE (1024) → EMFILE.
 * Thread safe (this object's lock; {@link FileDescription#release()} is called after dropping it).
 */
public final class FdTable {
    /** The default soft RLIMIT_NOFILE. */
    public static final int NOFILE = 1024;
    private static final int FIRST_FD = 3;

    private final FileDescription[] files = new FileDescription[NOFILE];
    private final BitSet open = new BitSet(NOFILE);
    private boolean closed;

    /** Installs {@code file} at the lowest free descriptor and returns it; EMFILE when full. */
    public synchronized int install(FileDescription file) throws IommufdException {
        if (closed) {
            throw new IommufdException(Errno.EBADF);
        }
        int fd = open.nextClearBit(FIRST_FD);
        if (fd >= NOFILE) {
            throw new IommufdException(Errno.EMFILE);
        }
        open.set(fd);
        files[fd] = file;
        return fd;
    }

    /** The file open at {@code fd}; EBADF if none. */
    public synchronized FileDescription get(int fd) throws IommufdException {
        if (fd < 0 || fd >= NOFILE || !open.get(fd)) {
            throw new IommufdException(Errno.EBADF);
        }
        return files[fd];
    }

    /** close(2): EBADF if {@code fd} is not open. */
    public void close(int fd) throws IommufdException {
        FileDescription file;
        synchronized (this) {
            file = get(fd);
            open.clear(fd);
            files[fd] = null;
        }
        file.release();
    }

    /** Number of open descriptors. */
    public synchronized int openCount() {
        return open.cardinality();
    }

    /** Closes every descriptor (process exit); later installs fail with EBADF. */
    void closeAll() {
        List<FileDescription> toRelease = new ArrayList<>();
        synchronized (this) {
            for (int fd = open.nextSetBit(0); fd >= 0; fd = open.nextSetBit(fd + 1)) {
                toRelease.add(files[fd]);
                files[fd] = null;
            }
            open.clear();
            closed = true;
        }
        for (FileDescription f : toRelease) {
            f.release();
        }
    }
}
