package io.iommufdsim.core.device;

import static io.iommufdsim.api.uapi.IoctlCommand.IOMMU_DESTROY;
import static io.iommufdsim.api.uapi.IoctlCommand.IOMMU_IOAS_MAP;
import static io.iommufdsim.api.uapi.IoctlCommand.VFIO_DEVICE_ATTACH_IOMMUFD_PT;
import static io.iommufdsim.api.uapi.IoctlCommand.VFIO_DEVICE_BIND_IOMMUFD;
import static io.iommufdsim.api.uapi.IoctlCommand.VFIO_DEVICE_DETACH_IOMMUFD_PT;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.iommufdsim.api.Backing;
import io.iommufdsim.api.Errno;
import io.iommufdsim.api.IommufdException;
import io.iommufdsim.core.hwpt.HwptPaging;
import io.iommufdsim.core.iommufd.ObjectType;
import org.junit.jupiter.api.Test;

class DeviceAttachTest {
    private final DeviceHarness h = new DeviceHarness();
    private final PciDevice nic = h.addDevice("nic0");

    DeviceAttachTest() throws IommufdException {
    }

    @Test
    void bindGivesADeviceIdThatIommuDestroyCannotRemove() throws Exception {
        int dev = h.bind(nic);
        assertEquals(1, dev);
        h.fails(Errno.EBUSY, IOMMU_DESTROY, "id", dev);
        assertEquals(ObjectType.DEVICE, h.ctx.objects().get(dev).type());
    }

    @Test
    void bindChecksArgszTailFlagsFdAndASecondBindInTheKernelsOrder() throws Exception {
        h.deviceFails(Errno.EINVAL, nic, VFIO_DEVICE_BIND_IOMMUFD, "argsz", 15);
        h.deviceFails(Errno.EINVAL, nic, VFIO_DEVICE_BIND_IOMMUFD, "flags", 2);
        h.deviceFails(Errno.EINVAL, nic, VFIO_DEVICE_BIND_IOMMUFD, "iommufd", -1);
        h.deviceFails(Errno.EBADF, nic, VFIO_DEVICE_BIND_IOMMUFD, "iommufd", 77);
        // the token is read (EFAULT for a bad pointer), then refused: not an SR-IOV PF or VF
        h.deviceFails(Errno.EFAULT, nic, VFIO_DEVICE_BIND_IOMMUFD, "flags", 1, "token_uuid_ptr", 8);
        h.deviceFails(Errno.EINVAL, nic, VFIO_DEVICE_BIND_IOMMUFD, "flags", 1, "token_uuid_ptr", h.buf);
        assertNull(nic.cdev().bound());
        assertTrue(h.ctx.objects().objects().isEmpty());
        h.bind(nic);
        h.deviceFails(Errno.EINVAL, nic, VFIO_DEVICE_BIND_IOMMUFD);
    }

    @Test
    void bindWithANonZeroTailBeyondTheStructIsE2big() throws Exception {
        byte[] image = DeviceHarness.struct(VFIO_DEVICE_BIND_IOMMUFD, "argsz", 32, "iommufd", h.ctx.fd());
        byte[] big = java.util.Arrays.copyOf(image, 32);
        big[30] = 1;
        h.main.write(h.buf, big);
        IommufdException e = assertThrows(IommufdException.class,
                () -> nic.ioctl(h.main, VFIO_DEVICE_BIND_IOMMUFD.number(), h.buf, h.main.memory()));
        assertEquals(Errno.E2BIG, e.errno());
        assertNull(nic.cdev().bound());
    }

    @Test
    void attachAndDetachBeforeBindAreEinval() {
        h.deviceFails(Errno.EINVAL, nic, VFIO_DEVICE_ATTACH_IOMMUFD_PT, "pt_id", 1);
        h.deviceFails(Errno.EINVAL, nic, VFIO_DEVICE_DETACH_IOMMUFD_PT);
    }

