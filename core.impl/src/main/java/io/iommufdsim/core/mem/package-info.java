/**
 * The simulated mm of Linux: sparse physical memory, frame allocation, frame pin counts, processes
 * with VMAs, memfds, descriptor tables, the GUP rules iommufd pins under, and the RLIMIT_MEMLOCK
 * counters.
 *
 * <h2>Lock order</h2>
 * Continuing CORE-DESIGN.md's order (context object table → IOAS → iopt_pages → FramePins /
 * accounting), the locks of this package, outermost first:
 * <ol>
 *   <li>{@link io.iommufdsim.core.mem.AddressSpace} lock (mmap_lock analogue; read for GUP, CPU
 *       access and queries, write for mmap/munmap/exit). A {@link io.iommufdsim.core.mem.FrameRunSink}
 *       is called with it held for reading: it may pin ({@link io.iommufdsim.core.mem.FramePins})
 *       but must not mmap/munmap in the same process.</li>
 *   <li>{@link io.iommufdsim.core.mem.Memfd} (inode: size); a memfd's PinSource calls its sink with it held.</li>
 *   <li>{@link io.iommufdsim.core.mem.PageStore} (page cache / anonymous pages).</li>
 *   <li>{@link io.iommufdsim.core.mem.FrameAllocator}.</li>
 *   <li>Leaves, which call nothing else while locked: {@link io.iommufdsim.core.mem.FramePins},
 *       {@link io.iommufdsim.core.mem.SparsePhysicalMemory} (only frame creation locks; reads never),
 *       {@link io.iommufdsim.core.mem.FaultInjection}, {@link io.iommufdsim.core.mem.PageCounter}
 *       (lock free), {@link io.iommufdsim.core.mem.FdTable} (releases files after unlocking),
 *       {@link io.iommufdsim.core.mem.MachineMemory}'s process table.</li>
 * </ol>
 * The iopt_pages lock is taken before the mmap lock (as pages.c holds pages->mutex across
 * pin_user_pages_remote); nothing here calls up into core.ioas or core.iommufd.
 */
package io.iommufdsim.core.mem;
