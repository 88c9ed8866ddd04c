package io.iommufdsim.scenario.internal;

import io.iommufdsim.api.SimMachineFactory;
import io.iommufdsim.core.iommufd.SimMachineFactoryComponent;
import io.iommufdsim.driver.vtd.VtdDriver;

/**
 * The core's SimMachineFactory outside OSGi, with every vendor driver the project has loaded, as the
 * launcher's framework has them.
 */
final class RealCore {
    private RealCore() {
    }

    static SimMachineFactory factory() {
        SimMachineFactoryComponent factory = new SimMachineFactoryComponent();
        factory.addDriver(new VtdDriver());
        return factory;
    }
}
