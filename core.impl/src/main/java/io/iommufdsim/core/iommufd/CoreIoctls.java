package io.iommufdsim.core.iommufd;

import static io.iommufdsim.api.uapi.UapiConstants.IOMMU_OPTION_OP_GET;
import static io.iommufdsim.api.uapi.UapiConstants.IOMMU_OPTION_OP_SET;
import static io.iommufdsim.api.uapi.UapiConstants.IOMMU_OPTION_RLIMIT_MODE;
import static io.iommufdsim.api.uapi.UapiConstants.IOMMU_VFIO_IOAS_CLEAR;
import static io.iommufdsim.api.uapi.UapiConstants.IOMMU_VFIO_IOAS_GET;
import static io.iommufdsim.api.uapi.UapiConstants.IOMMU_VFIO_IOAS_SET;

import io.iommufdsim.api.Capability;
import io.iommufdsim.api.Errno;
import io.iommufdsim.api.IommufdException;
import io.iommufdsim.api.uapi.IoctlCommand;
import io.iommufdsim.core.mem.FdTable;
import io.iommufdsim.core.mem.RecordFile;

/**
 * The ioctls main.c serves itself: IOMMU_DESTROY, IOMMU_OPTION (with option RLIMIT_MODE; other options
 * are registered by their owners, HUGE_PAGES by the IOAS package), IOMMU_VFIO_IOAS from vfio_compat.c
 * and IOMMU_FAULT_QUEUE_ALLOC from eventq.c (it needs no device).
 */
public final class CoreIoctls {
    private CoreIoctls() {
    }

    public static void registerInto(HandlerTable table) {
        table.register(IoctlCommand.IOMMU_DESTROY, CoreIoctls::destroy)
                .register(IoctlCommand.IOMMU_OPTION, CoreIoctls::option)
                .registerOption(IOMMU_OPTION_RLIMIT_MODE, CoreIoctls::rlimitMode)
                .register(IoctlCommand.IOMMU_VFIO_IOAS, CoreIoctls::vfioIoas)
                .register(IoctlCommand.IOMMU_FAULT_QUEUE_ALLOC, CoreIoctls::faultQueueAlloc);
    }

    /**
     * eventq.c: iommufd_fault_alloc. flags ≠ 0 → EOPNOTSUPP; the FAULT object and its file, a
     * descriptor in the caller's table (EMFILE), the ids written back (EFAULT: the descriptor is
     * closed again). Any failure aborts the object, which releases the file and frees the id.
     */
    static long faultQueueAlloc(IoctlCall call) throws IommufdException {
        if (call.get("flags") != 0) {
            throw new IommufdException(Errno.EOPNOTSUPP);
        }
        FaultObject fault = call.allocObject(new FaultObject(call.context()));
        RecordFile file = fault.openFile();
        FdTable fds = call.process().fds();
        int fd = fds.install(file);
        call.set("out_fault_id", fault.id());
        call.set("out_fault_fd", fd);
        try {
            call.respond();
        } catch (IommufdException e) {
            fds.close(fd); // put_unused_fd: the process never saw the descriptor
            throw e;
        }
        return 0;
    }

    /** main.c: iommufd_destroy → iommufd_object_remove(ictx, NULL, id, 0). */
    static long destroy(IoctlCall call) throws IommufdException {
        call.objects().remove(call.id("id"));
        return 0;
    }

    /**
     * main.c: iommufd_option. {@code __reserved} and the option id are checked here; the option's own
     * handler does the rest; on success only {@code val64} is copied back.
     */
    static long option(IoctlCall call) throws IommufdException {
        if (call.get("__reserved") != 0) {
            throw new IommufdException(Errno.EOPNOTSUPP);
        }
        IoctlHandler handler = call.context().handlers().option((int) call.get("option_id"));
        if (handler == null) {
            throw new IommufdException(Errno.EOPNOTSUPP);
        }
        handler.handle(call);
        call.respondField("val64");
        return 0;
    }

    /**
     * ioas.c: iommufd_option_rlimit_mode. object_id must be 0; GET reports 1 in MM mode; SET needs
     * CAP_SYS_RESOURCE, then an empty object table (any id taken, tombstones included, → EBUSY) and
     * only then looks at the value (0 USER, 1 MM, else EINVAL).
     */
    static long rlimitMode(IoctlCall call) throws IommufdException {
        if (call.get("object_id") != 0) {
            throw new IommufdException(Errno.EOPNOTSUPP);
        }
        long op = call.get("op");
        IommufdContext context = call.context();
        if (op == IOMMU_OPTION_OP_GET) {
            call.set("val64", context.accountMode() == AccountMode.MM ? 1 : 0);
            return 0;
        }
        if (op != IOMMU_OPTION_OP_SET) {
            throw new IommufdException(Errno.EOPNOTSUPP);
        }
        if (!call.caller().hasCapability(Capability.CAP_SYS_RESOURCE)) {
            throw new IommufdException(Errno.EPERM);
        }
        ObjectTable objects = call.objects();
        synchronized (objects) { // xa_lock: no object may appear between the check and the switch
            if (!objects.isEmpty()) {
                throw new IommufdException(Errno.EBUSY);
            }
            long value = call.get("val64");
            if (value == 0) {
                context.setAccountMode(AccountMode.USER);
            } else if (value == 1) {
                context.setAccountMode(AccountMode.MM);
            } else {
                throw new IommufdException(Errno.EINVAL);
            }
        }
        return 0;
    }

    /**
     * vfio_compat.c: iommufd_vfio_ioas. GET without a compat IOAS → ENODEV; SET looks the id up as an
     * IOAS (ENOENT) and takes no reference; CLEAR only forgets it. Only GET writes the struct back.
     */
    static long vfioIoas(IoctlCall call) throws IommufdException {
        if (call.get("__reserved") != 0) {
            throw new IommufdException(Errno.EOPNOTSUPP);
        }
        IommufdContext context = call.context();
        long op = call.get("op");
        if (op == IOMMU_VFIO_IOAS_GET) {
            IommufdObject ioas = context.compatIoas();
            if (ioas == null) {
                throw new IommufdException(Errno.ENODEV);
            }
            call.set("ioas_id", ioas.id());
            call.respond();
            return 0;
        }
        if (op == IOMMU_VFIO_IOAS_SET) {
            IommufdObject ioas = call.objects().get(call.id("ioas_id"), ObjectType.IOAS);
            context.setCompatIoas(ioas);
            return 0;
        }
        if (op == IOMMU_VFIO_IOAS_CLEAR) {
            context.setCompatIoas(null);
            return 0;
        }
        throw new IommufdException(Errno.EOPNOTSUPP);
    }
}
