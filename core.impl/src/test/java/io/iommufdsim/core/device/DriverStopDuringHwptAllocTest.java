package io.iommufdsim.core.device;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.iommufdsim.api.uapi.IoctlCommand;
import io.iommufdsim.core.iommufd.ObjectType;
import org.junit.jupiter.api.Test;

/**
 * A driver stop while an IOMMU_HWPT_ALLOC's HWPT is allocated but not yet published: the stop skips
 * it, and the ioctl still publishes it, as a HWPT whose device went away.
 */
class DriverStopDuringHwptAllocTest {
    @Test
    void aDriverStopBetweenAllocationAndPublishSkipsTheUnpublishedHwpt() throws Exception {
        DeviceHarness h = new DeviceHarness();
        PciDevice nic = h.addDevice("nic0");
        int dev = h.bind(nic);
        int ioas = h.ioasAlloc();
        TestIommuDriver.Instance old = h.instance(DeviceHarness.DRIVER);
        // the response is copied to the user after the HWPT is made and before it is published
        HookedUserMemory racing = HookedUserMemory.beforeCopyToUser(h.main.memory(), 1,
                () -> h.machine.stopDriver(DeviceHarness.DRIVER));
        h.main.write(h.buf, DeviceHarness.struct(IoctlCommand.IOMMU_HWPT_ALLOC, "dev_id", dev, "pt_id", ioas));
        h.ctx.ioctl(h.main, IoctlCommand.IOMMU_HWPT_ALLOC.number(), h.buf, racing);
        int hwpt = (int) DeviceHarness.field(IoctlCommand.IOMMU_HWPT_ALLOC,
                h.main.read(h.buf, IoctlCommand.IOMMU_HWPT_ALLOC.struct().size()), "out_hwpt_id");

        assertTrue(old.released);
        assertNull(h.machine.device("nic0"));
        assertEquals(ObjectType.HWPT_PAGING, h.ctx.objects().get(hwpt).type());
        h.ioctl(IoctlCommand.IOMMU_DESTROY, "id", hwpt);
        h.ioctl(IoctlCommand.IOMMU_DESTROY, "id", ioas);
    }
}
