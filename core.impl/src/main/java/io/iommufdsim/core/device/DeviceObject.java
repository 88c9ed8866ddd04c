package io.iommufdsim.core.device;

import io.iommufdsim.core.iommufd.IommufdContext;
import io.iommufdsim.core.iommufd.IommufdObject;
import io.iommufdsim.core.iommufd.ObjectType;
import java.util.Map;
import java.util.TreeMap;

/**
 * A DEVICE object (iommufd_private.h: struct iommufd_device): a PCI device bound to one iommufd
 * context. The VFIO binding holds one user until unbind; each attachment (the RID, PASID 0 in the
 * kernel's numbering, or a PASID) holds one more, and the attached HWPT per PASID is kept here
 * (the single-device iommufd_group's pasid_attach). Guarded by the device layer's lock.
 */
public final class DeviceObject extends IommufdObject {
    private final PciDevice device;
    private final IommufdContext context;
    private final TreeMap<Integer, IommufdObject> attached = new TreeMap<>();

    DeviceObject(PciDevice device, IommufdContext context) {
        super(ObjectType.DEVICE);
        this.device = device;
        this.context = context;
    }

    public PciDevice device() {
        return device;
    }

    public IommufdContext context() {
        return context;
    }

    /** PASID (0 = RID, IOMMU_NO_PASID) → attached HWPT. */
    public Map<Integer, IommufdObject> attached() {
        return attached;
    }

    /** iommufd_device_destroy: the unbind path has already detached everything. */
    @Override
    protected void destroy() {
        if (!attached.isEmpty()) {
            throw new IllegalStateException(this + " destroyed while attached to " + attached);
        }
    }
}
