package io.iommufdsim.core.ioas;

import io.iommufdsim.api.Errno;
import io.iommufdsim.api.IommufdException;
import io.iommufdsim.core.iommufd.AccountMode;
import io.iommufdsim.core.mem.PageCounter;
import io.iommufdsim.core.mem.ProcessImpl;
import io.iommufdsim.core.mem.UserStruct;

/**
 * Who pays for the pages an {@link IoptPages} pins, and how (pages.c: iopt_pages_update_pinned,
 * incr_user_locked_vm, update_mm_locked_vm): the source process (mm and task, whose RLIMIT_MEMLOCK is
 * the limit), its user, and the accounting mode chosen when the pages were created.
 */
final class PinAccount {
    private final AccountMode mode;
    private final ProcessImpl process;
    private final UserStruct user;

    PinAccount(AccountMode mode, ProcessImpl process) {
        this.mode = mode;
        this.process = process;
        this.user = process.user();
    }

    AccountMode mode() {
        return mode;
    }

    ProcessImpl process() {
        return process;
    }

    UserStruct user() {
        return user;
    }

    /** The same payer with another mode (iopt_map_common upgrades USER to MM in an mm-mode context). */
    PinAccount withMode(AccountMode newMode) {
        return new PinAccount(newMode, process);
    }

    /** The same mode charged to another process (ioas.c: change_mm). */
    PinAccount movedTo(ProcessImpl newProcess) {
        return new PinAccount(mode, newProcess);
    }

    /**
     * Charges {@code npages} newly pinned pages: ENOMEM past RLIMIT_MEMLOCK in USER and MM mode (nothing
     * charged then); mm->pinned_vm grows in every mode.
     */
    void charge(long npages) throws IommufdException {
        if (npages == 0) {
            return;
        }
        long limitPages = process.rlimitMemlockPages();
        switch (mode) {
            case NONE:
                break;
            case USER:
                if (!user.lockedVm().tryAdd(npages, limitPages)) {
                    throw new IommufdException(Errno.ENOMEM);
                }
                break;
            case MM:
                if (!process.lockedVm().tryAdd(npages, limitPages)) {
                    throw new IommufdException(Errno.ENOMEM);
                }
                break;
            default:
                throw new IllegalStateException(mode.name());
        }
        process.pinnedVm().add(npages);
    }

    /** Returns the charge of {@code npages} unpinned pages. */
    void uncharge(long npages) {
        if (npages == 0) {
            return;
        }
        PageCounter locked = switch (mode) {
            case NONE -> null;
            case USER -> user.lockedVm();
            case MM -> process.lockedVm();
        };
        if (locked != null) {
            locked.sub(npages);
        }
        process.pinnedVm().sub(npages);
    }
}
