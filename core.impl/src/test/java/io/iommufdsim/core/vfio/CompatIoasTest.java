package io.iommufdsim.core.vfio;

import static io.iommufdsim.api.uapi.IoctlCommand.IOMMU_DESTROY;
import static io.iommufdsim.api.uapi.IoctlCommand.IOMMU_VFIO_IOAS;
import static io.iommufdsim.api.uapi.IoctlCommand.VFIO_IOMMU_GET_INFO;
import static io.iommufdsim.api.uapi.IoctlCommand.VFIO_SET_IOMMU;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.iommufdsim.api.Errno;
import io.iommufdsim.api.IommufdException;
import io.iommufdsim.api.uapi.UapiConstants;
import io.iommufdsim.core.ioas.IoasObject;
import io.iommufdsim.core.iommufd.ObjectType;
import org.junit.jupiter.api.Test;

/**
 * The compat IOAS (vfio_compat.c: get_compat_ioas, iommufd_vfio_compat_ioas_get_id,
 * iommufd_vfio_compat_ioas_create) as the container ioctls and IOMMU_VFIO_IOAS see it.
 */
class CompatIoasTest {
    private final VfioHarness h = new VfioHarness();

    CompatIoasTest() throws IommufdException {
    }

    private long vfioIoasGet() throws IommufdException {
        return VfioHarness.field(IOMMU_VFIO_IOAS,
                h.ioctl(IOMMU_VFIO_IOAS, "op", UapiConstants.IOMMU_VFIO_IOAS_GET), "ioas_id");
    }

    @Test
    void getIdWithoutACompatIoasIsEnodev() {
        assertEquals(Errno.ENODEV, assertThrows(IommufdException.class, () -> CompatIoas.getId(h.ctx)).errno());
    }

    @Test
    void createMakesAPublishedIoasWithTheLowestFreeIdThatIommuVfioIoasReturns() throws Exception {
        int first = h.ioasAlloc();
        h.ioctl(IOMMU_DESTROY, "id", first);
        CompatIoas.create(h.ctx);
        assertEquals(first, CompatIoas.getId(h.ctx));
        assertEquals(first, vfioIoasGet());
        IoasObject ioas = h.ctx.objects().get(first, ObjectType.IOAS, IoasObject.class);
        assertSame(ioas, h.ctx.compatIoas());
        assertEquals(0, h.value(VFIO_SET_IOMMU, UapiConstants.VFIO_TYPE1v2_IOMMU));
    }

    @Test
    void createWhenOneIsSetChangesNothingAndFreesTheIdItTook() throws Exception {
        int set = h.compatIoas();
        CompatIoas.create(h.ctx);
        assertEquals(set, CompatIoas.getId(h.ctx));
        assertEquals(set + 1, h.ioasAlloc(), "the id the create reserved was freed");
        assertEquals(2, h.ctx.objects().objects().size());
    }

    @Test
    void destroyingOrClearingTheCompatIoasMakesTheContainerIoctlsEnodevAgain() throws Exception {
        int ioas = h.compatIoas();
        h.ioctl(VFIO_IOMMU_GET_INFO);
        h.ioctl(IOMMU_VFIO_IOAS, "op", UapiConstants.IOMMU_VFIO_IOAS_CLEAR);
        h.fails(Errno.ENODEV, VFIO_IOMMU_GET_INFO);
        h.setCompat(ioas);
        h.ioctl(IOMMU_DESTROY, "id", ioas);
        h.fails(Errno.ENODEV, VFIO_IOMMU_GET_INFO);
        h.valueFails(Errno.ENODEV, VFIO_SET_IOMMU, UapiConstants.VFIO_TYPE1_IOMMU);
    }
}
