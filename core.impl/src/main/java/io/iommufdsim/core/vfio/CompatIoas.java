package io.iommufdsim.core.vfio;

import io.iommufdsim.api.Errno;
import io.iommufdsim.api.IommufdException;
import io.iommufdsim.core.ioas.IoasObject;
import io.iommufdsim.core.iommufd.IommufdContext;
import io.iommufdsim.core.iommufd.IommufdObject;
import io.iommufdsim.core.iommufd.ObjectTable;

/**
 * The compat IOAS of a context (ictx->vfio_ioas): the IOAS the VFIO container ioctls act on, since
 * their ABI names none. IOMMU_VFIO_IOAS sets, reads and clears it; {@link #create} is how Linux makes
 * one when a VFIO group joins an iommufd container (vfio_compat.c).
 */
public final class CompatIoas {
    private CompatIoas() {
    }

    /** get_compat_ioas: the compat IOAS, ENODEV if none is set (never set, cleared or destroyed). */
    static IoasObject get(IommufdContext context) throws IommufdException {
        IommufdObject ioas = context.compatIoas();
        if (ioas == null) {
            throw new IommufdException(Errno.ENODEV);
        }
        return (IoasObject) ioas;
    }

    /** iommufd_vfio_compat_ioas_get_id: the id of the compat IOAS, ENODEV if there is none. */
    public static int getId(IommufdContext context) throws IommufdException {
        return get(context).id();
    }

    /**
     * iommufd_vfio_compat_ioas_create: makes sure a compat IOAS exists. A new IOAS is allocated first
     * (taking the lowest free id) and published as the compat IOAS, a user-visible object like any
     * other; if one was set meanwhile the new one is aborted and its id freed. Nothing changes on failure.
     */
    public static void create(IommufdContext context) throws IommufdException {
        ObjectTable objects = context.objects();
        IoasObject ioas = new IoasObject();
        objects.reserve(ioas);
        synchronized (objects) {
            if (context.compatIoas() != null) {
                objects.abort(ioas);
                return;
            }
            context.setCompatIoas(ioas);
        }
        objects.publish(ioas);
    }
}
