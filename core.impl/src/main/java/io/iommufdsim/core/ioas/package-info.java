/**
 * The IOAS of iommufd (drivers/iommu/iommufd/ioas.c, io_pagetable.c, pages.c and the access half of
 * device.c): IOVA areas, reserved and allowed ranges, automatic IOVA placement, on-demand counted
 * pinning with RLIMIT_MEMLOCK accounting, domains kept identical to the areas, the IOAS ioctls and the
 * emulated-device accesses.
 *
 * <h2>Lock order</h2>
 * Outermost first, continuing CORE-DESIGN.md's order:
 * <ol>
 *   <li>the context's object table (lookups only; never held while calling in here);</li>
 *   <li>{@link io.iommufdsim.core.ioas.AccessObject} (access->ioas_lock and the selftest driver's lock);</li>
 *   <li>{@link io.iommufdsim.core.ioas.IoPagetable} (domains_rwsem + iova_rwsem); IOMMU_IOAS_CHANGE_PROCESS
 *       takes every IOAS of a context in id order. Access unmap callbacks run with no io_pagetable
 *       lock held;</li>
 *   <li>{@link io.iommufdsim.core.ioas.IoptPages} (pages->mutex), then the domains' map/unmap;</li>
 *   <li>core.mem: the pin source (mmap_lock / memfd), FramePins, the accounting counters.</li>
 * </ol>
 */
package io.iommufdsim.core.ioas;
