package io.iommufdsim.core.vfio;

import static io.iommufdsim.api.uapi.UapiConstants.VFIO_IOMMU_INFO_CAPS;
import static io.iommufdsim.api.uapi.UapiConstants.VFIO_IOMMU_INFO_PGSIZES;

import io.iommufdsim.api.Errno;
import io.iommufdsim.api.IommufdException;
import io.iommufdsim.api.IovaRange;
import io.iommufdsim.api.SimProcess;
import io.iommufdsim.api.UserMemory;
import io.iommufdsim.api.uapi.IoctlCommand;
import io.iommufdsim.api.uapi.UapiStruct;
import io.iommufdsim.api.uapi.VfioInfoCap;
import io.iommufdsim.core.ioas.IoPagetable;
import io.iommufdsim.core.ioas.IoptDomain;
import io.iommufdsim.core.iommufd.IommufdContext;
import java.util.List;

/**
 * VFIO_IOMMU_GET_INFO (vfio_compat.c: iommufd_vfio_iommu_get_info, iommufd_get_pagesizes,
 * iommufd_fill_cap_dma_avail, iommufd_fill_cap_iova): the page sizes of the compat IOAS and a
 * capability chain after the 24-byte struct — DMA_AVAIL, then IOVA_RANGE — each capability padded to
 * 8 bytes.
 *
 * <p>argsz rules: below 16 (offsetofend of iova_pgsizes) is EINVAL; the first min(argsz, 24) bytes are
 * written back; each capability is written only where the buffer holds it (IOVA_RANGE writes the ranges
 * that fit and its header only if the whole capability fits), a header's {@code next} is written once
 * the next capability's offset is within argsz, {@code cap_offset} is 24 only when the whole chain fits
 * (else 0), and argsz comes back as the size the whole chain needs. flags is always PGSIZES | CAPS.
 */
final class IommuGetInfo {
    private static final UapiStruct INFO = IoctlCommand.VFIO_IOMMU_GET_INFO.struct();
    /** iommufd's limit comes from the cgroup's memory limit; S390 QEMU needs more than U16_MAX. */
    private static final long DMA_AVAIL = 0xffff_ffffL;
    private static final long PAGE_SIZE = 4096;
    private static final int CAP_VERSION = 1;
    private static final long NEXT_OFFSET = VfioInfoCap.HEADER.require("next").offset();

    /** One capability filler: writes what fits in {@code avail} bytes at {@code at}; returns its full size. */
    @FunctionalInterface
    private interface CapFill {
        long fill(IoPagetable iopt, UserMemory memory, long at, long avail) throws IommufdException;
    }

    /** The chain's order (fill_fns[]). */
    private static final List<CapFill> FILL_FNS = List.of(IommuGetInfo::fillCapDmaAvail, IommuGetInfo::fillCapIova);

    private IommuGetInfo() {
    }

    static long getInfo(IommufdContext context, SimProcess caller, long arg, UserMemory memory)
            throws IommufdException {
        ArgszStruct info = ArgszStruct.copyIn(IoctlCommand.VFIO_IOMMU_GET_INFO, memory, arg);
        if (info.argszTooSmall()) {
            throw new IommufdException(Errno.EINVAL);
        }
        long argsz = info.get("argsz");
        int writeBack = (int) Math.min(argsz, INFO.size());
        IoPagetable iopt = CompatIoas.get(context).iopt();

        info.set("flags", VFIO_IOMMU_INFO_PGSIZES);
        info.set("iova_pgsizes", pagesizes(iopt));
        info.set("cap_offset", 0);
        long total = INFO.size();
        long lastCap = -1;
        for (CapFill fn : FILL_FNS) {
            long capSize = fn.fill(iopt, memory, arg + total, argsz > total ? argsz - total : 0);
            capSize = (capSize + 7) & ~7L; // ALIGN(cap_size, sizeof(u64))
            if (lastCap >= 0 && argsz >= total) {
                putU32(memory, lastCap + NEXT_OFFSET, total); // put_user(total_cap_size, &last_cap->next)
            }
            lastCap = arg + total;
            total += capSize;
        }
        if (argsz >= total) {
            info.set("cap_offset", INFO.size());
        }
        info.set("argsz", total);
        info.set("flags", VFIO_IOMMU_INFO_PGSIZES | VFIO_IOMMU_INFO_CAPS);
        info.copyOut(memory, arg, writeBack);
        return 0;
    }

    /**
     * iommufd_get_pagesizes: the page sizes every domain of the IOAS supports (all with no domain); sizes
     * below PAGE_SIZE become PAGE_SIZE (vfio_update_pgsize_bitmap), and the result is at least
     * iova_alignment (unsigned max).
     */
    static long pagesizes(IoPagetable iopt) {
        long bitmap = -1L;
        for (IoptDomain domain : iopt.domains()) {
            bitmap &= domain.pgsizeBitmap();
        }
        if ((bitmap & (PAGE_SIZE - 1)) != 0) {
            bitmap &= ~(PAGE_SIZE - 1);
            bitmap |= PAGE_SIZE;
        }
        long alignment = iopt.iovaAlignment();
        return Long.compareUnsigned(bitmap, alignment) >= 0 ? bitmap : alignment;
    }

    /** iommufd_fill_cap_dma_avail: {id 3, version 1, avail U32_MAX}, written only if it fits whole. */
    private static long fillCapDmaAvail(IoPagetable iopt, UserMemory memory, long at, long avail)
            throws IommufdException {
        VfioInfoCap cap = VfioInfoCap.TYPE1_DMA_AVAIL;
        UapiStruct layout = cap.fixed();
        if (avail >= layout.size()) {
            byte[] bytes = header(cap);
            layout.require("avail").set(bytes, DMA_AVAIL);
            memory.copyToUser(at, bytes, 0, bytes.length);
        }
        return layout.size();
    }

    /**
     * iommufd_fill_cap_iova: the holes of the reserved ranges over [0, ULONG_MAX]. Each range is written
     * if the capability up to it fits; the header, with nr_iovas counting every range, is written last
     * and only if the whole capability fits.
     */
    private static long fillCapIova(IoPagetable iopt, UserMemory memory, long at, long avail)
            throws IommufdException {
        VfioInfoCap cap = VfioInfoCap.TYPE1_IOVA_RANGE;
        UapiStruct element = cap.arrayElement();
        List<IovaRange> ranges = iopt.iovaRanges();
        byte[] one = new byte[element.size()];
        long n = 0;
        for (IovaRange r : ranges) {
            if (avail >= cap.size(n + 1)) {
                element.require("start").set(one, r.start());
                element.require("end").set(one, r.last());
                memory.copyToUser(at + cap.size(n), one, 0, one.length);
            }
            n++;
        }
        if (avail >= cap.size(n)) {
            byte[] bytes = header(cap);
            cap.fixed().require(cap.countField()).set(bytes, n);
            memory.copyToUser(at, bytes, 0, bytes.length);
        }
        return cap.size(n);
    }

    /** The capability's fixed part with its id and version 1 ({@code next} 0, filled in later). */
    private static byte[] header(VfioInfoCap cap) {
        UapiStruct layout = cap.fixed();
        byte[] bytes = new byte[layout.size()];
        layout.require("id").set(bytes, cap.id());
        layout.require("version").set(bytes, CAP_VERSION);
        return bytes;
    }

    private static void putU32(UserMemory memory, long at, long value) throws IommufdException {
        byte[] b = {(byte) value, (byte) (value >>> 8), (byte) (value >>> 16), (byte) (value >>> 24)};
        memory.copyToUser(at, b, 0, 4);
    }
}
