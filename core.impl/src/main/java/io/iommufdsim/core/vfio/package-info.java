/**
 * The VFIO type1 container uAPI served on an iommufd file (drivers/iommu/iommufd/vfio_compat.c): the
 * legacy container ioctls that main.c hands over when the ioctl number is outside the iommufd range,
 * acting on the context's compat IOAS.
 *
 * <h2>Lock order</h2>
 * The handlers look the compat IOAS up under the context's object table lock, drop it, and then call
 * into the {@link io.iommufdsim.core.ioas.IoPagetable} (io_pagetable lock, then iopt_pages, then
 * core.mem), as the IOAS ioctls do. Nothing here holds a lock while touching user memory.
 */
package io.iommufdsim.core.vfio;
