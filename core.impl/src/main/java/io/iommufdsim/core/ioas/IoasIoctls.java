package io.iommufdsim.core.ioas;

import static io.iommufdsim.api.uapi.UapiConstants.IOMMU_IOAS_MAP_FIXED_IOVA;
import static io.iommufdsim.api.uapi.UapiConstants.IOMMU_IOAS_MAP_READABLE;
import static io.iommufdsim.api.uapi.UapiConstants.IOMMU_IOAS_MAP_WRITEABLE;
import static io.iommufdsim.api.uapi.UapiConstants.IOMMU_OPTION_OP_GET;
import static io.iommufdsim.api.uapi.UapiConstants.IOMMU_OPTION_OP_SET;

import io.iommufdsim.api.Errno;
import io.iommufdsim.api.IommufdException;
import io.iommufdsim.api.IovaRange;
import io.iommufdsim.api.UserMemory;
import io.iommufdsim.core.iommufd.IoctlCall;
import io.iommufdsim.core.iommufd.ObjectType;
import io.iommufdsim.core.mem.FileDescription;
import io.iommufdsim.core.mem.ProcessImpl;
import java.util.List;

/**
 * The IOAS ioctls (ioas.c: iommufd_ioas_alloc_ioctl, iommufd_ioas_iova_ranges, iommufd_ioas_allow_iovas,
 * iommufd_ioas_map, iommufd_ioas_map_file, iommufd_ioas_copy, iommufd_ioas_unmap, and the HUGE_PAGES
 * half of iommufd_ioas_option). Each validates in the kernel's order, then acts on the
 * {@link IoPagetable}.
 */
final class IoasIoctls {
    private static final long MAP_FLAGS = IOMMU_IOAS_MAP_FIXED_IOVA | IOMMU_IOAS_MAP_WRITEABLE
            | IOMMU_IOAS_MAP_READABLE;
    private static final int IOVA_RANGE_SIZE = 16;

    private IoasIoctls() {
    }

    static IoasObject ioas(IoctlCall call, String field) throws IommufdException {
        return call.objects().get(call.id(field), ObjectType.IOAS, IoasObject.class);
    }

    /** ioas.c: conv_iommu_prot — IOMMU_CACHE always. */
    static int iommuProt(long flags) {
        int prot = IoptDomain.IOMMU_CACHE;
        if ((flags & IOMMU_IOAS_MAP_WRITEABLE) != 0) {
            prot |= IoptDomain.IOMMU_WRITE;
        }
        if ((flags & IOMMU_IOAS_MAP_READABLE) != 0) {
            prot |= IoptDomain.IOMMU_READ;
        }
        return prot;
    }

    /** The flag and U64_MAX checks MAP, MAP_FILE and COPY share, after their own EOPNOTSUPP checks. */
    private static void checkNeedsAccess(long flags) throws IommufdException {
        if ((flags & (IOMMU_IOAS_MAP_WRITEABLE | IOMMU_IOAS_MAP_READABLE)) == 0) {
            throw new IommufdException(Errno.EINVAL);
        }
    }

    /** IOMMU_IOAS_ALLOC. */
    static long alloc(IoctlCall call) throws IommufdException {
        if (call.get("flags") != 0) {
            throw new IommufdException(Errno.EOPNOTSUPP);
        }
        IoasObject ioas = call.allocObject(new IoasObject());
        call.set("out_ioas_id", ioas.id());
        call.respond();
        return 0;
    }

    /**
     * IOMMU_IOAS_IOVA_RANGES: writes the first num_iovas holes, counts them all, writes the struct
     * back, and then fails with EMSGSIZE if the array was too small.
     */
    static long iovaRanges(IoctlCall call) throws IommufdException {
        if (call.get("__reserved") != 0) {
            throw new IommufdException(Errno.EOPNOTSUPP);
        }
        IoasObject ioas = ioas(call, "ioas_id");
        long max = call.get("num_iovas");
        long ptr = call.get("allowed_iovas");
        List<IovaRange> ranges = ioas.iopt().iovaRanges();
        call.set("out_iova_alignment", ioas.iopt().iovaAlignment());
        byte[] element = new byte[IOVA_RANGE_SIZE];
        for (int i = 0; i < ranges.size() && i < max; i++) {
            putLong(element, 0, ranges.get(i).start());
            putLong(element, 8, ranges.get(i).last());
            call.memory().copyToUser(ptr + (long) i * IOVA_RANGE_SIZE, element, 0, IOVA_RANGE_SIZE);
        }
        call.set("num_iovas", ranges.size());
        call.respond();
        if (ranges.size() > max) {
            throw new IommufdException(Errno.EMSGSIZE);
        }
        return 0;
    }

