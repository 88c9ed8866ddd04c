package io.iommufdsim.core.vfio;

import static io.iommufdsim.api.uapi.UapiConstants.VFIO_API_VERSION;
import static io.iommufdsim.api.uapi.UapiConstants.VFIO_DMA_CC_IOMMU;
import static io.iommufdsim.api.uapi.UapiConstants.VFIO_DMA_MAP_FLAG_READ;
import static io.iommufdsim.api.uapi.UapiConstants.VFIO_DMA_MAP_FLAG_WRITE;
import static io.iommufdsim.api.uapi.UapiConstants.VFIO_DMA_UNMAP_FLAG_ALL;
import static io.iommufdsim.api.uapi.UapiConstants.VFIO_NOIOMMU_IOMMU;
import static io.iommufdsim.api.uapi.UapiConstants.VFIO_TYPE1_IOMMU;
import static io.iommufdsim.api.uapi.UapiConstants.VFIO_TYPE1v2_IOMMU;
import static io.iommufdsim.api.uapi.UapiConstants.VFIO_UNMAP_ALL;

import io.iommufdsim.api.Errno;
import io.iommufdsim.api.IommufdException;
import io.iommufdsim.api.SimProcess;
import io.iommufdsim.api.UserMemory;
import io.iommufdsim.api.uapi.IoctlCommand;
import io.iommufdsim.core.ioas.IoPagetable;
import io.iommufdsim.core.ioas.IoasObject;
import io.iommufdsim.core.ioas.IoptDomain;
import io.iommufdsim.core.iommufd.IommufdContext;
import io.iommufdsim.core.mem.ProcessImpl;

/**
 * The VFIO type1 container ioctls other than GET_INFO (vfio_compat.c: iommufd_vfio_ioctl,
 * iommufd_vfio_check_extension, iommufd_vfio_set_iommu, iommufd_vfio_map_dma, iommufd_vfio_unmap_dma).
 * VFIO_GET_API_VERSION, VFIO_CHECK_EXTENSION and VFIO_SET_IOMMU take their argument as a value; the
 * others read an argsz-led struct and check it before they look for the compat IOAS (ENODEV).
 *
 * <p>The context's no_iommu_mode is never set in the simulation: only VFIO_GROUP_SET_CONTAINER of a
 * no-IOMMU group sets it (drivers/vfio/group.c), and the simulation has VFIO cdevs, not groups. So the
 * type1 extensions always answer 1 and VFIO_SET_IOMMU(VFIO_NOIOMMU_IOMMU) is EINVAL, as in Linux for a
 * context without a no-IOMMU group.
 */
final class VfioContainerIoctls {
    /**
     * CONFIG_VFIO_NOIOMMU, which VFIO_CHECK_EXTENSION(VFIO_NOIOMMU_IOMMU) reports: enabled, as in the
     * distribution kernels of current servers (Fedora, Debian, Ubuntu build it in).
     */
    static final boolean CONFIG_VFIO_NOIOMMU = true;

    private static final long MAP_FLAGS = VFIO_DMA_MAP_FLAG_READ | VFIO_DMA_MAP_FLAG_WRITE;
    /** VFIO_DMA_UNMAP_FLAG_GET_DIRTY_BITMAP is obsolete and VFIO_DMA_UNMAP_FLAG_VADDR unsupported. */
    private static final long UNMAP_FLAGS = VFIO_DMA_UNMAP_FLAG_ALL;

    private VfioContainerIoctls() {
    }

    /** VFIO_GET_API_VERSION: VFIO_API_VERSION, whatever the argument. */
    static long getApiVersion(IommufdContext context, SimProcess caller, long arg, UserMemory memory) {
        return VFIO_API_VERSION;
    }

    /** iommufd_vfio_check_extension: 1 for what iommufd emulates, 0 for anything else. */
    static long checkExtension(IommufdContext context, SimProcess caller, long arg, UserMemory memory)
            throws IommufdException {
        if (arg == VFIO_TYPE1_IOMMU || arg == VFIO_TYPE1v2_IOMMU || arg == VFIO_UNMAP_ALL) {
            return 1; // !ictx->no_iommu_mode
        }
        if (arg == VFIO_NOIOMMU_IOMMU) {
            return CONFIG_VFIO_NOIOMMU ? 1 : 0;
        }
        if (arg == VFIO_DMA_CC_IOMMU) {
            return ccIommu(context);
        }
        // __VFIO_RESERVED_TYPE1_NESTING_IOMMU, VFIO_UPDATE_VADDR ("hard to see how this could be
        // implemented safely"), the SPAPR and EEH ids, and unknown ids
        return 0;
    }

    /**
     * iommufd_vfio_cc_iommu: 1 if every paging domain of the compat IOAS enforces cache coherency (also
     * when it has none), else 0; ENODEV without a compat IOAS.
     */
    private static long ccIommu(IommufdContext context) throws IommufdException {
        IoasObject ioas = CompatIoas.get(context);
        for (IoptDomain domain : ioas.iopt().domains()) {
            if (!domain.enforceCacheCoherency()) {
                return 0;
            }
        }
        return 1;
    }

