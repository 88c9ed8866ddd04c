package io.iommufdsim.core.iommufd;

import static io.iommufdsim.api.uapi.IoctlCommand.IOMMU_GET_HW_INFO;
import static io.iommufdsim.api.uapi.IoctlCommand.IOMMU_HWPT_ALLOC;
import static io.iommufdsim.api.uapi.IoctlCommand.IOMMU_HWPT_GET_DIRTY_BITMAP;
import static io.iommufdsim.api.uapi.IoctlCommand.IOMMU_HWPT_INVALIDATE;
import static io.iommufdsim.api.uapi.IoctlCommand.IOMMU_HWPT_SET_DIRTY_TRACKING;
import static io.iommufdsim.api.uapi.IoctlCommand.IOMMU_HW_QUEUE_ALLOC;
import static io.iommufdsim.api.uapi.IoctlCommand.IOMMU_VDEVICE_ALLOC;
import static io.iommufdsim.api.uapi.IoctlCommand.IOMMU_VEVENTQ_ALLOC;
import static io.iommufdsim.api.uapi.IoctlCommand.IOMMU_VIOMMU_ALLOC;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.iommufdsim.api.Errno;
import io.iommufdsim.api.IommufdException;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The device/HWPT/vIOMMU ioctls without a device layer: the kernel's checks up to the first lookup (reference §4). */
class DeviceObjectIoctlsTest {
    private final List<String> log = new ArrayList<>();
    private final Harness h = new Harness();
    private final TestObject ioas;

    DeviceObjectIoctlsTest() throws Exception {
        ioas = h.object(ObjectType.IOAS, log);
    }

    private void assertNothingChanged() throws IommufdException {
        assertEquals(List.of(ioas), h.ctx.objects().objects());
        assertEquals(1, ioas.users());
        assertEquals(List.of(), log);
    }

    @Test
    void hwptAllocChecksReservedThenDataPairingThenTheDevice() throws Exception {
        h.fails(Errno.EOPNOTSUPP, IOMMU_HWPT_ALLOC, "__reserved", 1, "dev_id", 99, "pt_id", ioas.id());
        h.fails(Errno.EINVAL, IOMMU_HWPT_ALLOC, "data_type", 0, "data_len", 8, "dev_id", 99);
        h.fails(Errno.EINVAL, IOMMU_HWPT_ALLOC, "data_type", 1, "data_len", 0, "dev_id", 99);
        h.fails(Errno.ENOENT, IOMMU_HWPT_ALLOC, "dev_id", 99, "pt_id", ioas.id());
        // an IOAS id is not a device
        h.fails(Errno.ENOENT, IOMMU_HWPT_ALLOC, "dev_id", ioas.id(), "pt_id", ioas.id());
        // the unchecked __reserved2 does not matter
        h.fails(Errno.ENOENT, IOMMU_HWPT_ALLOC, "dev_id", 99, "__reserved2", 5);
        assertNothingChanged();
    }

    @Test
    void getHwInfoChecksFlagsAndAllThreeReservedBytesThenTheDevice() throws Exception {
        h.fails(Errno.EOPNOTSUPP, IOMMU_GET_HW_INFO, "flags", 2, "dev_id", 99);
        h.fails(Errno.EOPNOTSUPP, IOMMU_GET_HW_INFO, "__reserved", 0x010000, "dev_id", 99);
        h.fails(Errno.ENOENT, IOMMU_GET_HW_INFO, "flags", 1, "dev_id", 99);
        assertNothingChanged();
    }

    @Test
    void dirtyTrackingChecksFlagsButNotReservedThenThePagingHwpt() throws Exception {
        h.fails(Errno.EOPNOTSUPP, IOMMU_HWPT_SET_DIRTY_TRACKING, "flags", 2, "hwpt_id", 99);
        h.fails(Errno.ENOENT, IOMMU_HWPT_SET_DIRTY_TRACKING, "flags", 1, "hwpt_id", 99, "__reserved", 7);
        h.fails(Errno.ENOENT, IOMMU_HWPT_SET_DIRTY_TRACKING, "flags", 1, "hwpt_id", ioas.id());
        assertNothingChanged();
    }

    @Test
    void dirtyBitmapChecksFlagsAndReservedThenThePagingHwpt() throws Exception {
        h.fails(Errno.EOPNOTSUPP, IOMMU_HWPT_GET_DIRTY_BITMAP, "flags", 2, "hwpt_id", 99);
        h.fails(Errno.EOPNOTSUPP, IOMMU_HWPT_GET_DIRTY_BITMAP, "__reserved", 1, "hwpt_id", 99);
        h.fails(Errno.ENOENT, IOMMU_HWPT_GET_DIRTY_BITMAP, "flags", 1, "hwpt_id", ioas.id(), "page_size", 0);
        assertNothingChanged();
    }