    /** IOMMU_IOAS_ALLOW_IOVAS: loads the new list element by element, then swaps it in atomically. */
    static long allowIovas(IoctlCall call) throws IommufdException {
        if (call.get("__reserved") != 0) {
            throw new IommufdException(Errno.EOPNOTSUPP);
        }
        IoasObject ioas = ioas(call, "ioas_id");
        long num = call.get("num_iovas");
        long ptr = call.get("allowed_iovas");
        UserMemory memory = call.memory();
        SpanSet loaded = new SpanSet();
        byte[] element = new byte[IOVA_RANGE_SIZE];
        for (long i = 0; i < num; i++) {
            memory.copyFromUser(ptr + i * IOVA_RANGE_SIZE, element, 0, IOVA_RANGE_SIZE);
            AllowedRanges.loadOne(loaded, getLong(element, 0), getLong(element, 8));
        }
        ioas.iopt().setAllowIova(loaded);
        return 0;
    }

    /** IOMMU_IOAS_MAP (ioas.c: iommufd_ioas_map → iopt_map_user_pages). */
    static long map(IoctlCall call) throws IommufdException {
        long flags = call.get("flags");
        if ((flags & ~MAP_FLAGS) != 0 || call.get("__reserved") != 0) {
            throw new IommufdException(Errno.EOPNOTSUPP);
        }
        IoasObject ioas = checkMapTarget(call, flags);
        long length = call.get("length");
        ProcessImpl caller = (ProcessImpl) call.caller();
        int prot = iommuProt(flags);
        long uptr = call.get("user_va");
        IoptPages pages = IoptPagesFactory.userPages(caller, call.context().accountMode(), uptr, length,
                (prot & IoptDomain.IOMMU_WRITE) != 0);
        return mapAndRespond(call, ioas, pages, Iova.pageOffset(uptr), flags, prot);
    }

    /** IOMMU_IOAS_MAP_FILE (ioas.c: iommufd_ioas_map_file → iopt_map_file_pages). */
    static long mapFile(IoctlCall call) throws IommufdException {
        long flags = call.get("flags");
        if ((flags & ~MAP_FLAGS) != 0) {
            throw new IommufdException(Errno.EOPNOTSUPP);
        }
        IoasObject ioas = checkMapTarget(call, flags);
        long length = call.get("length");
        long start = call.get("start");
        if (length == 0) {
            throw new IommufdException(Errno.EINVAL);
        }
        if (Iova.addOverflows(start, length - 1)) {
            throw new IommufdException(Errno.EOVERFLOW);
        }
        ProcessImpl caller = (ProcessImpl) call.caller();
        FileDescription file = caller.fds().get((int) call.get("fd"));
        int prot = iommuProt(flags);
        IoptPages pages = IoptPagesFactory.filePages(caller, call.context().accountMode(), file, start, length,
                (prot & IoptDomain.IOMMU_WRITE) != 0);
        return mapAndRespond(call, ioas, pages, Iova.pageOffset(start), flags, prot);
    }

    /**
     * The checks MAP and MAP_FILE share after their flag checks, in the kernel's order: iova or length
     * of ULONG_MAX (EOVERFLOW), neither R nor W (EINVAL), then the IOAS lookup (ENOENT).
     */
    private static IoasObject checkMapTarget(IoctlCall call, long flags) throws IommufdException {
        if (call.get("iova") == Iova.ULONG_MAX || call.get("length") == Iova.ULONG_MAX) {
            throw new IommufdException(Errno.EOVERFLOW);
        }
        checkNeedsAccess(flags);
        return ioas(call, "ioas_id");
    }