    /**
     * iommufd_vfio_set_iommu: EINVAL for anything but TYPE1 and TYPE1v2, ENODEV without a compat IOAS
     * (VFIO fails SET_IOMMU on a container with no group). TYPE1 disables huge pages on the compat IOAS
     * so that any range can be unmapped later (its errors pass through); TYPE1v2 changes nothing, and
     * in particular does not enable huge pages again.
     */
    static long setIommu(IommufdContext context, SimProcess caller, long arg, UserMemory memory)
            throws IommufdException {
        if (arg != VFIO_TYPE1_IOMMU && arg != VFIO_TYPE1v2_IOMMU) {
            throw new IommufdException(Errno.EINVAL);
        }
        IoasObject ioas = CompatIoas.get(context);
        if (arg == VFIO_TYPE1_IOMMU) {
            ioas.iopt().disableLargePages();
        }
        return 0;
    }

    /**
     * iommufd_vfio_map_dma: EFAULT if the struct cannot be read; EINVAL for an argsz below the struct or
     * unknown flags (VFIO_DMA_MAP_FLAG_VADDR included); ENODEV without a compat IOAS; then always a
     * fixed map of the caller's memory (iopt_map_user_pages, no IOVA allocation), charged in the
     * context's accounting mode, with the errors of IOMMU_IOAS_MAP's mapping step. Flags without READ
     * or WRITE are accepted and map with neither permission. Nothing is written back.
     */
    static long mapDma(IommufdContext context, SimProcess caller, long arg, UserMemory memory)
            throws IommufdException {
        ArgszStruct map = ArgszStruct.copyIn(IoctlCommand.VFIO_IOMMU_MAP_DMA, memory, arg);
        long flags = map.get("flags");
        if (map.argszTooSmall() || (flags & ~MAP_FLAGS) != 0) {
            throw new IommufdException(Errno.EINVAL);
        }
        int prot = IoptDomain.IOMMU_CACHE;
        if ((flags & VFIO_DMA_MAP_FLAG_READ) != 0) {
            prot |= IoptDomain.IOMMU_READ;
        }
        if ((flags & VFIO_DMA_MAP_FLAG_WRITE) != 0) {
            prot |= IoptDomain.IOMMU_WRITE;
        }
        IoasObject ioas = CompatIoas.get(context);
        ioas.iopt().mapUserPages((ProcessImpl) caller, context.accountMode(), map.get("vaddr"), map.get("size"),
                map.get("iova"), prot, false);
        return 0;
    }

    /**
     * iommufd_vfio_unmap_dma: EFAULT if the struct cannot be read; EINVAL for an argsz below the struct
     * or any flag but UNMAP_ALL (the dirty-bitmap and VADDR flags are refused); ENODEV without a compat
     * IOAS; UNMAP_ALL with a nonzero iova or size is EINVAL. Otherwise the whole areas inside the range
     * go (iopt_unmap_iova, or iopt_unmap_all); when huge pages are off (TYPE1) the areas at both ends
     * are first cut at the range's edges (iopt_cut_iova; a failed cut returns its error and writes
     * nothing back). Unmapping nothing is success. The struct is written back with {@code size} = bytes
     * unmapped — also when the unmap failed part way — and a failed write-back is EFAULT.
     */
    static long unmapDma(IommufdContext context, SimProcess caller, long arg, UserMemory memory)
            throws IommufdException {
        ArgszStruct unmap = ArgszStruct.copyIn(IoctlCommand.VFIO_IOMMU_UNMAP_DMA, memory, arg);
        long flags = unmap.get("flags");
        if (unmap.argszTooSmall() || (flags & ~UNMAP_FLAGS) != 0) {
            throw new IommufdException(Errno.EINVAL);
        }
        IoPagetable iopt = CompatIoas.get(context).iopt();
        long iova = unmap.get("iova");
        long size = unmap.get("size");
        long[] unmapped = new long[1];
        IommufdException failure = null;
        if ((flags & VFIO_DMA_UNMAP_FLAG_ALL) != 0) {
            if (iova != 0 || size != 0) {
                throw new IommufdException(Errno.EINVAL);
            }
            try {
                iopt.unmapAll(unmapped);
            } catch (IommufdException e) {
                failure = e;
            }
        } else {
            if (!iopt.largePagesEnabled()) {
                // cut at the last IOVA of the range (wrapping as unsigned long does), then before its start
                long last = iova + size - 1;
                if (iova != 0) {
                    iopt.cutIova(last, iova - 1);
                } else {
                    iopt.cutIova(last);
                }
            }
            try {
                iopt.unmapIova(iova, size, unmapped);
            } catch (IommufdException e) {
                failure = e;
            }
        }
        unmap.set("size", unmapped[0]);
        unmap.copyOut(memory, arg, unmap.minsz());
        if (failure != null) {
            throw failure;
        }
        return 0;
    }
}
