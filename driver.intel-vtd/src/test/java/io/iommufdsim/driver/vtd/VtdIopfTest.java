package io.iommufdsim.driver.vtd;

import static io.iommufdsim.spi.IommuInstance.NO_PASID;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.iommufdsim.api.Errno;
import io.iommufdsim.api.IommufdException;
import io.iommufdsim.spi.IommuConfig;
import io.iommufdsim.spi.TranslationConfig;

import java.util.Map;

import org.junit.jupiter.api.Test;

/**
 * A domain with an iopf handler needs the device's PRI enabled (intel/iommu.c intel_iommu_enable_iopf):
 * ENODEV otherwise, checked after paging_domain_compatible and, for a PASID, after the domain id.
 */
class VtdIopfTest {
    private final VtdTestPlatform platform = new VtdTestPlatform();
    private final TestDevice nic = new TestDevice("nic0", 0x3a11, 20, false);
    private final TestDevice gpu = new TestDevice("gpu0", 0x3a90, 20, true);

    private VtdInstance instance(Map<String, Object> config) throws IommufdException {
        return (VtdInstance) new VtdDriver().createInstance("intel-vtd", IommuConfig.parse(config), platform);
    }

    private SwitchableDomain faultDomain(VtdInstance u) throws IommufdException {
        SwitchableDomain d = SwitchableDomain.allocate(u, platform, nic, 0);
        d.faultHandler = true;
        return d;
    }

    @Test
    void aFaultDomainOnADeviceWithoutPriIsEnodevAndTheOldDomainStays() throws IommufdException {
        VtdInstance u = instance(Map.of());
        SwitchableDomain plain = SwitchableDomain.allocate(u, platform, nic, 0);
        SwitchableDomain fault = faultDomain(u);
        u.block(nic, NO_PASID);
        u.attach(nic, NO_PASID, plain);
        TranslationConfig before = u.readTranslation(nic, NO_PASID);
        long pages = platform.inUse();
        assertEquals(Errno.ENODEV, assertThrows(IommufdException.class, () -> u.attach(nic, NO_PASID, fault)).errno());
        assertEquals(Errno.ENODEV, assertThrows(IommufdException.class, () -> u.attach(nic, 3, fault)).errno());
        assertEquals(before, u.readTranslation(nic, NO_PASID));
        assertSame(TranslationConfig.blocked(), u.readTranslation(nic, 3));
        assertEquals(-1, u.domainTag(fault));
        assertEquals(pages, platform.inUse());
    }

    @Test
    void aFaultDomainOnAPriDeviceAttachesToTheRidAndAPasid() throws IommufdException {
        VtdInstance u = instance(Map.of());
        SwitchableDomain fault = faultDomain(u);
        u.block(gpu, NO_PASID);
        u.attach(gpu, NO_PASID, fault);
        u.attach(gpu, 3, fault);
        assertEquals(fault.rootPa(), u.readTranslation(gpu, NO_PASID).rootPa());
        assertEquals(fault.rootPa(), u.readTranslation(gpu, 3).rootPa());
    }

    @Test
    void withoutPageRequestSupportInTheUnitEvenAPriDeviceIsEnodev() throws IommufdException {
        VtdInstance u = instance(Map.of("ecap_reg", Long.toString(VtdRegisters.DEFAULT.ecap() & ~(1L << 29))));
        SwitchableDomain fault = faultDomain(u);
        u.block(gpu, NO_PASID);
        assertEquals(Errno.ENODEV, assertThrows(IommufdException.class, () -> u.attach(gpu, NO_PASID, fault)).errno());
        assertSame(TranslationConfig.blocked(), u.readTranslation(gpu, NO_PASID));
    }

    @Test
    void anIncompatibleDomainIsEinvalBeforeTheIopfCheck() throws IommufdException {
        VtdInstance big = instance(Map.of());
        VtdInstance small = instance(Map.of("dirty_tracking", false));
        SwitchableDomain d = SwitchableDomain.allocate(big, platform, nic,
                io.iommufdsim.api.uapi.UapiConstants.IOMMU_HWPT_ALLOC_DIRTY_TRACKING);
        d.faultHandler = true;
        small.block(nic, NO_PASID);
        assertEquals(Errno.EINVAL, assertThrows(IommufdException.class, () -> small.attach(nic, NO_PASID, d)).errno());
    }

    @Test
    void theRidChecksIopfBeforeTheDomainIdAndAPasidAfterIt() throws IommufdException {
        // ND 0: 16 ids, 2..15 usable; 14 domains take them all
        VtdInstance u = instance(Map.of("cap_reg", Long.toString(VtdRegisters.DEFAULT.cap() & ~7L)));
        for (int i = 0; i < 14; i++) {
            TestDevice d = new TestDevice("d" + i, 0x0100 + i, 0, false);
            u.block(d, NO_PASID);
            u.attach(d, NO_PASID, SwitchableDomain.allocate(u, platform, d, 0));
        }
        SwitchableDomain fault = faultDomain(u);
        u.block(nic, NO_PASID);
        assertEquals(Errno.ENODEV, assertThrows(IommufdException.class, () -> u.attach(nic, NO_PASID, fault)).errno());
        assertEquals(Errno.ENOSPC, assertThrows(IommufdException.class, () -> u.attach(nic, 3, fault)).errno());
        assertSame(TranslationConfig.blocked(), u.readTranslation(nic, 3));
    }
}
