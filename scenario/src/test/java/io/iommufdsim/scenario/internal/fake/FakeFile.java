package io.iommufdsim.scenario.internal.fake;

import io.iommufdsim.api.EmulatedAccesses;
import io.iommufdsim.api.Errno;
import io.iommufdsim.api.IommufdException;
import io.iommufdsim.api.IommufdFile;
import io.iommufdsim.api.PageTableDump;
import io.iommufdsim.api.SimProcess;
import io.iommufdsim.api.UserMemory;
import io.iommufdsim.api.uapi.IoctlCommand;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;
import java.util.TreeSet;

/**
 * An iommufd file serving IOAS_ALLOC, DESTROY, IOVA_RANGES (two fixed ranges, EMSGSIZE as main.c /
 * ioas.c do), ALLOW_IOVAS (no write-back) and HWPT_ALLOC (recording its vendor data, no write-back), reading and writing the caller's memory as the kernel does.
 */
public final class FakeFile implements IommufdFile {
    public static final long[][] RANGES = {{0, 0xfedfffffL}, {0xfef00000L, -1L}};

    private final int fd;
    private final SimProcess opener;
    private final TreeSet<Integer> ids = new TreeSet<>();
    public long[] allowed = new long[0];
    /** The data_type, data_len and vendor bytes of the last IOMMU_HWPT_ALLOC. */
    public int hwptDataType;
    public int hwptDataLen;
    public byte[] hwptData = new byte[0];
    public SimProcess lastCaller;
    public boolean closed;

    FakeFile(int fd, SimProcess opener) {
        this.fd = fd;
        this.opener = opener;
    }

    public SimProcess opener() {
        return opener;
    }

    @Override
    public int fd() {
        return fd;
    }

    private static ByteBuffer read(UserMemory m, long arg, int size) throws IommufdException {
        byte[] b = new byte[size];
        m.copyFromUser(arg, b, 0, size);
        return ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN);
    }

    @Override
    public long ioctl(SimProcess caller, int cmd, long arg, UserMemory memory) throws IommufdException {
        lastCaller = caller;
        IoctlCommand c = IoctlCommand.byNumber(cmd);
        if (c == null) {
            throw new IommufdException(Errno.ENOTTY);
        }
        int size = read(memory, arg, 4).getInt(0);
        if (size < c.struct().minSize()) {
            throw new IommufdException(Errno.EINVAL);
        }
        ByteBuffer s = read(memory, arg, c.struct().size());
        switch (c) {
            case IOMMU_IOAS_ALLOC -> {
                if (s.getInt(4) != 0) {
                    throw new IommufdException(Errno.EOPNOTSUPP);
                }
                int id = 1;
                while (ids.contains(id)) {
                    id++;
                }
                ids.add(id);
                s.putInt(8, id);
                memory.copyToUser(arg, s.array(), 0, 12);
                return 0;
            }
            case IOMMU_HWPT_ALLOC -> {
                hwptDataType = s.getInt(24);
                hwptDataLen = s.getInt(28);
                hwptData = new byte[hwptDataLen];
                if (hwptDataLen > 0) {
                    memory.copyFromUser(s.getLong(32), hwptData, 0, hwptDataLen);
                }
                return 0;
            }
            case IOMMU_DESTROY -> {
                if (!ids.remove(s.getInt(4))) {
                    throw new IommufdException(Errno.ENOENT);
                }
                return 0;
            }
            case IOMMU_IOAS_IOVA_RANGES -> {
                if (!ids.contains(s.getInt(4))) {
                    throw new IommufdException(Errno.ENOENT);
                }
                int max = s.getInt(8);
                long uptr = s.getLong(16);
                for (int i = 0; i < Math.min(max, RANGES.length); i++) {
                    ByteBuffer e = ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN);
                    e.putLong(RANGES[i][0]).putLong(RANGES[i][1]);
                    memory.copyToUser(uptr + 16L * i, e.array(), 0, 16);
                }
                s.putInt(8, RANGES.length);
                s.putLong(24, 4096);
                memory.copyToUser(arg, s.array(), 0, 32);
                if (RANGES.length > max) {
                    throw new IommufdException(Errno.EMSGSIZE);
                }
                return 0;
            }
            case IOMMU_IOAS_ALLOW_IOVAS -> {
                int n = s.getInt(8);
                ByteBuffer a = read(memory, s.getLong(16), 16 * n);
                allowed = new long[2 * n];
                for (int i = 0; i < allowed.length; i++) {
                    allowed[i] = a.getLong(8 * i);
                }
                return 0;
            }
            default -> throw new IommufdException(Errno.ENOTTY);
        }
    }

    @Override
    public EmulatedAccesses accesses() {
        return new EmulatedAccesses() {
            @Override
            public int create(SimProcess caller, int ioasId, int flags) throws IommufdException {
                if (!ids.contains(ioasId)) {
                    throw new IommufdException(Errno.ENOENT);
                }
                int id = ids.last() + 1;
                ids.add(id);
                return id;
            }

            @Override
            public void replaceIoas(int accessId, int ioasId) {
            }

            @Override
            public long[] pin(int accessId, long iova, long length, int flags) {
                return new long[] {0x1234, 0x5678};
            }

            @Override
            public void unpin(int accessId, long iova, long length) {
            }

            @Override
            public byte[] read(int accessId, long iova, long length) {
                return new byte[(int) length];
            }

            @Override
            public void write(int accessId, long iova, byte[] data) {
            }

            @Override
            public byte[] read(SimProcess caller, int accessId, long iova, long length) {
                return read(accessId, iova, length);
            }

            @Override
            public void write(SimProcess caller, int accessId, long iova, byte[] data) {
            }

            @Override
            public void destroy(int accessId) throws IommufdException {
                if (!ids.remove(accessId)) {
                    throw new IommufdException(Errno.ENOENT);
                }
            }
        };
    }

    @Override
    public PageTableDump pageTableDump(int hwptId) throws IommufdException {
        if (hwptId != 9) {
            throw new IommufdException(Errno.ENOENT);
        }
        return new PageTableDump(List.of(new PageTableDump.Leaf(0x100000000L, 0x200000, 1, 0x80000000000000e3L)), 4);
    }

    @Override
    public void close() {
        closed = true;
    }
}
