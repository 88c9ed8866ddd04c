package io.iommufdsim.core.iommufd;

import io.iommufdsim.api.SimMachine;
import io.iommufdsim.api.SimMachineFactory;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;

/** The SimMachineFactory service: each call builds an independent machine with the core handlers. */
@Component(service = SimMachineFactory.class)
public final class SimMachineFactoryComponent implements SimMachineFactory {

    /** Used by SCR, and directly by code that runs without a framework. */
    @Activate
    public SimMachineFactoryComponent() {
    }

    @Override
    public SimMachine newMachine() {
        return SimMachineImpl.create();
    }
}
