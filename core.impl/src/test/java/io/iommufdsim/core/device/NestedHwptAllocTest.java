package io.iommufdsim.core.device;

import static io.iommufdsim.api.uapi.UapiConstants.IOMMU_HWPT_ALLOC_DIRTY_TRACKING;
import static io.iommufdsim.api.uapi.UapiConstants.IOMMU_HWPT_ALLOC_NEST_PARENT;
import static io.iommufdsim.api.uapi.UapiConstants.IOMMU_HWPT_ALLOC_PASID;
import static io.iommufdsim.api.uapi.UapiConstants.IOMMU_HWPT_FAULT_ID_VALID;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.iommufdsim.api.DeviceConfig;
import io.iommufdsim.api.Errno;
import io.iommufdsim.api.uapi.IoctlCommand;
import io.iommufdsim.core.iommufd.IommufdObject;
import org.junit.jupiter.api.Test;

/**
 * IOMMU_HWPT_ALLOC on a paging HWPT (hw_pagetable.c iommufd_hwpt_nested_alloc): EOPNOTSUPP for bad
 * flags or no data, then EINVAL for a parent that cannot nest, then the driver — nesting is not
 * modelled yet, so a request that passes every check is still EOPNOTSUPP.
 */
class NestedHwptAllocTest {
    private static final int VTD_S1 = 1;

    private final DeviceHarness h;
    private final int dev;
    private final int ioas;
    private final int parent;
    private final int plain;
    private final long data;

    NestedHwptAllocTest() throws Exception {
        h = new DeviceHarness();
        h.machine.addIommu(DeviceHarness.DRIVER, "nest", DeviceHarness.config("nesting", true));
        PciDevice d = (PciDevice) h.machine.addDevice("nest", "nic0", DeviceConfig.DEFAULT);
        dev = h.bind(d);
        ioas = h.ioasAlloc();
        parent = h.hwptAlloc(dev, ioas, IOMMU_HWPT_ALLOC_NEST_PARENT);
        plain = h.hwptAlloc(dev, ioas, 0);
        data = h.mmap(4096, io.iommufdsim.api.Backing.FOUR_K);
    }

    private void nestedFails(Errno errno, int pt, int flags, int dataLen) {
        h.fails(errno, IoctlCommand.IOMMU_HWPT_ALLOC, "dev_id", dev, "pt_id", pt, "flags", flags,
                "data_type", dataLen == 0 ? 0 : VTD_S1, "data_len", dataLen, "data_uptr", data);
    }

    @Test
    void flagsOtherThanFaultIdAndPasidAreEopnotsuppBeforeTheParentIsChecked() {
        nestedFails(Errno.EOPNOTSUPP, plain, IOMMU_HWPT_ALLOC_DIRTY_TRACKING, 32);
        nestedFails(Errno.EOPNOTSUPP, plain, IOMMU_HWPT_ALLOC_NEST_PARENT, 32);
    }

    @Test
    void noUserDataIsEopnotsuppBeforeTheParentIsChecked() {
        nestedFails(Errno.EOPNOTSUPP, plain, 0, 0);
    }

    @Test
    void aParentWithoutNestParentIsEinval() {
        nestedFails(Errno.EINVAL, plain, 0, 32);
        nestedFails(Errno.EINVAL, plain, IOMMU_HWPT_FAULT_ID_VALID | IOMMU_HWPT_ALLOC_PASID, 32);
    }

    @Test
    void anAutoDomainParentIsEinval() throws Exception {
        PciDevice other = (PciDevice) h.machine.addDevice("nest", "nic1", DeviceConfig.DEFAULT);
        h.bind(other);
        int auto = h.attach(other, ioas);
        nestedFails(Errno.EINVAL, auto, 0, 32);
    }

    @Test
    void aParentOfAnotherIommuDriverIsEinval() throws Exception {
        TestIommuDriver second = new TestIommuDriver("other-iommu");
        h.factory.addDriver(second);
        h.machine.addIommu("other-iommu", "onest", DeviceHarness.config("nesting", true));
        PciDevice o = (PciDevice) h.machine.addDevice("onest", "gpu0", DeviceConfig.DEFAULT);
        int odev = h.bind(o);
        int foreign = h.hwptAlloc(odev, ioas, IOMMU_HWPT_ALLOC_NEST_PARENT);
        nestedFails(Errno.EINVAL, foreign, 0, 32);
    }

    @Test
    void aValidRequestIsEopnotsuppWhileNestingIsNotModelledAndLeavesNoObject() throws Exception {
        int before = h.ctx.objects().objects().size();
        nestedFails(Errno.EOPNOTSUPP, parent, IOMMU_HWPT_ALLOC_PASID, 32);
        assertEquals(before, h.ctx.objects().objects().size());
        IommufdObject p = h.ctx.objects().get(parent);
        assertEquals(1, p.users());
    }
}
