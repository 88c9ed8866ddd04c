package io.iommufdsim.core.device;

import static io.iommufdsim.api.uapi.UapiConstants.IOMMU_HWPT_ALLOC_DIRTY_TRACKING;
import static io.iommufdsim.api.uapi.UapiConstants.IOMMU_HWPT_FAULT_ID_VALID;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.iommufdsim.api.Errno;
import io.iommufdsim.api.IommufdException;
import io.iommufdsim.api.uapi.IoctlCommand;
import org.junit.jupiter.api.Test;

/**
 * The objects an ioctl looks up are held for its length (iommufd_get_object raises users): an
 * IOMMU_DESTROY of one of them meanwhile gets EBUSY, and every hold is given back afterwards.
 */
class ShortTermHoldTest {
    private final DeviceHarness h;
    private final TestIommuDriver.Instance unit;
    private Errno destroyResult;

    ShortTermHoldTest() throws Exception {
        h = new DeviceHarness();
        unit = h.instance(DeviceHarness.DRIVER);
    }

    /** IOMMU_DESTROY of {@code id} as a concurrent ioctl would issue it; records its errno (null = done). */
    private Runnable destroyDuring(int id) {
        return () -> {
            try {
                h.ioctl(IoctlCommand.IOMMU_DESTROY, "id", id);
                destroyResult = null;
            } catch (IommufdException e) {
                destroyResult = e.errno();
            }
        };
    }

    @Test
    void destroyingTheHwptAnAttachIsUsingIsEbusyAndTheAttachCompletes() throws Exception {
        PciDevice d = h.addDevice("nic0");
        int dev = h.bind(d);
        int ioas = h.ioasAlloc();
        int hwpt = h.hwptAlloc(dev, ioas, 0);
        destroyResult = Errno.EPERM;
        unit.onNextAttach = destroyDuring(hwpt);
        assertEquals(hwpt, h.attach(d, hwpt));
        assertEquals(Errno.EBUSY, destroyResult);
        h.detach(d);
        h.ioctl(IoctlCommand.IOMMU_DESTROY, "id", hwpt); // the hold was given back
    }

    @Test
    void destroyingTheIoasAHwptAllocIsUsingIsEbusy() throws Exception {
        PciDevice d = h.addDevice("nic0");
        int dev = h.bind(d);
        int ioas = h.ioasAlloc();
        destroyResult = Errno.EPERM;
        // the capability check of DIRTY_TRACKING runs before the HWPT takes its own user on the IOAS
        unit.onNextCapabilities = destroyDuring(ioas);
        int hwpt = h.hwptAlloc(dev, ioas, IOMMU_HWPT_ALLOC_DIRTY_TRACKING);
        assertEquals(Errno.EBUSY, destroyResult);
        h.ioctl(IoctlCommand.IOMMU_DESTROY, "id", hwpt);
        h.ioctl(IoctlCommand.IOMMU_DESTROY, "id", ioas);
    }

    @Test
    void aFailedHwptAllocGivesBackEveryHold() throws Exception {
        PciDevice d = h.addDevice("nic0");
        int dev = h.bind(d);
        int ioas = h.ioasAlloc();
        int devUsers = h.ctx.objects().get(dev).users();
        h.fails(Errno.ENOENT, IoctlCommand.IOMMU_HWPT_ALLOC, "dev_id", dev, "pt_id", ioas,
                "flags", IOMMU_HWPT_FAULT_ID_VALID, "fault_id", 999);
        assertEquals(1, h.ctx.objects().get(ioas).users());
        assertEquals(devUsers, h.ctx.objects().get(dev).users());
        h.ioctl(IoctlCommand.IOMMU_DESTROY, "id", ioas);
    }

    @Test
    void aHeldObjectCannotBeDestroyedUntilPut() throws Exception {
        int ioas = h.ioasAlloc();
        var held = h.ctx.objects().getHeld(ioas, null);
        h.fails(Errno.EBUSY, IoctlCommand.IOMMU_DESTROY, "id", ioas);
        h.ctx.objects().put(held);
        h.ioctl(IoctlCommand.IOMMU_DESTROY, "id", ioas);
    }
}
