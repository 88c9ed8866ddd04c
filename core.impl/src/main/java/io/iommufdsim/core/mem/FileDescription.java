package io.iommufdsim.core.mem;

/**
 * An open file description (the kernel's struct file) that a process's {@link FdTable} can hold:
 * a {@link Memfd}, and later an iommufd, a fault queue or a vEVENTQ.
 */
public interface FileDescription {
    /**
     * Called when a descriptor referring to this file is closed (close(2), or the process exiting).
     * A description installed once is released once; owners that share it count references themselves.
     */
    default void release() {
    }
}
