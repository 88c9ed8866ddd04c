package io.iommufdsim.core.iommufd;

import io.iommufdsim.api.IommufdException;

/**
 * One entry of main.c's iommufd_ioctl_ops: runs an ioctl whose struct the dispatcher has already
 * validated and copied in. The handler writes results back itself ({@link IoctlCall#respond()}),
 * as the kernel's handlers call iommufd_ucmd_respond.
 */
@FunctionalInterface
public interface IoctlHandler {
    long handle(IoctlCall call) throws IommufdException;
}
