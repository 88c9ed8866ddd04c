package io.iommufdsim.scenario.internal.fake;

import io.iommufdsim.api.Backing;
import io.iommufdsim.api.Capability;
import io.iommufdsim.api.Errno;
import io.iommufdsim.api.IommufdException;
import io.iommufdsim.api.MemoryStats;
import io.iommufdsim.api.SimProcess;
import io.iommufdsim.api.UserMemory;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/** A process whose mappings are plain byte arrays (small lengths only). */
public final class FakeProcess implements SimProcess {
    private final String name;
    private final int uid;
    private final Set<Capability> caps;
    private final TreeMap<Long, byte[]> mappings = new TreeMap<>();
    private final Set<Integer> fds = new HashSet<>();
    private long nextVa = 0x10000000L;
    private long rlimit = 8 << 20;
    public Backing lastBacking;
    public int lastProt;

    FakeProcess(String name, int uid, Set<Capability> caps) {
        this.name = name;
        this.uid = uid;
        this.caps = caps;
    }

    int allocateFd() {
        int fd = 3;
        while (fds.contains(fd)) {
            fd++;
        }
        fds.add(fd);
        return fd;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public int uid() {
        return uid;
    }

    @Override
    public boolean hasCapability(Capability capability) {
        return caps.contains(capability);
    }

    @Override
    public boolean isAlive() {
        return true;
    }

    @Override
    public long mmap(long length, Backing backing, int prot, int fd, long offset) throws IommufdException {
        if (length <= 0 || length > (1 << 24)) {
            throw new IommufdException(Errno.EINVAL);
        }
        long align = backing == Backing.THP ? 2 << 20 : 4096;
        long va = (nextVa + align - 1) / align * align;
        mappings.put(va, new byte[(int) length]);
        nextVa = va + length + 4096;
        lastBacking = backing;
        lastProt = prot;
        return va;
    }

    @Override
    public void munmap(long userVa, long length) throws IommufdException {
        if (mappings.remove(userVa) == null) {
            throw new IommufdException(Errno.EINVAL);
        }
    }

    @Override
    public int memfdCreate(long length, Backing backing) {
        return allocateFd();
    }

    @Override
    public void ftruncate(int fd, long length) throws IommufdException {
        if (!fds.contains(fd)) {
            throw new IommufdException(Errno.EBADF);
        }
    }

    @Override
    public void closeFd(int fd) throws IommufdException {
        if (!fds.remove(fd)) {
            throw new IommufdException(Errno.EBADF);
        }
    }

    @Override
    public List<Map<String, Object>> readRecords(int fd, int count) throws IommufdException {
        if (!fds.contains(fd)) {
            throw new IommufdException(Errno.EBADF);
        }
        return List.of(Map.of("fault_id", 7, "addr", 0x1000L));
    }

    @Override
    public int writeRecords(int fd, List<Map<String, Object>> records) throws IommufdException {
        if (!fds.contains(fd)) {
            throw new IommufdException(Errno.EBADF);
        }
        return records.size();
    }

    private byte[] mappingOf(long va, long length) throws IommufdException {
        Map.Entry<Long, byte[]> e = mappings.floorEntry(va);
        if (e == null || va + length > e.getKey() + e.getValue().length) {
            throw new IommufdException(Errno.EFAULT);
        }
        return e.getValue();
    }

    @Override
    public void write(long userVa, byte[] data) throws IommufdException {
        byte[] m = mappingOf(userVa, data.length);
        System.arraycopy(data, 0, m, (int) (userVa - mappings.floorKey(userVa)), data.length);
    }

    @Override
    public byte[] read(long userVa, long length) throws IommufdException {
        byte[] m = mappingOf(userVa, length);
        byte[] out = new byte[(int) length];
        System.arraycopy(m, (int) (userVa - mappings.floorKey(userVa)), out, 0, out.length);
        return out;
    }

    @Override
    public UserMemory memory() {
        return new UserMemory() {
            @Override
            public void copyFromUser(long userAddress, byte[] destination, int offset, int length)
                    throws IommufdException {
                System.arraycopy(read(userAddress, length), 0, destination, offset, length);
            }

            @Override
            public void copyToUser(long userAddress, byte[] source, int offset, int length) throws IommufdException {
                byte[] part = new byte[length];
                System.arraycopy(source, offset, part, 0, length);
                write(userAddress, part);
            }
        };
    }

    @Override
    public MemoryStats stats() {
        return new MemoryStats(1, 2, 3);
    }

    @Override
    public long[] pinCount(long userVa, long length) throws IommufdException {
        mappingOf(userVa, length);
        return new long[] {0, 1};
    }

    @Override
    public void setRlimitMemlock(long bytes) {
        rlimit = bytes;
    }

    @Override
    public long rlimitMemlock() {
        return rlimit;
    }

    @Override
    public void exit() {
        mappings.clear();
    }
}
