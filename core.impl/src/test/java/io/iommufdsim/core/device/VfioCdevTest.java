package io.iommufdsim.core.device;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.iommufdsim.api.Errno;
import io.iommufdsim.api.IommufdException;
import io.iommufdsim.api.uapi.IoctlCommand;
import io.iommufdsim.api.uapi.UapiConstants;
import org.junit.jupiter.api.Test;

/** VFIO cdev attach/detach: a PASID of 2^31 or more, and a close() racing an attach or detach. */
class VfioCdevTest {
    private final DeviceHarness h;
    private final PciDevice nic;
    private final int dev;
    private final int ioas;

    VfioCdevTest() throws Exception {
        h = new DeviceHarness();
        nic = h.addDevice("nic0");
        dev = h.bind(nic);
        ioas = h.ioasAlloc();
    }

    private long cdevIoctl(IoctlCommand command, HookedUserMemory memory, Object... fieldsAndValues)
            throws IommufdException {
        h.main.write(h.buf, DeviceHarness.struct(command, fieldsAndValues));
        return nic.ioctl(h.main, command.number(), h.buf, memory);
    }

    @Test
    void aPasidOf2To31OrMoreIsEnospcBeforeThePtIsLookedUp() throws Exception {
        int hwpt = h.hwptAlloc(dev, ioas, UapiConstants.IOMMU_HWPT_ALLOC_PASID);
        h.deviceFails(Errno.ENOSPC, nic, IoctlCommand.VFIO_DEVICE_ATTACH_IOMMUFD_PT, "flags", 1, "pt_id", hwpt,
                "pasid", 0x8000_0000L);
        h.deviceFails(Errno.ENOSPC, nic, IoctlCommand.VFIO_DEVICE_ATTACH_IOMMUFD_PT, "flags", 1, "pt_id", 9999,
                "pasid", 0xffff_ffffL);
        assertEquals(1, h.ctx.objects().get(hwpt).users()); // nothing attached
        h.attachPasid(nic, 1, hwpt); // PASIDs below 2^31 still work
        assertEquals(2, h.ctx.objects().get(hwpt).users());
    }

    @Test
    void anAttachWhoseDeviceIsUnboundByACloseMeanwhileIsEinvalAndAttachesNothing() throws Exception {
        HookedUserMemory racing = HookedUserMemory.beforeCopyFromUser(h.main.memory(), 1, nic::close);
        IommufdException e = assertThrows(IommufdException.class,
                () -> cdevIoctl(IoctlCommand.VFIO_DEVICE_ATTACH_IOMMUFD_PT, racing, "pt_id", ioas));
        assertEquals(Errno.EINVAL, e.errno());
        assertNull(nic.cdev().bound());
        assertTrue(h.ctx.objects().objects().stream().noneMatch(o -> o.id() != ioas));
        h.ioctl(IoctlCommand.IOMMU_DESTROY, "id", ioas); // no auto HWPT holds it
    }

    @Test
    void aDetachWhoseDeviceIsUnboundByACloseMeanwhileIsEinval() throws Exception {
        h.attach(nic, ioas);
        HookedUserMemory racing = HookedUserMemory.beforeCopyFromUser(h.main.memory(), 1, nic::close);
        IommufdException e = assertThrows(IommufdException.class,
                () -> cdevIoctl(IoctlCommand.VFIO_DEVICE_DETACH_IOMMUFD_PT, racing));
        assertEquals(Errno.EINVAL, e.errno());
        assertNull(nic.cdev().bound());
        h.ioctl(IoctlCommand.IOMMU_DESTROY, "id", ioas); // the close detached and destroyed the auto HWPT
    }
}
