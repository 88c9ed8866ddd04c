package io.iommufdsim.core.iommufd;

import io.iommufdsim.api.IommufdException;
import io.iommufdsim.api.SimProcess;
import io.iommufdsim.api.UserMemory;

/**
 * A legacy VFIO container ioctl served on an iommufd file (vfio_compat.c: iommufd_vfio_ioctl). These
 * ioctls have their own argsz conventions, so the handler gets the raw user pointer.
 */
@FunctionalInterface
public interface CompatIoctlHandler {
    long handle(IommufdContext context, SimProcess caller, long arg, UserMemory memory) throws IommufdException;
}
