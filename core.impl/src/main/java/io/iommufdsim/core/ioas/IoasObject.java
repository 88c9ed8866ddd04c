package io.iommufdsim.core.ioas;

import io.iommufdsim.api.IommufdException;
import io.iommufdsim.core.iommufd.IommufdObject;
import io.iommufdsim.core.iommufd.ObjectType;

/**
 * An IOAS object (iommufd_private.h: struct iommufd_ioas): an {@link IoPagetable} with an id. HWPTs and
 * accesses built on it hold users on it; destroying it unmaps everything left (ioas.c:
 * iommufd_ioas_destroy).
 */
public final class IoasObject extends IommufdObject {
    private final IoPagetable iopt = new IoPagetable();

    public IoasObject() {
        super(ObjectType.IOAS);
    }

    public IoPagetable iopt() {
        return iopt;
    }

    @Override
    protected void destroy() {
        try {
            iopt.unmapAll();
        } catch (IommufdException e) {
            // iommufd_ioas_destroy WARNs: nothing can hold an area of an IOAS nobody uses.
            throw new IllegalStateException(this + ": unmap at destroy failed with " + e.errno(), e);
        }
    }
}
