package io.iommufdsim.launcher;

import java.util.Dictionary;
import java.util.Hashtable;
import java.util.concurrent.Callable;
import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceRegistration;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;

/**
 * The batch entry of {@code ./iommufd-sim}: when the framework property {@value CommandLine#ARGS_PROPERTY}
 * is set, registers a {@link BatchMain} as the bnd launcher's main-thread service. The launcher calls it
 * once every bundle has started and exits with its result (toolchain.md §7). Without the property
 * nothing is registered and the launcher is an ordinary Gogo shell.
 */
@Component(immediate = true)
public final class BatchEntry {
    /** The bnd launcher (aQute.launcher) runs the Callable or Runnable service with this property. */
    static final String MAIN_THREAD = "main.thread";

    private ServiceRegistration<?> registration;

    @Activate
    void activate(BundleContext context) {
        String encoded = context.getProperty(CommandLine.ARGS_PROPERTY);
        if (encoded == null) {
            return;
        }
        Dictionary<String, Object> properties = new Hashtable<>();
        properties.put(MAIN_THREAD, Boolean.TRUE);
        registration = context.registerService(Callable.class,
                new BatchMain(context, CommandLine.decode(encoded)), properties);
    }

    @Deactivate
    void deactivate() {
        if (registration != null) {
            registration.unregister();
            registration = null;
        }
    }
}