    @Test
    void attachToAnIoasMakesAnAutoHwptThatASecondDeviceReusesAndTheLastDetachDestroys() throws Exception {
        PciDevice gpu = h.addDevice("gpu0");
        h.bind(nic);
        h.bind(gpu);
        int ioas = h.ioasAlloc();
        int hwpt = h.attach(nic, ioas);
        assertNotEquals(ioas, hwpt);
        assertEquals(ObjectType.HWPT_PAGING, h.ctx.objects().get(hwpt).type());
        assertEquals(hwpt, h.attach(gpu, ioas));
        h.fails(Errno.EBUSY, IOMMU_DESTROY, "id", hwpt);
        h.detach(nic);
        assertEquals(ObjectType.HWPT_PAGING, h.ctx.objects().get(hwpt).type());
        h.detach(gpu);
        h.fails(Errno.ENOENT, IOMMU_DESTROY, "id", hwpt);
        h.detach(gpu); // a detach of nothing is a silent no-op
    }

    @Test
    void attachOfAnotherKindOfObjectIsEinvalAndOfNothingEnoent() throws Exception {
        int dev = h.bind(nic);
        h.deviceFails(Errno.EINVAL, nic, VFIO_DEVICE_ATTACH_IOMMUFD_PT, "pt_id", dev);
        h.deviceFails(Errno.ENOENT, nic, VFIO_DEVICE_ATTACH_IOMMUFD_PT, "pt_id", 99);
        h.deviceFails(Errno.EINVAL, nic, VFIO_DEVICE_ATTACH_IOMMUFD_PT, "flags", 2, "pt_id", 99);
        h.deviceFails(Errno.EINVAL, nic, VFIO_DEVICE_ATTACH_IOMMUFD_PT, "argsz", 11, "pt_id", 99);
        h.deviceFails(Errno.EINVAL, nic, VFIO_DEVICE_ATTACH_IOMMUFD_PT, "argsz", 12, "flags", 1, "pt_id", 99);
    }

    @Test
    void aSecondAttachThroughVfioReplacesAndDestroysTheOldAutoDomain() throws Exception {
        h.bind(nic);
        int a = h.ioasAlloc();
        int b = h.ioasAlloc();
        int hwptA = h.attach(nic, a);
        int hwptB = h.attach(nic, b);
        assertNotEquals(hwptA, hwptB);
        h.fails(Errno.ENOENT, IOMMU_DESTROY, "id", hwptA);
        // the device's reserved region moved with it
        assertArrayEquals(new long[] {0, -1L}, h.iovaRanges(a));
        assertEquals(4, h.iovaRanges(b).length);
        // replacing with the IOAS whose auto domain is current is a no-op
        assertEquals(hwptB, h.attach(nic, b));
    }

    @Test
    void anAttachedDeviceReservesItsMsiWindowAndTheApertureInTheIoas() throws Exception {
        h.bind(nic);
        int ioas = h.ioasAlloc();
        h.attach(nic, ioas);
        long top = (1L << 48) - 1;
        assertArrayEquals(new long[] {0, TestIommuDriver.MSI_START - 1, TestIommuDriver.MSI_LAST + 1, top},
                h.iovaRanges(ioas));
        long va = h.mmap(0x1000, Backing.FOUR_K);
        h.fails(Errno.EINVAL, IOMMU_IOAS_MAP, "ioas_id", ioas, "flags", 7, "user_va", va, "length", 0x1000,
                "iova", TestIommuDriver.MSI_START);
        h.detach(nic);
        assertArrayEquals(new long[] {0, -1L}, h.iovaRanges(ioas));
    }

    @Test
    void attachWhoseReservedRegionHitsAnAreaIsEaddrinuseAndLeavesNothingBehind() throws Exception {
        h.bind(nic);
        int ioas = h.ioasAlloc();
        long va = h.mmap(0x1000, Backing.FOUR_K);
        h.mapFixed(ioas, va, 0x1000, TestIommuDriver.MSI_START, DeviceHarness.READABLE);
        h.deviceFails(Errno.EADDRINUSE, nic, VFIO_DEVICE_ATTACH_IOMMUFD_PT, "pt_id", ioas);
        assertArrayEquals(new long[] {0, -1L}, h.iovaRanges(ioas));
        assertTrue(nic.cdev().bound().attached().isEmpty());
        // the auto HWPT's id was given back: the next object takes it
        assertEquals(ioas + 1, h.ioasAlloc());
        assertEquals(0, h.ctx.objects().objects().stream().filter(o -> o.type() == ObjectType.HWPT_PAGING).count());
    }

