package io.iommufdsim.api;

import org.osgi.annotation.versioning.ProviderType;

/** The OSGi service that builds simulated machines; each scenario row gets a fresh one. */
@ProviderType
public interface SimMachineFactory {
    SimMachine newMachine();
}
