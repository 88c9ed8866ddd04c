package io.iommufdsim.driver.vtd;

import io.iommufdsim.api.IommufdException;
import io.iommufdsim.spi.IommuDomain;
import io.iommufdsim.spi.IommuInstance;
import io.iommufdsim.spi.PagingDomainSpec;

/** A paging domain whose dirty-tracking state and iopf handler the test sets, as the core does. */
final class SwitchableDomain implements IommuDomain {
    private final IommuInstance allocatedBy;
    private final PagingDomainSpec spec;
    private final long rootPa;
    private final int allocFlags;
    boolean dirtyTracking;
    boolean faultHandler;

    private SwitchableDomain(IommuInstance allocatedBy, PagingDomainSpec spec, long rootPa, int allocFlags) {
        this.allocatedBy = allocatedBy;
        this.spec = spec;
        this.rootPa = rootPa;
        this.allocFlags = allocFlags;
    }

    static SwitchableDomain allocate(VtdInstance unit, VtdTestPlatform platform, TestDevice device, int flags)
            throws IommufdException {
        return new SwitchableDomain(unit, unit.allocatePagingDomain(device, flags), platform.allocateTablePage(),
                flags);
    }

    @Override
    public IommuInstance allocatedBy() {
        return allocatedBy;
    }

    @Override
    public PagingDomainSpec spec() {
        return spec;
    }

    @Override
    public long rootPa() {
        return rootPa;
    }

    @Override
    public int allocFlags() {
        return allocFlags;
    }

    @Override
    public boolean dirtyTracking() {
        return dirtyTracking;
    }

    @Override
    public boolean hasFaultHandler() {
        return faultHandler;
    }
}