    @Test
    void pasidAttachToAnIoasIsEinvalAndToAPasidHwptWorks() throws Exception {
        int dev = h.bind(nic);
        int ioas = h.ioasAlloc();
        h.deviceFails(Errno.EINVAL, nic, VFIO_DEVICE_ATTACH_IOMMUFD_PT, "flags", 1, "pt_id", ioas, "pasid", 5);
        int plain = h.hwptAlloc(dev, ioas, 0);
        int pasidHwpt = h.hwptAlloc(dev, ioas, io.iommufdsim.api.uapi.UapiConstants.IOMMU_HWPT_ALLOC_PASID);
        h.deviceFails(Errno.EINVAL, nic, VFIO_DEVICE_ATTACH_IOMMUFD_PT, "flags", 1, "pt_id", plain, "pasid", 5);
        assertEquals(pasidHwpt, h.attachPasid(nic, 5, pasidHwpt));
        // the RID may not take a non-PASID HWPT while a PASID is attached
        h.deviceFails(Errno.EINVAL, nic, VFIO_DEVICE_ATTACH_IOMMUFD_PT, "pt_id", plain);
        h.attach(nic, pasidHwpt);
        // a PASID beyond the device's 8 bits
        h.deviceFails(Errno.EINVAL, nic, VFIO_DEVICE_ATTACH_IOMMUFD_PT, "flags", 1, "pt_id", pasidHwpt,
                "pasid", 256);
        h.detachPasid(nic, 5);
        h.detach(nic);
        h.fails(Errno.EBUSY, IOMMU_DESTROY, "id", ioas);
        h.ioctl(IOMMU_DESTROY, "id", pasidHwpt);
        h.ioctl(IOMMU_DESTROY, "id", plain);
        h.ioctl(IOMMU_DESTROY, "id", ioas);
    }

    @Test
    void aFailedReplaceKeepsTheOldDomainAttached() throws Exception {
        int dev = h.bind(nic);
        int ioas = h.ioasAlloc();
        int first = h.hwptAlloc(dev, ioas, 0);
        int second = h.hwptAlloc(dev, ioas, 0);
        h.attach(nic, first);
        h.instance(DeviceHarness.DRIVER).failNextAttach = Errno.ENOMEM.ordinal() + 1;
        h.deviceFails(Errno.ENOMEM, nic, VFIO_DEVICE_ATTACH_IOMMUFD_PT, "pt_id", second);
        HwptPaging attached = (HwptPaging) nic.cdev().bound().attached().get(0);
        assertEquals(first, attached.id());
        assertEquals(2, attached.users());
        assertEquals(1, h.ctx.objects().get(second).users());
    }

    @Test
    void closingTheCdevUnbindsDetachesAndDestroysTheDevice() throws Exception {
        int dev = h.bind(nic);
        int ioas = h.ioasAlloc();
        int hwpt = h.attach(nic, ioas);
        nic.close();
        h.fails(Errno.ENOENT, IOMMU_DESTROY, "id", dev);
        h.fails(Errno.ENOENT, IOMMU_DESTROY, "id", hwpt);
        assertEquals(1, h.ctx.objects().get(ioas).users());
        assertEquals(dev, h.bind(nic)); // opened afresh
    }

    @Test
    void aBoundDeviceKeepsItsContextAliveAfterTheFileIsClosed() throws Exception {
        h.bind(nic);
        int ioas = h.ioasAlloc();
        h.attach(nic, ioas);
        h.ctx.close();
        assertTrue(!h.ctx.isReleased());
        nic.close();
        assertTrue(h.ctx.isReleased());
    }
}
