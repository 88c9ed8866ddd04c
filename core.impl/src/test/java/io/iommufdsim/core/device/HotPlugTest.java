package io.iommufdsim.core.device;

import static io.iommufdsim.api.uapi.IoctlCommand.IOMMU_DESTROY;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.iommufdsim.api.Backing;
import io.iommufdsim.api.DeviceConfig;
import io.iommufdsim.api.Errno;
import io.iommufdsim.api.IommufdException;
import io.iommufdsim.api.SimDevice;
import io.iommufdsim.core.iommufd.ObjectType;
import org.junit.jupiter.api.Test;

class HotPlugTest {
    private final DeviceHarness h = new DeviceHarness();

    HotPlugTest() throws IommufdException {
    }

    @Test
    void stoppingTheDriverDestroysDevicesAndHwptsButKeepsTheIoasAndItsPins() throws Exception {
        PciDevice nic = h.addDevice("nic0");
        int dev = h.bind(nic);
        int ioas = h.ioasAlloc();
        int auto = h.attach(nic, ioas);
        int manual = h.hwptAlloc(dev, ioas, 0);
        long va = h.mmap(0x2000, Backing.FOUR_K);
        h.mapFixed(ioas, va, 0x2000, 0x100000000L, DeviceHarness.READABLE);
        long tablePagesBefore = h.machine.memory().frames().liveTablePages();
        TestIommuDriver.Instance old = h.instance(DeviceHarness.DRIVER);

        h.machine.stopDriver(DeviceHarness.DRIVER);
        assertNull(h.machine.device("nic0"));
        assertTrue(old.released);
        h.fails(Errno.ENOENT, IOMMU_DESTROY, "id", dev);
        h.fails(Errno.ENOENT, IOMMU_DESTROY, "id", auto);
        h.fails(Errno.ENOENT, IOMMU_DESTROY, "id", manual);
        assertEquals(ObjectType.IOAS, h.ctx.objects().get(ioas).type());
        assertEquals(1, h.ctx.objects().get(ioas).users());
        assertEquals(0x2000, h.unmap(ioas, 0x100000000L, 0x2000)); // the area outlived the driver
        assertThrows(IommufdException.class, () -> nic.dmaRead(SimDevice.NO_PASID, 0, 1));
        assertTrue(h.machine.memory().frames().liveTablePages() < tablePagesBefore);
        assertThrows(IommufdException.class, () -> h.machine.addDevice(DeviceHarness.DRIVER, "x", DeviceConfig.DEFAULT));

        h.machine.startDriver(DeviceHarness.DRIVER);
        PciDevice back = (PciDevice) h.machine.device("nic0");
        assertNotNull(back);
        assertNotSame(nic, back);
        assertEquals(nic.rid(), back.rid());
        assertNull(back.cdev().bound());
        h.bind(back);
    }

    @Test
    void stoppingAnUnknownDriverIsEnoentAndAddingAnInstanceOfOneEnodev() {
        IommufdException e = assertThrows(IommufdException.class, () -> h.machine.stopDriver("nope"));
        assertEquals(Errno.ENOENT, e.errno());
        e = assertThrows(IommufdException.class, () -> h.machine.addIommu("nope", "x", java.util.Map.of()));
        assertEquals(Errno.ENODEV, e.errno());
    }

    @Test
    void addedInstancesComeBackWithTheirConfigAfterARestart() throws Exception {
        h.machine.addIommu(DeviceHarness.DRIVER, "small", DeviceHarness.config("levels", 3L));
        PciDevice d = (PciDevice) h.machine.addDevice("small", "d0", DeviceConfig.DEFAULT);
        h.machine.stopDriver(DeviceHarness.DRIVER);
        h.machine.stopDriver(DeviceHarness.DRIVER); // stopping a stopped driver does nothing
        h.machine.startDriver(DeviceHarness.DRIVER);
        assertEquals("small", h.machine.device("d0").iommu());
        assertEquals(d.rid(), ((PciDevice) h.machine.device("d0")).rid());
        IommufdException e = assertThrows(IommufdException.class,
                () -> h.machine.addIommu(DeviceHarness.DRIVER, "small", java.util.Map.of()));
        assertEquals(Errno.EEXIST, e.errno());
    }

    @Test
    void instanceConfigErrorsAreEinvalAndNamesUnique() {
        IommufdException e = assertThrows(IommufdException.class,
                () -> h.machine.addIommu(DeviceHarness.DRIVER, "x", DeviceHarness.config("colour", "red")));
        assertEquals(Errno.EINVAL, e.errno());
        e = assertThrows(IommufdException.class,
                () -> h.machine.addIommu(DeviceHarness.DRIVER, "x", DeviceHarness.config("nesting", 1L)));
        assertEquals(Errno.EINVAL, e.errno());
        e = assertThrows(IommufdException.class,
                () -> h.machine.addIommu(DeviceHarness.DRIVER, DeviceHarness.DRIVER, java.util.Map.of()));
        assertEquals(Errno.EEXIST, e.errno());
        assertNull(h.machine.devices().unit("x"));
    }

    @Test
    void aDeviceOfA3LevelInstanceCannotJoinA4LevelAutoDomainSoItGetsItsOwn() throws Exception {
        h.machine.addIommu(DeviceHarness.DRIVER, "small", DeviceHarness.config("levels", 3L));
        PciDevice big = h.addDevice("big");
        PciDevice small = (PciDevice) h.machine.addDevice("small", "small0", DeviceConfig.DEFAULT);
        h.bind(big);
        h.bind(small);
        int ioas = h.ioasAlloc();
        int first = h.attach(big, ioas);
        int second = h.attach(small, ioas);
        assertTrue(first != second);
        // both domains hold the same mappings
        long va = h.mmap(0x1000, Backing.FOUR_K);
        h.mapFixed(ioas, va, 0x1000, 0x100000000L, DeviceHarness.READABLE | DeviceHarness.WRITEABLE);
        small.dmaWrite(SimDevice.NO_PASID, 0x100000000L, new byte[] {7});
        assertArrayEquals(new byte[] {7}, big.dmaRead(SimDevice.NO_PASID, 0x100000000L, 1));
    }
}
