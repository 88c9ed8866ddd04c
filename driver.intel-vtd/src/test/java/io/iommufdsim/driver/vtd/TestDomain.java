package io.iommufdsim.driver.vtd;

import io.iommufdsim.api.IommufdException;
import io.iommufdsim.spi.IommuDomain;
import io.iommufdsim.spi.IommuInstance;
import io.iommufdsim.spi.PagingDomainSpec;

/** A paging domain as the core makes one: the instance's spec and an empty root table page. */
record TestDomain(IommuInstance allocatedBy, PagingDomainSpec spec, long rootPa, int allocFlags)
        implements IommuDomain {

    static TestDomain allocate(VtdInstance unit, VtdTestPlatform platform, TestDevice device, int flags)
            throws IommufdException {
        return new TestDomain(unit, unit.allocatePagingDomain(device, flags), platform.allocateTablePage(), flags);
    }
}
