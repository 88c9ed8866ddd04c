package io.iommufdsim.core.iommufd;

import io.iommufdsim.api.Errno;
import io.iommufdsim.api.IommufdException;
import io.iommufdsim.api.SimMachine;
import io.iommufdsim.api.SimMachineFactory;
import io.iommufdsim.core.device.DriverRegistry;
import io.iommufdsim.spi.IommuDriver;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleException;
import org.osgi.framework.ServiceReference;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;

/**
 * The SimMachineFactory service: each call builds an independent machine with the core handlers and
 * the default instance of every loaded IOMMU driver. Drivers are {@link IommuDriver} services tracked
 * dynamically: one that arrives reaches every live machine, one that leaves (its bundle stopping)
 * takes its instances and dependent objects with it. SIM_DRIVER_STOP/START stop and start the bundle
 * that registered the driver. Without a framework, {@link #addDriver}/{@link #removeDriver} hand
 * drivers in and the registry itself deactivates and reactivates them.
 */
@Component(service = SimMachineFactory.class)
public final class SimMachineFactoryComponent implements SimMachineFactory {
    private final DriverRegistry registry = new DriverRegistry();
    private final Map<String, Bundle> bundles = new ConcurrentHashMap<>();

    /** Used by SCR, and directly by code that runs without a framework. */
    @Activate
    public SimMachineFactoryComponent() {
    }

    @Override
    public SimMachine newMachine() {
        return SimMachineImpl.create(registry);
    }

    /** DS bind of a driver service; remembers the bundle that registered it for stop/start. */
    @Reference(service = IommuDriver.class, cardinality = ReferenceCardinality.MULTIPLE,
            policy = ReferencePolicy.DYNAMIC, unbind = "unbindDriver")
    void bindDriver(IommuDriver driver, ServiceReference<IommuDriver> reference) {
        Bundle bundle = reference.getBundle();
        if (bundle != null) {
            bundles.put(driver.name(), bundle);
            registry.setBundleControl(new BundleLifecycle());
        }
        registry.addDriver(driver);
    }

    void unbindDriver(IommuDriver driver) {
        registry.removeDriver(driver);
    }

    /** Without a framework: a driver is loaded. */
    public void addDriver(IommuDriver driver) {
        registry.addDriver(driver);
    }

    /** Without a framework: a driver is unloaded. */
    public void removeDriver(IommuDriver driver) {
        registry.removeDriver(driver);
    }

    /** Stops and starts the bundle that registered a driver; its service events then do the rest. */
    private final class BundleLifecycle implements DriverRegistry.BundleControl {
        @Override
        public void stop(String driver) throws IommufdException {
            try {
                bundle(driver).stop(Bundle.STOP_TRANSIENT);
            } catch (BundleException e) {
                throw new IommufdException(Errno.EIO, e.getMessage());
            }
        }

        @Override
        public void start(String driver) throws IommufdException {
            try {
                bundle(driver).start(Bundle.START_TRANSIENT);
            } catch (BundleException e) {
                throw new IommufdException(Errno.EIO, e.getMessage());
            }
        }

        private Bundle bundle(String driver) throws IommufdException {
            Bundle b = bundles.get(driver);
            if (b == null) {
                throw new IommufdException(Errno.ENOENT);
            }
            return b;
        }
    }
}
