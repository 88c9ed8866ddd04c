package io.iommufdsim.core.vfio;

import static io.iommufdsim.api.uapi.IoctlCommand.IOMMU_IOAS_MAP;
import static io.iommufdsim.api.uapi.IoctlCommand.VFIO_CHECK_EXTENSION;
import static io.iommufdsim.api.uapi.IoctlCommand.VFIO_GET_API_VERSION;
import static io.iommufdsim.api.uapi.IoctlCommand.VFIO_IOMMU_DIRTY_PAGES;
import static io.iommufdsim.api.uapi.IoctlCommand.VFIO_SET_IOMMU;
import static io.iommufdsim.core.vfio.VfioHarness.PAGE;
import static io.iommufdsim.core.vfio.VfioHarness.RW;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.iommufdsim.api.Errno;
import io.iommufdsim.api.IommufdException;
import io.iommufdsim.api.uapi.UapiConstants;
import io.iommufdsim.core.ioas.IoPagetable;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * VFIO_GET_API_VERSION, VFIO_CHECK_EXTENSION, VFIO_SET_IOMMU and the numbers iommufd does not serve
 * (vfio_compat.c: iommufd_vfio_ioctl, iommufd_vfio_check_extension, iommufd_vfio_set_iommu; selftest
 * iommufd.simple_ioctls, set_iommu_cmd, vfio_compat_mock_domain.option_huge_pages).
 */
class VfioContainerIoctlsTest {
    private static final long TYPE1 = UapiConstants.VFIO_TYPE1_IOMMU;
    private static final long TYPE1V2 = UapiConstants.VFIO_TYPE1v2_IOMMU;

    private final VfioHarness h = new VfioHarness();

    VfioContainerIoctlsTest() throws IommufdException {
    }

    @Test
    void getApiVersionAnswersVfioApiVersionWhateverTheArgument() throws Exception {
        assertEquals(UapiConstants.VFIO_API_VERSION, h.value(VFIO_GET_API_VERSION, 0));
        assertEquals(UapiConstants.VFIO_API_VERSION, h.value(VFIO_GET_API_VERSION, 0x1234));
    }

    @Test
    void checkExtensionAnswersOneForTheType1ExtensionsAndNoIommuAndZeroForEverythingElse() throws Exception {
        for (long ext : new long[] {TYPE1, TYPE1V2, UapiConstants.VFIO_UNMAP_ALL, UapiConstants.VFIO_NOIOMMU_IOMMU}) {
            assertEquals(1, h.value(VFIO_CHECK_EXTENSION, ext), "extension " + ext);
        }
        for (long ext : new long[] {0, UapiConstants.VFIO_SPAPR_TCE_IOMMU, UapiConstants.VFIO_EEH,
                UapiConstants.__VFIO_RESERVED_TYPE1_NESTING_IOMMU, UapiConstants.VFIO_SPAPR_TCE_v2_IOMMU,
                UapiConstants.VFIO_UPDATE_VADDR, 11, (1L << 32) | TYPE1V2, -1L}) {
            assertEquals(0, h.value(VFIO_CHECK_EXTENSION, ext), "extension " + ext);
        }
    }

    @Test
    void dmaCcIommuNeedsTheCompatIoasAndTellsWhetherEveryDomainEnforcesCoherency() throws Exception {
        long cc = UapiConstants.VFIO_DMA_CC_IOMMU;
        h.valueFails(Errno.ENODEV, VFIO_CHECK_EXTENSION, cc);
        IoPagetable iopt = h.iopt(h.compatIoas());
        assertEquals(1, h.value(VFIO_CHECK_EXTENSION, cc), "no domain: nothing breaks coherency");
        iopt.addDomain(new TestDomain(PAGE, true));
        assertEquals(1, h.value(VFIO_CHECK_EXTENSION, cc));
        TestDomain plain = new TestDomain(PAGE, false);
        iopt.addDomain(plain);
        assertEquals(0, h.value(VFIO_CHECK_EXTENSION, cc));
        iopt.removeDomain(plain);
        assertEquals(1, h.value(VFIO_CHECK_EXTENSION, cc));
    }

