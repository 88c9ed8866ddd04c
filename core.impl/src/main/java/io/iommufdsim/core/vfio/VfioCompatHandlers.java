package io.iommufdsim.core.vfio;

import io.iommufdsim.api.uapi.IoctlCommand;
import io.iommufdsim.core.iommufd.HandlerTable;

/**
 * Registers the VFIO type1 container ioctls iommufd serves (vfio_compat.c: iommufd_vfio_ioctl's switch).
 * VFIO_IOMMU_DIRTY_PAGES and every other number are left out on purpose: the context answers them
 * ENOTTY (-ENOIOCTLCMD).
 */
public final class VfioCompatHandlers {
    private VfioCompatHandlers() {
    }

    public static void registerInto(HandlerTable table) {
        table.registerCompat(IoctlCommand.VFIO_GET_API_VERSION.number(), VfioContainerIoctls::getApiVersion)
                .registerCompat(IoctlCommand.VFIO_SET_IOMMU.number(), VfioContainerIoctls::setIommu)
                .registerCompat(IoctlCommand.VFIO_CHECK_EXTENSION.number(), VfioContainerIoctls::checkExtension)
                .registerCompat(IoctlCommand.VFIO_IOMMU_GET_INFO.number(), IommuGetInfo::getInfo)
                .registerCompat(IoctlCommand.VFIO_IOMMU_MAP_DMA.number(), VfioContainerIoctls::mapDma)
                .registerCompat(IoctlCommand.VFIO_IOMMU_UNMAP_DMA.number(), VfioContainerIoctls::unmapDma);
    }
}
