package io.iommufdsim.core.mem;

import io.iommufdsim.api.Errno;
import io.iommufdsim.api.IommufdException;
import io.iommufdsim.api.UserMemory;

/**
 * copy_from_user/copy_to_user on a process's address space: EFAULT when any byte is unmapped, not
 * accessible (PROT_NONE), or, for copy_to_user, not writable. Nothing is copied on failure. After the
 * process exits everything is unmapped, so every copy faults.
 */
final class ProcessUserMemory implements UserMemory {
    private final ProcessImpl process;

    ProcessUserMemory(ProcessImpl process) {
        this.process = process;
    }

    @Override
    public void copyFromUser(long userAddress, byte[] destination, int offset, int length) throws IommufdException {
        checkBuffer(destination.length, offset, length);
        process.addressSpace().copyIn(userAddress, destination, offset, length);
    }

    @Override
    public void copyToUser(long userAddress, byte[] source, int offset, int length) throws IommufdException {
        checkBuffer(source.length, offset, length);
        process.addressSpace().copyOut(userAddress, source, offset, length);
    }

    private static void checkBuffer(int arrayLength, int offset, int length) throws IommufdException {
        if (offset < 0 || length < 0 || offset > arrayLength - length) {
            throw new IommufdException(Errno.EFAULT);
        }
    }
}
