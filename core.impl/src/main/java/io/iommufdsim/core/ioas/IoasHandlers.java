package io.iommufdsim.core.ioas;

import static io.iommufdsim.api.uapi.UapiConstants.IOMMU_OPTION_HUGE_PAGES;

import io.iommufdsim.api.uapi.IoctlCommand;
import io.iommufdsim.core.iommufd.HandlerTable;

/** Registers the IOAS package's ioctls, its IOMMU_OPTION and its emulated accesses into a machine's table. */
public final class IoasHandlers {
    private IoasHandlers() {
    }

    public static void registerInto(HandlerTable table) {
        table.register(IoctlCommand.IOMMU_IOAS_ALLOC, IoasIoctls::alloc)
                .register(IoctlCommand.IOMMU_IOAS_ALLOW_IOVAS, IoasIoctls::allowIovas)
                .register(IoctlCommand.IOMMU_IOAS_COPY, IoasIoctls::copy)
                .register(IoctlCommand.IOMMU_IOAS_IOVA_RANGES, IoasIoctls::iovaRanges)
                .register(IoctlCommand.IOMMU_IOAS_MAP, IoasIoctls::map)
                .register(IoctlCommand.IOMMU_IOAS_UNMAP, IoasIoctls::unmap)
                .register(IoctlCommand.IOMMU_IOAS_MAP_FILE, IoasIoctls::mapFile)
                .register(IoctlCommand.IOMMU_IOAS_CHANGE_PROCESS, ChangeProcess::handle)
                .registerOption(IOMMU_OPTION_HUGE_PAGES, IoasIoctls::hugePages)
                .registerAccesses(EmulatedAccessesImpl::new);
    }
}
