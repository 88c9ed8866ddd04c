package io.iommufdsim.api;

import org.osgi.annotation.versioning.ConsumerType;

/**
 * A user address space as the kernel's copy_from_user/copy_to_user see it. Both methods fail with
 * {@link Errno#EFAULT} when any byte of the range is not accessible; a failed copy may have copied a
 * prefix, as in Linux.
 */
@ConsumerType
public interface UserMemory {
    void copyFromUser(long userAddress, byte[] destination, int offset, int length) throws IommufdException;

    void copyToUser(long userAddress, byte[] source, int offset, int length) throws IommufdException;
}
