package io.iommufdsim.driver.vtd;

import static io.iommufdsim.api.uapi.UapiConstants.IOMMU_HWPT_ALLOC_DIRTY_TRACKING;
import static io.iommufdsim.api.uapi.UapiConstants.IOMMU_HWPT_ALLOC_NEST_PARENT;
import static io.iommufdsim.api.uapi.UapiConstants.IOMMU_HWPT_ALLOC_PASID;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.iommufdsim.api.Errno;
import io.iommufdsim.api.IommufdException;
import io.iommufdsim.api.IovaRange;
import io.iommufdsim.spi.HwInfo;
import io.iommufdsim.spi.IommuConfig;
import io.iommufdsim.spi.PageTableFeatures;
import io.iommufdsim.spi.PagingDomainSpec;

import java.util.HexFormat;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

/** hw_info bytes, reserved regions and intel_iommu_domain_alloc_paging_flags. */
class VtdDomainChoiceTest {
    private static final long SZ_4K = 1L << 12;
    private static final long SZ_2M = 1L << 21;
    private static final long SZ_1G = 1L << 30;

    private final VtdTestPlatform platform = new VtdTestPlatform();
    private final TestDevice nic = new TestDevice("nic0", 0x0100, 20, false);

    private VtdInstance instance(Map<String, Object> config) throws IommufdException {
        return (VtdInstance) new VtdDriver().createInstance("u", IommuConfig.parse(config), platform);
    }

    @Test
    void hwInfoIsStructIommuHwInfoVtdWithTheErrataFlagAndRawRegisters() throws IommufdException {
        HwInfo info = instance(Map.of()).hwInfo(nic, 0);
        assertEquals(1, info.type());
        // flags = ERRATA_772415_SPR17, __reserved, cap_reg, ecap_reg, little endian
        assertEquals("01000000" + "00000000" + "66046f408c00ed09" + "df50f0a69eef0300", HexFormat.of().formatHex(info.data()));
        assertArrayEquals(info.data(), instance(Map.of()).hwInfo(nic, 1).data());
    }

    @Test
    void hwInfoOfAnotherVendorTypeIsEopnotsupp() throws IommufdException {
        VtdInstance u = instance(Map.of());
        assertEquals(Errno.EOPNOTSUPP, assertThrows(IommufdException.class, () -> u.hwInfo(nic, 2)).errno());
    }

    @Test
    void reservedRegionIsTheInterruptWindow() throws IommufdException {
        assertEquals(List.of(new IovaRange(0xfee00000L, 0xfeefffffL)), instance(Map.of()).reservedRegions(nic));
    }

    @Test
    void plainDomainIsFirstStage4LevelOverTheLowerCanonicalHalf() throws IommufdException {
        PagingDomainSpec s = instance(Map.of()).allocatePagingDomain(nic, 0);
        assertEquals("x86-64-4", s.format().name());
        assertEquals(48, s.format().vaBits());
        assertEquals(0, s.apertureStart());
        assertEquals((1L << 47) - 1, s.apertureEnd());
        assertEquals(SZ_4K | SZ_2M | SZ_1G, s.pageSizeBitmap());
        assertEquals(PageTableFeatures.FORCE_COHERENCE, s.features(), "the default unit has ECAP.SC");
    }

    @Test
    void pasidFlagStillGivesFirstStage() throws IommufdException {
        assertEquals("x86-64-4", instance(Map.of()).allocatePagingDomain(nic, IOMMU_HWPT_ALLOC_PASID).format().name());
    }

    @Test
    void nestParentIsAForceWriteableSecondStageDomain() throws IommufdException {
        PagingDomainSpec s = instance(Map.of()).allocatePagingDomain(nic, IOMMU_HWPT_ALLOC_NEST_PARENT);
        assertEquals("vtd-ss-4", s.format().name());
        assertEquals((1L << 48) - 1, s.apertureEnd());
        assertEquals(SZ_4K | SZ_2M | SZ_1G, s.pageSizeBitmap());
        assertEquals(PageTableFeatures.FORCE_WRITEABLE | PageTableFeatures.FORCE_COHERENCE, s.features());
    }

    @Test
    void dirtyTrackingIsASecondStageDomain() throws IommufdException {
        PagingDomainSpec s = instance(Map.of()).allocatePagingDomain(nic, IOMMU_HWPT_ALLOC_DIRTY_TRACKING);
        assertEquals("vtd-ss-4", s.format().name());
        assertEquals(PageTableFeatures.DIRTY_TRACKING | PageTableFeatures.FORCE_COHERENCE, s.features());
    }

    @Test
    void withoutFirstStageAPlainDomainIsSecondStage() throws IommufdException {
        VtdInstance u = instance(Map.of("levels", 3L));
        PagingDomainSpec s = u.allocatePagingDomain(nic, 0);
        assertEquals("vtd-ss-3", s.format().name());
        assertEquals((1L << 39) - 1, s.apertureEnd());
    }

    @Test
    void secondStagePageSizesFollowSllps() throws IommufdException {
        VtdInstance u = instance(Map.of("page_sizes", List.of("4k", "2m")));
        assertEquals(SZ_4K | SZ_2M, u.allocatePagingDomain(nic, IOMMU_HWPT_ALLOC_NEST_PARENT).pageSizeBitmap());
        assertEquals(SZ_4K | SZ_2M, u.allocatePagingDomain(nic, 0).pageSizeBitmap()); // FL1GP clear
    }

    @Test
    void nestParentWithoutNestingIsEopnotsupp() throws IommufdException {
        VtdInstance u = instance(Map.of("nesting", false));
        assertEquals(Errno.EOPNOTSUPP, assertThrows(IommufdException.class,
                () -> u.allocatePagingDomain(nic, IOMMU_HWPT_ALLOC_NEST_PARENT)).errno());
    }

    @Test
    void dirtyTrackingWithoutSsadsIsEopnotsupp() throws IommufdException {
        VtdInstance u = instance(Map.of("dirty_tracking", false));
        assertEquals(Errno.EOPNOTSUPP, assertThrows(IommufdException.class,
                () -> u.allocatePagingDomain(nic, IOMMU_HWPT_ALLOC_DIRTY_TRACKING)).errno());
    }

    @Test
    void dirtyTrackingOnAFirstStageOnlyUnitIsEopnotsupp() throws IommufdException {
        long ecap = VtdRegisters.DEFAULT.ecap() & ~((1L << 46) | (1L << 26)); // no SLTS, no NEST
        VtdInstance u = instance(Map.of("ecap_reg", Long.toString(ecap)));
        assertEquals("x86-64-4", u.allocatePagingDomain(nic, 0).format().name());
        assertEquals(Errno.EOPNOTSUPP, assertThrows(IommufdException.class,
                () -> u.allocatePagingDomain(nic, IOMMU_HWPT_ALLOC_DIRTY_TRACKING)).errno());
    }

    @Test
    void legacyModeGivesSecondStageOnly() throws IommufdException {
        // SMTS, NEST, PASID, SLADS, SLTS, FLTS, SMPWC clear: a legacy-mode unit
        long ecap = VtdRegisters.DEFAULT.ecap() & ~(1L << 43 | 1L << 26 | 1L << 40 | 1L << 45 | 1L << 46 | 1L << 47 | 1L << 48);
        VtdInstance u = instance(Map.of("ecap_reg", Long.toString(ecap)));
        assertEquals("vtd-ss-4", u.allocatePagingDomain(nic, 0).format().name());
        assertEquals(0, u.capabilities().maxPasidBits());
    }
}
