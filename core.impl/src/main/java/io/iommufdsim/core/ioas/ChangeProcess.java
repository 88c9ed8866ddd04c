package io.iommufdsim.core.ioas;

import io.iommufdsim.api.Errno;
import io.iommufdsim.api.IommufdException;
import io.iommufdsim.core.iommufd.AccountMode;
import io.iommufdsim.core.iommufd.IoctlCall;
import io.iommufdsim.core.iommufd.IommufdObject;
import io.iommufdsim.core.iommufd.ObjectType;
import io.iommufdsim.core.mem.ProcessImpl;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * IOMMU_IOAS_CHANGE_PROCESS (ioas.c: iommufd_ioas_change_process): moves the pinned-memory charge of
 * every area of every IOAS of the context to the calling process. All or nothing: any area that is not
 * a file mapping → EINVAL; the new process's RLIMIT_MEMLOCK refusing the charge → ENOMEM.
 *
 * <p>Like the kernel (iommufd_take_all_iova_rwsem) it holds every IOAS's lock, taken in id order, for
 * the whole operation.
 */
final class ChangeProcess {
    private static final AccountMode[] CHARGE_ORDER = {AccountMode.NONE, AccountMode.USER, AccountMode.MM};

    private ChangeProcess() {
    }

    static long handle(IoctlCall call) throws IommufdException {
        if (call.get("__reserved") != 0) {
            throw new IommufdException(Errno.EOPNOTSUPP);
        }
        List<IoPagetable> iopts = new ArrayList<>();
        for (IommufdObject object : call.objects().objects()) {
            if (object.type() == ObjectType.IOAS) {
                iopts.add(((IoasObject) object).iopt());
            }
        }
        ProcessImpl caller = (ProcessImpl) call.caller();
        lockAllAndRun(iopts, 0, () -> change(iopts, caller));
        return 0;
    }

    private interface Locked {
        void run() throws IommufdException;
    }

    private static void lockAllAndRun(List<IoPagetable> iopts, int i, Locked body) throws IommufdException {
        if (i == iopts.size()) {
            body.run();
            return;
        }
        synchronized (iopts.get(i)) {
            lockAllAndRun(iopts, i + 1, body);
        }
    }

    private static void change(List<IoPagetable> iopts, ProcessImpl caller) throws IommufdException {
        Map<IoptPages, Boolean> all = new IdentityHashMap<>();
        for (IoPagetable iopt : iopts) {
            for (Area area : iopt.areas()) {
                if (area.source().type() != IoptPages.Type.FILE) {
                    throw new IommufdException(Errno.EINVAL);
                }
                all.put(area.source(), Boolean.TRUE);
            }
        }
        // count each iopt_pages once, per mode
        long[] npinned = new long[CHARGE_ORDER.length];
        Set<IoptPages> moving = Collections.newSetFromMap(new IdentityHashMap<>());
        for (IoptPages pages : all.keySet()) {
            if (needChargeUpdate(pages.account(), caller)) {
                npinned[pages.account().mode().ordinal()] += pages.lastNpinned();
                moving.add(pages);
            }
        }
        chargeCaller(caller, npinned);
        for (IoptPages pages : all.keySet()) {
            PinAccount old = pages.account();
            if (moving.contains(pages)) {
                old.uncharge(pages.lastNpinned());
            } else if (old.mode() == AccountMode.NONE && old.process() != caller) {
                // change_mm moves a CAP_IPC_LOCK pages' source mm too; its mm->pinned_vm moves with it
                // so that the later unpin does not take pages off a counter that never had them.
                old.uncharge(pages.lastNpinned());
                old.movedTo(caller).charge(pages.lastNpinned());
            }
            pages.setAccount(old.movedTo(caller));
        }
    }

    /** need_charge_update: NONE never; MM when the mm differs; USER when the user or the mm differs. */
    private static boolean needChargeUpdate(PinAccount account, ProcessImpl caller) {
        switch (account.mode()) {
            case NONE:
                return false;
            case MM:
                return account.process() != caller;
            case USER:
                return account.user() != caller.user() || account.process() != caller;
            default:
                return true;
        }
    }

    /** charge_current: charges every mode in turn; a refusal undoes the modes already charged. */
    private static void chargeCaller(ProcessImpl caller, long[] npinned) throws IommufdException {
        int mode = 0;
        try {
            for (; mode < CHARGE_ORDER.length; mode++) {
                if (npinned[mode] != 0) {
                    new PinAccount(CHARGE_ORDER[mode], caller).charge(npinned[mode]);
                }
            }
        } catch (IommufdException e) {
            while (mode-- > 0) {
                if (npinned[mode] != 0) {
                    new PinAccount(CHARGE_ORDER[mode], caller).uncharge(npinned[mode]);
                }
            }
            throw e;
        }
    }
}
