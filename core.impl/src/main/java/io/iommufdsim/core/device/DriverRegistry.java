package io.iommufdsim.core.device;

import io.iommufdsim.api.Errno;
import io.iommufdsim.api.IommufdException;
import io.iommufdsim.spi.IommuDriver;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The IOMMU drivers loaded in the framework (or handed in by a test), and the machines that follow
 * them: a driver that arrives gives every machine its instances, one that leaves takes them (and
 * every object depending on them) away. Stopping and starting a driver goes through a
 * {@link BundleControl}: in OSGi it stops and starts the bundle that registered the driver's service,
 * whose service then leaves and comes back; without a framework the registry itself deactivates and
 * reactivates the driver.
 *
 * <p>Lock order: this registry's monitor, then a machine's device layer.
 */
public final class DriverRegistry {
    /** Stops and starts a driver's bundle; the service events then reach {@link #removeDriver}/{@link #addDriver}. */
    public interface BundleControl {
        /** ENOENT when no bundle registered a driver by that name. */
        void stop(String driver) throws IommufdException;

        /** ENOENT when no bundle registered a driver by that name. */
        void start(String driver) throws IommufdException;
    }

    private final List<IommuDriver> active = new ArrayList<>();
    private final Map<String, IommuDriver> deactivated = new LinkedHashMap<>();
    private final List<DeviceLayer> layers = new ArrayList<>();
    private volatile BundleControl control;

    /** Hands stop/start to the framework (null: the registry deactivates drivers itself). */
    public void setBundleControl(BundleControl bundleControl) {
        this.control = bundleControl;
    }

    /** A driver service arrived (DS bind): every machine gets its instances. */
    public synchronized void addDriver(IommuDriver driver) {
        active.add(driver);
        deactivated.remove(driver.name());
        for (DeviceLayer layer : layers) {
            layer.driverArrived(driver);
        }
    }

    /** A driver service left (DS unbind): every machine loses its instances and what depends on them. */
    public synchronized void removeDriver(IommuDriver driver) {
        if (active.remove(driver)) {
            for (DeviceLayer layer : layers) {
                layer.driverGone(driver.name());
            }
        }
    }

    /** The loaded drivers, in arrival order. */
    public synchronized List<IommuDriver> drivers() {
        return List.copyOf(active);
    }

    synchronized IommuDriver driver(String name) {
        for (IommuDriver d : active) {
            if (d.name().equals(name)) {
                return d;
            }
        }
        return null;
    }

    /** A new machine follows the drivers: it gets the default instance of each loaded one. */
    synchronized void attach(DeviceLayer layer) {
        layers.add(layer);
        for (IommuDriver d : active) {
            layer.driverArrived(d);
        }
    }

    synchronized void detach(DeviceLayer layer) {
        layers.remove(layer);
    }

    /** SIM_DRIVER_STOP. Stopping a stopped driver does nothing; an unknown one is ENOENT. */
    public void stop(String name) throws IommufdException {
        BundleControl c = control;
        if (c != null) {
            c.stop(name);
            return;
        }
        synchronized (this) {
            IommuDriver d = driver(name);
            if (d == null) {
                if (!deactivated.containsKey(name)) {
                    throw new IommufdException(Errno.ENOENT);
                }
                return;
            }
            removeDriver(d);
            deactivated.put(name, d);
        }
    }

    /** SIM_DRIVER_START. Starting a running driver does nothing; an unknown one is ENOENT. */
    public void start(String name) throws IommufdException {
        BundleControl c = control;
        if (c != null) {
            c.start(name);
            return;
        }
        synchronized (this) {
            IommuDriver d = deactivated.get(name);
            if (d == null) {
                if (driver(name) == null) {
                    throw new IommufdException(Errno.ENOENT);
                }
                return;
            }
            addDriver(d);
        }
    }
}