    @Test
    void setIommuRefusesEveryOtherTypeWithEinvalBeforeLookingForTheCompatIoas() throws Exception {
        long[] others = {0, UapiConstants.VFIO_SPAPR_TCE_IOMMU, UapiConstants.VFIO_DMA_CC_IOMMU,
            UapiConstants.__VFIO_RESERVED_TYPE1_NESTING_IOMMU, UapiConstants.VFIO_NOIOMMU_IOMMU, (1L << 32) | TYPE1};
        for (long type : others) {
            h.valueFails(Errno.EINVAL, VFIO_SET_IOMMU, type);
        }
        h.valueFails(Errno.ENODEV, VFIO_SET_IOMMU, TYPE1V2);
        h.valueFails(Errno.ENODEV, VFIO_SET_IOMMU, TYPE1);
        IoPagetable iopt = h.iopt(h.compatIoas());
        for (long type : others) {
            h.valueFails(Errno.EINVAL, VFIO_SET_IOMMU, type);
        }
        assertTrue(iopt.largePagesEnabled());
    }

    @Test
    void type1DisablesHugePagesAndType1v2LeavesThemAsTheyAre() throws Exception {
        IoPagetable iopt = h.iopt(h.compatIoas());
        assertEquals(0, h.value(VFIO_SET_IOMMU, TYPE1V2));
        assertTrue(iopt.largePagesEnabled());
        assertEquals(1, iopt.iovaAlignment());
        assertEquals(0, h.value(VFIO_SET_IOMMU, TYPE1));
        assertFalse(iopt.largePagesEnabled());
        assertEquals(PAGE, iopt.iovaAlignment());
        assertEquals(0, h.value(VFIO_SET_IOMMU, TYPE1V2));
        assertFalse(iopt.largePagesEnabled(), "TYPE1v2 does not enable them again");
        assertEquals(0, h.value(VFIO_SET_IOMMU, TYPE1));
    }

    @Test
    void type1FailsWithEinvalOnceADomainHoldsMappingsAndKeepsHugePages() throws Exception {
        int ioas = h.compatIoas();
        IoPagetable iopt = h.iopt(ioas);
        iopt.addDomain(new TestDomain(PAGE | (2L << 20), true));
        h.mapDma(h.buffer, 4 * PAGE, 1L << 32, RW);
        h.valueFails(Errno.EINVAL, VFIO_SET_IOMMU, TYPE1);
        assertTrue(iopt.largePagesEnabled());
        assertEquals(List.of("100000000+4000"), h.areas(ioas));
        assertEquals(0, h.value(VFIO_SET_IOMMU, TYPE1V2));
    }

    @Test
    void type1FailsWithEaddrinuseForAMappingNotPageAligned() throws Exception {
        int ioas = h.compatIoas();
        IoPagetable iopt = h.iopt(ioas);
        h.ioctl(IOMMU_IOAS_MAP, "ioas_id", ioas, "flags", 7, "user_va", h.buffer + 0x800, "length", 0x800,
                "iova", (1L << 32) + 0x800);
        h.valueFails(Errno.EADDRINUSE, VFIO_SET_IOMMU, TYPE1);
        assertTrue(iopt.largePagesEnabled());
        assertEquals(1, iopt.iovaAlignment());
    }

    @Test
    void theDirtyPagesIoctlAndOtherContainerNumbersAreEnotty() throws Exception {
        int ioas = h.compatIoas();
        h.fails(Errno.ENOTTY, VFIO_IOMMU_DIRTY_PAGES, "flags", UapiConstants.VFIO_IOMMU_DIRTY_PAGES_FLAG_START);
        int vfioGroupGetStatus = 0x3b67;
        int vfioIommuEnable = 0x3b73;
        int checkExtensionWithDirectionBits = 0x40043b65; // _IOW(';', 101, __u32)
        for (int cmd : new int[] {vfioGroupGetStatus, vfioIommuEnable, checkExtensionWithDirectionBits}) {
            assertEquals(Errno.ENOTTY, assertThrows(IommufdException.class,
                    () -> h.ctx.ioctl(h.main, cmd, TYPE1V2, h.main.memory())).errno());
        }
        assertTrue(h.iopt(ioas).largePagesEnabled());
    }
}
