package io.iommufdsim.core.device;

import io.iommufdsim.api.IommufdException;
import io.iommufdsim.api.UserMemory;

/**
 * A process's memory with a hook that runs once, before the n-th copy in one direction: what another
 * thread could do while an ioctl is between two of its user copies.
 */
final class HookedUserMemory implements UserMemory {
    interface Hook {
        void run() throws Exception;
    }

    private final UserMemory memory;
    private int copiesFromUserLeft;
    private int copiesToUserLeft;
    private Hook hook;

    private HookedUserMemory(UserMemory memory, int fromUser, int toUser, Hook hook) {
        this.memory = memory;
        this.copiesFromUserLeft = fromUser;
        this.copiesToUserLeft = toUser;
        this.hook = hook;
    }

    /** Runs {@code hook} before the {@code n}-th copy_from_user (1 = the first). */
    static HookedUserMemory beforeCopyFromUser(UserMemory memory, int n, Hook hook) {
        return new HookedUserMemory(memory, n, Integer.MAX_VALUE, hook);
    }

    /** Runs {@code hook} before the {@code n}-th copy_to_user. */
    static HookedUserMemory beforeCopyToUser(UserMemory memory, int n, Hook hook) {
        return new HookedUserMemory(memory, Integer.MAX_VALUE, n, hook);
    }

    @Override
    public void copyFromUser(long userAddress, byte[] destination, int offset, int length) throws IommufdException {
        if (--copiesFromUserLeft == 0) {
            fire();
        }
        memory.copyFromUser(userAddress, destination, offset, length);
    }

    @Override
    public void copyToUser(long userAddress, byte[] source, int offset, int length) throws IommufdException {
        if (--copiesToUserLeft == 0) {
            fire();
        }
        memory.copyToUser(userAddress, source, offset, length);
    }

    private void fire() {
        Hook h = hook;
        hook = null;
        if (h != null) {
            try {
                h.run();
            } catch (Exception e) {
                throw new AssertionError("hook failed", e);
            }
        }
    }
}