    @Test
    void invalidateOfAnUnknownHwptIsEnoentAndWritesBackZeroEntries() throws Exception {
        byte[] out = h.fails(Errno.ENOENT, IOMMU_HWPT_INVALIDATE, "hwpt_id", 99, "data_uptr", h.buf,
                "entry_len", 16, "entry_num", 3);
        assertEquals(0, Raw.field(IOMMU_HWPT_INVALIDATE, out, "entry_num"));
        assertNothingChanged();
    }

    @Test
    void invalidateChecksReservedThenTheEntryArrayThenTheTarget() throws Exception {
        byte[] out = h.fails(Errno.EOPNOTSUPP, IOMMU_HWPT_INVALIDATE, "__reserved", 1, "entry_num", 2);
        assertEquals(0, Raw.field(IOMMU_HWPT_INVALIDATE, out, "entry_num"));
        out = h.fails(Errno.EINVAL, IOMMU_HWPT_INVALIDATE, "hwpt_id", 99, "entry_num", 2, "entry_len", 16);
        assertEquals(0, Raw.field(IOMMU_HWPT_INVALIDATE, out, "entry_num"));
        h.fails(Errno.EINVAL, IOMMU_HWPT_INVALIDATE, "hwpt_id", 99, "entry_num", 2, "data_uptr", h.buf);
        // entry_num 0 ignores the pointer and the length, so the lookup decides
        h.fails(Errno.ENOENT, IOMMU_HWPT_INVALIDATE, "hwpt_id", 99);
        assertNothingChanged();
    }

    @Test
    void invalidateOfAnIoasIsEinval() throws Exception {
        h.fails(Errno.EINVAL, IOMMU_HWPT_INVALIDATE, "hwpt_id", ioas.id());
        assertNothingChanged();
    }

    @Test
    void viommuAllocChecksFlagsAndTypeThenTheDevice() throws Exception {
        h.fails(Errno.EOPNOTSUPP, IOMMU_VIOMMU_ALLOC, "flags", 1, "type", 1, "dev_id", 99);
        h.fails(Errno.EOPNOTSUPP, IOMMU_VIOMMU_ALLOC, "type", 0, "dev_id", 99);
        h.fails(Errno.ENOENT, IOMMU_VIOMMU_ALLOC, "type", 1, "dev_id", 99, "__reserved", 3);
        assertNothingChanged();
    }

    @Test
    void vdeviceAllocLooksTheViommuUpFirst() throws Exception {
        h.fails(Errno.ENOENT, IOMMU_VDEVICE_ALLOC, "viommu_id", ioas.id(), "dev_id", 99, "virt_id", -1L);
        assertNothingChanged();
    }

    @Test
    void veventqAllocChecksFlagsReservedTypeAndDepthThenTheViommu() throws Exception {
        h.fails(Errno.EOPNOTSUPP, IOMMU_VEVENTQ_ALLOC, "flags", 1, "type", 1, "veventq_depth", 0);
        h.fails(Errno.EOPNOTSUPP, IOMMU_VEVENTQ_ALLOC, "__reserved", 1, "type", 1, "veventq_depth", 0);
        h.fails(Errno.EOPNOTSUPP, IOMMU_VEVENTQ_ALLOC, "type", 0, "veventq_depth", 0);
        h.fails(Errno.EINVAL, IOMMU_VEVENTQ_ALLOC, "type", 1, "veventq_depth", 0, "viommu_id", 99);
        h.fails(Errno.ENOENT, IOMMU_VEVENTQ_ALLOC, "type", 1, "veventq_depth", 2, "viommu_id", 99);
        assertNothingChanged();
    }

    @Test
    void hwQueueAllocChecksTypeLengthAndOverflowThenTheViommu() throws Exception {
        h.fails(Errno.EOPNOTSUPP, IOMMU_HW_QUEUE_ALLOC, "type", 0, "length", 0);
        h.fails(Errno.EOPNOTSUPP, IOMMU_HW_QUEUE_ALLOC, "flags", 1, "type", 1, "length", 0);
        h.fails(Errno.EINVAL, IOMMU_HW_QUEUE_ALLOC, "type", 1, "length", 0, "nesting_parent_iova", -1L);
        h.fails(Errno.EOVERFLOW, IOMMU_HW_QUEUE_ALLOC, "type", 1, "length", 2, "nesting_parent_iova", -1L);
        h.fails(Errno.ENOENT, IOMMU_HW_QUEUE_ALLOC, "type", 1, "length", 1, "nesting_parent_iova", -1L,
                "viommu_id", 99);
        assertNothingChanged();
    }
}
