package io.iommufdsim.driver.vtd;

import io.iommufdsim.api.Errno;
import io.iommufdsim.api.IommufdException;
import io.iommufdsim.spi.IommuConfig;

import java.util.Set;

/**
 * Turns a SIM_IOMMU_ADD configuration into the unit's CAP/ECAP registers: the raw {@code cap_reg} /
 * {@code ecap_reg} (default {@link VtdRegisters#DEFAULT}), then each common key sets or clears the
 * register bits behind it. The result must be a unit Linux would drive; anything else is EINVAL.
 * See driver.intel-vtd/README.md for the table of keys.
 */
final class VtdConfig {
    static final String CAP_REG = "cap_reg";
    static final String ECAP_REG = "ecap_reg";
    private static final Set<String> DRIVER_KEYS = Set.of(CAP_REG, ECAP_REG);

    private static final long SZ_4K = 1L << 12;
    private static final long SZ_2M = 1L << 21;
    private static final long SZ_1G = 1L << 30;

    private VtdConfig() {
    }

    static VtdRegisters registers(IommuConfig config) throws IommufdException {
        config.requireDriverKeys(DRIVER_KEYS);
        VtdRegisters r = new VtdRegisters(config.driverNumber(CAP_REG, VtdRegisters.DEFAULT.cap()),
                config.driverNumber(ECAP_REG, VtdRegisters.DEFAULT.ecap()));
        if (config.levels() != 0) {
            r = withLevels(r, config.levels(), config.nesting());
        }
        if (config.pageSizes() != 0) {
            r = withPageSizes(r, config.pageSizes());
        }
        if (config.nesting() != null) {
            r = r.withEcap(VtdRegisters.ECAP_NEST, config.nesting());
        }
        if (config.dirtyTracking() != null) {
            r = r.withEcap(VtdRegisters.ECAP_SLADS, config.dirtyTracking());
        }
        if (config.pasid() != null) {
            r = r.withEcap(VtdRegisters.ECAP_PASID, config.pasid());
        }
        check(r, config);
        return r;
    }

    /**
     * {@code levels}: the depth of the host paging domain. 4 or 5 set SAGAW to that depth alone and
     * MGAW to 48 or 57 (5 also sets FL5LP so first-stage domains get 5 levels too); 3 sets SAGAW to
     * 39-bit tables and MGAW 39 and clears first stage (FLTS) and nesting, since x86 first-stage
     * tables have 4 or 5 levels and a unit with FLTS and only 3-level SAGAW has no usable AGAW
     * (iommu.c __iommu_calculate_sagaw).
     */
    private static VtdRegisters withLevels(VtdRegisters r, int levels, Boolean nesting) throws IommufdException {
        if (levels < 3 || levels > 5) {
            throw invalid();
        }
        int agaw = levels - 2;
        r = r.withCapField(VtdRegisters.CAP_SAGAW, 5, 1L << agaw)
                .withCapField(VtdRegisters.CAP_MGAW, 6, 30 + 9 * agaw - 1)
                .withCap(VtdRegisters.CAP_FL5LP, levels == 5);
        if (levels == 3) {
            if (Boolean.TRUE.equals(nesting)) {
                throw invalid();
            }
            r = r.withEcap(VtdRegisters.ECAP_FLTS, false).withEcap(VtdRegisters.ECAP_NEST, false);
        }
        return r;
    }

    /**
     * {@code page_sizes}: 4K, 2M and 1G only. 2M and 1G set CAP.SLLPS bits 34/35, 1G also CAP.FL1GP.
     * First-stage tables always allow 2 MiB pages (no capability bit), so a list without 2M on a unit
     * with first stage is a unit that cannot exist.
     */
    private static VtdRegisters withPageSizes(VtdRegisters r, long sizes) throws IommufdException {
        if ((sizes & ~(SZ_4K | SZ_2M | SZ_1G)) != 0 || (sizes & SZ_4K) == 0) {
            throw invalid();
        }
        boolean twoM = (sizes & SZ_2M) != 0;
        boolean oneG = (sizes & SZ_1G) != 0;
        if (!twoM && r.scalableMode() && r.flts()) {
            throw invalid();
        }
        return r.withCapField(VtdRegisters.CAP_SLLPS, 4, (twoM ? 1 : 0) | (oneG ? 2 : 0))
                .withCap(VtdRegisters.CAP_FL1GP, oneG);
    }

    /** A unit Linux would not drive, or a common key the registers cannot honour: EINVAL. */
    private static void check(VtdRegisters r, IommuConfig config) throws IommufdException {
        if ((r.cap() & 7) == 7) { // ND 7 is reserved (§11.4.2)
            throw invalid();
        }
        if (r.mgaw() <= 30) {
            throw invalid();
        }
        // dmar.c alloc_iommu: no SAGAW on a unit that needs second stage, or no valid AGAW → ignored
        if (r.sagaw() == 0 && (!r.smts() || r.slts())) {
            throw invalid();
        }
        if (r.agaw() < 0) {
            throw invalid();
        }
        if (r.scalableMode() && !r.flts() && !r.slts()) {
            throw invalid();
        }
        if ((!r.scalableMode() || r.slts()) && r.secondStageGeometry() == null) {
            throw invalid();
        }
        // §3.8: nested translation walks a first-stage table through a second-stage one
        if (r.nest() && (!r.flts() || !r.slts())) {
            throw invalid();
        }
        if (Boolean.TRUE.equals(config.nesting()) && !r.nestedSupported()) {
            throw invalid();
        }
        if (Boolean.TRUE.equals(config.dirtyTracking()) && !r.ssadsSupported()) {
            throw invalid();
        }
        if (Boolean.TRUE.equals(config.pasid()) && !r.pasidSupported()) {
            throw invalid();
        }
    }

    private static IommufdException invalid() {
        return new IommufdException(Errno.EINVAL);
    }
}
