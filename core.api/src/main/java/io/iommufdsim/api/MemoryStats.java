package io.iommufdsim.api;

/**
 * The pinned-memory accounting Linux keeps, in 4 KiB pages: the process's mm->locked_vm (VmLck) and
 * mm->pinned_vm (VmPin), and the locked_vm of the process's user_struct (shared by every process of
 * that uid).
 */
public record MemoryStats(long lockedVm, long pinnedVm, long userLockedVm) {
}
