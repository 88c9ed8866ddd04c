package io.iommufdsim.driver.vtd;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.iommufdsim.api.Errno;
import io.iommufdsim.api.IommufdException;
import io.iommufdsim.spi.IommuCapabilities;
import io.iommufdsim.spi.IommuConfig;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

/** CAP/ECAP decoding of the default unit and of SIM_IOMMU_ADD configurations. */
class VtdConfigTest {
    private final VtdTestPlatform platform = new VtdTestPlatform();

    private static IommuConfig config(Object... kv) throws IommufdException {
        Map<String, Object> m = new LinkedHashMap<>();
        for (int i = 0; i < kv.length; i += 2) {
            m.put((String) kv[i], kv[i + 1]);
        }
        return IommuConfig.parse(m);
    }

    private VtdInstance instance(IommuConfig config) throws IommufdException {
        return (VtdInstance) new VtdDriver().createInstance("u", config, platform);
    }

    private void assertEinval(IommuConfig config) {
        long before = platform.inUse();
        IommufdException e = assertThrows(IommufdException.class, () -> instance(config));
        assertEquals(Errno.EINVAL, e.errno());
        assertEquals(before, platform.inUse());
    }

    @Test
    void defaultUnitReadsAsA48BitScalableModeUnitWithEveryCapability() throws IommufdException {
        VtdRegisters r = instance(IommuConfig.EMPTY).registers();
        assertEquals(0x09ed008c406f0466L, r.cap());
        assertEquals(0x0003ef9ea6f050dfL, r.ecap());
        assertEquals(65536, r.domainIds());
        assertEquals(0b00100, r.sagaw());
        assertEquals(48, r.mgaw());
        assertEquals(0b11, r.sllps());
        assertTrue(r.fl1gp());
        assertFalse(r.fl5lp());
        assertFalse(r.cachingMode());
        assertFalse(r.rwbf());
        assertTrue(r.scalableMode() && r.flts() && r.slts() && r.nest() && r.pasid() && r.slads() && r.smpwc()
                && r.snoopControl() && r.deviceTlb() && r.pageRequests());
        assertEquals(19, r.pss());
        assertEquals(2, r.agaw());
        assertEquals(new VtdTableGeometry(4, 48), r.secondStageGeometry());
        assertEquals(new VtdTableGeometry(4, 48), r.firstStageGeometry());
    }

    @Test
    void defaultUnitReportsDirtyTrackingNestingAnd20BitPasids() throws IommufdException {
        IommuCapabilities c = instance(IommuConfig.EMPTY).capabilities();
        assertTrue(c.dirtyTracking());
        assertTrue(c.nesting());
        assertEquals(20, c.maxPasidBits());
        assertEquals(20, c.defaultDevicePasidBits());
        assertTrue(c.pciAts());
    }

    @Test
    void rawSapphireRapidsRegistersAreUsedAsGiven() throws IommufdException {
        VtdInstance u = instance(config("cap_reg", "0x9ed008c40780466", "ecap_reg", "0x3ee9e86f050df"));
        assertEquals(0x9ed008c40780466L, u.registers().cap());
        assertEquals(57, u.registers().mgaw());
        // that part has ECAP.PASID clear: no PASIDs, whatever PSS says
        assertEquals(0, u.capabilities().maxPasidBits());
        assertTrue(u.capabilities().dirtyTracking());
        // 4-level SAGAW with MGAW 57: second stage 4 levels limited to 48 bits (compute_vasz_lg2_ss)
        assertEquals(new VtdTableGeometry(4, 48), u.registers().secondStageGeometry());
    }

    @Test
    void commonKeysClearTheRegisterBitsBehindThem() throws IommufdException {
        VtdInstance u = instance(config("nesting", false, "dirty_tracking", false, "pasid", false));
        VtdRegisters r = u.registers();
        assertEquals(VtdRegisters.DEFAULT.ecap() & ~((1L << 26) | (1L << 45) | (1L << 40)), r.ecap());
        assertEquals(VtdRegisters.DEFAULT.cap(), r.cap());
        assertFalse(u.capabilities().nesting());
        assertFalse(u.capabilities().dirtyTracking());
        assertEquals(0, u.capabilities().maxPasidBits());
    }

    @Test
    void fiveLevelsSetSagawMgawAndFirstStage5LevelPaging() throws IommufdException {
        VtdRegisters r = instance(config("levels", 5L)).registers();
        assertEquals(0b01000, r.sagaw());
        assertEquals(57, r.mgaw());
        assertTrue(r.fl5lp());
        assertEquals(3, r.agaw());
        assertEquals(new VtdTableGeometry(5, 57), r.secondStageGeometry());
        assertEquals(new VtdTableGeometry(5, 57), r.firstStageGeometry());
    }

    @Test
    void threeLevelsMakeASecondStageOnlyUnitWith39BitTables() throws IommufdException {
        VtdRegisters r = instance(config("levels", 3L)).registers();
        assertEquals(0b00010, r.sagaw());
        assertEquals(39, r.mgaw());
        assertFalse(r.flts());
        assertFalse(r.nest());
        assertEquals(new VtdTableGeometry(3, 39), r.secondStageGeometry());
        assertNull(r.firstStageGeometry());
    }

    @Test
    void pageSizesSetSllpsAndFl1gp() throws IommufdException {
        VtdRegisters r = instance(config("page_sizes", List.of("4k", "2M"))).registers();
        assertEquals(0b01, r.sllps());
        assertFalse(r.fl1gp());
    }

    @Test
    void unknownKeyIsEinvalAndAllocatesNothing() throws IommufdException {
        assertEinval(config("caching_mode", true));
    }

    @Test
    void levelsTheHardwareCannotHaveAreEinval() throws IommufdException {
        assertEinval(config("levels", 2L));
        assertEinval(config("levels", 6L));
        assertEinval(config("levels", 3L, "nesting", true));
    }

    @Test
    void pageSizesWithout2MOnAFirstStageUnitOrWith512GAreEinval() throws IommufdException {
        assertEinval(config("page_sizes", List.of("4k")));
        assertEinval(config("page_sizes", List.of("4k", "2M", "512G")));
    }

    @Test
    void inconsistentRawRegistersAreEinval() throws IommufdException {
        assertEinval(config("cap_reg", Long.toString(VtdRegisters.DEFAULT.cap() | 7))); // ND 7 reserved
        assertEinval(config("cap_reg", Long.toString(VtdRegisters.DEFAULT.cap() & ~(0x1fL << 8)))); // no SAGAW
        assertEinval(config("ecap_reg", Long.toString(VtdRegisters.DEFAULT.ecap() & ~(3L << 46)))); // no FL/SL
        assertEinval(config("ecap_reg", Long.toString(VtdRegisters.DEFAULT.ecap() & ~(1L << 47)), "nesting", true));
        assertEinval(config("ecap_reg", Long.toString(VtdRegisters.DEFAULT.ecap() & ~(1L << 48)),
                "dirty_tracking", true)); // SSADS needs SMPWC
        assertEinval(config("cap_reg", "not a number"));
    }
}