    /** iopt_map_pages of a new IoptPages as one area, then the write-back of the chosen IOVA. */
    private static long mapAndRespond(IoctlCall call, IoasObject ioas, IoptPages pages, long pageOffset, long flags,
            int prot) throws IommufdException {
        long length = call.get("length");
        long chosen = ioas.iopt().mapPages(List.of(new PagesSlice(pages, pageOffset, length)), length,
                call.get("iova"), prot, (flags & IOMMU_IOAS_MAP_FIXED_IOVA) == 0);
        call.set("iova", chosen);
        call.respond();
        return 0;
    }

    /** IOMMU_IOAS_COPY (ioas.c: iommufd_ioas_copy): new areas sharing the source's IoptPages. */
    static long copy(IoctlCall call) throws IommufdException {
        long flags = call.get("flags");
        if ((flags & ~MAP_FLAGS) != 0) {
            throw new IommufdException(Errno.EOPNOTSUPP);
        }
        long length = call.get("length");
        long srcIova = call.get("src_iova");
        long dstIova = call.get("dst_iova");
        if (length == Iova.ULONG_MAX || srcIova == Iova.ULONG_MAX || dstIova == Iova.ULONG_MAX) {
            throw new IommufdException(Errno.EOVERFLOW);
        }
        checkNeedsAccess(flags);
        IoasObject src = ioas(call, "src_ioas_id");
        List<PagesSlice> slices = src.iopt().getPages(srcIova, length);
        IoasObject dst = ioas(call, "dst_ioas_id");
        long chosen = dst.iopt().mapPages(slices, length, dstIova, iommuProt(flags),
                (flags & IOMMU_IOAS_MAP_FIXED_IOVA) == 0);
        call.set("dst_iova", chosen);
        call.respond();
        return 0;
    }

    /** IOMMU_IOAS_UNMAP (ioas.c: iommufd_ioas_unmap): the ioas first, then (0, U64_MAX) means all. */
    static long unmap(IoctlCall call) throws IommufdException {
        IoasObject ioas = ioas(call, "ioas_id");
        long iova = call.get("iova");
        long length = call.get("length");
        long unmapped;
        if (iova == 0 && length == Iova.ULONG_MAX) {
            unmapped = ioas.iopt().unmapAll();
        } else {
            if (iova == Iova.ULONG_MAX || length == Iova.ULONG_MAX) {
                throw new IommufdException(Errno.EOVERFLOW);
            }
            unmapped = ioas.iopt().unmapIova(iova, length);
            if (unmapped == 0) {
                throw new IommufdException(Errno.ENOENT);
            }
        }
        call.set("length", unmapped);
        call.respond();
        return 0;
    }

    /**
     * IOMMU_OPTION_HUGE_PAGES (ioas.c: iommufd_ioas_option): object_id must be an IOAS even for GET;
     * SET 0 disables (EINVAL with domains and areas, EADDRINUSE for misaligned areas), 1 enables.
     */
    static long hugePages(IoctlCall call) throws IommufdException {
        IoasObject ioas = ioas(call, "object_id");
        long op = call.get("op");
        if (op == IOMMU_OPTION_OP_GET) {
            call.set("val64", ioas.iopt().largePagesEnabled() ? 1 : 0);
            return 0;
        }
        if (op == IOMMU_OPTION_OP_SET) {
            long value = call.get("val64");
            if (value == 0) {
                ioas.iopt().disableLargePages();
                return 0;
            }
            if (value == 1) {
                ioas.iopt().enableLargePages();
                return 0;
            }
            throw new IommufdException(Errno.EINVAL);
        }
        throw new IommufdException(Errno.EOPNOTSUPP);
    }

    private static void putLong(byte[] b, int off, long v) {
        for (int i = 0; i < 8; i++) {
            b[off + i] = (byte) (v >>> (8 * i));
        }
    }

    private static long getLong(byte[] b, int off) {
        long v = 0;
        for (int i = 7; i >= 0; i--) {
            v = (v << 8) | (b[off + i] & 0xffL);
        }
        return v;
    }
}
