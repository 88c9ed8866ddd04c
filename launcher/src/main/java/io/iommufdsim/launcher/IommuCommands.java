package io.iommufdsim.launcher;

import io.iommufdsim.api.SimMachineFactory;
import io.iommufdsim.scenario.ScenarioRunner;
import io.iommufdsim.spi.IommuDriver;
import java.io.File;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentSkipListMap;
import org.apache.felix.service.command.CommandSession;
import org.apache.felix.service.command.Descriptor;
import org.osgi.framework.Bundle;
import org.osgi.framework.ServiceReference;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;

/**
 * The Gogo shell commands {@code iommu:run}, {@code iommu:demo} and {@code iommu:status}: the same
 * command line as {@code ./iommufd-sim}, inside a running framework. {@code iommu:status} also lists
 * the vendor drivers loaded now, so that stopping and starting a driver bundle (Gogo's {@code stop}
 * and {@code start}) shows.
 */
@Component(service = Object.class, property = {
        "osgi.command.scope=iommu",
        "osgi.command.function=run",
        "osgi.command.function=demo",
        "osgi.command.function=status" })
public final class IommuCommands {
    private static final String GOGO_CWD = "_cwd";

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    private volatile ScenarioRunner runner;

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    private volatile ServiceReference<ScenarioRunner> runnerReference;

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    private volatile ServiceReference<SimMachineFactory> machineFactoryReference;

    /** The loaded drivers by service id: "name (bundle version)". */
    private final Map<Long, String> drivers = new ConcurrentSkipListMap<>();

    @Reference(service = IommuDriver.class, cardinality = ReferenceCardinality.MULTIPLE,
            policy = ReferencePolicy.DYNAMIC, policyOption = ReferencePolicyOption.GREEDY, unbind = "unbindDriver")
    void bindDriver(IommuDriver driver, ServiceReference<IommuDriver> reference) {
        drivers.put(serviceId(reference), driver.name() + " (" + provider(reference) + ")");
    }

    void unbindDriver(ServiceReference<IommuDriver> reference) {
        drivers.remove(serviceId(reference));
    }

    @Descriptor("run scenario files: [--json] [--only KEY=VALUE]... FILE_OR_DIR...; returns the exit status")
    public int run(CommandSession session, @Descriptor("options and scenario files or directories") String... args) {
        List<String> line = new ArrayList<>(args.length + 1);
        line.add("run");
        line.addAll(List.of(args));
        return command().execute(line, workingDirectory(session));
    }

    @Descriptor("run the demo scenario (the main job of ./iommufd-sim); returns the exit status")
    public int demo(CommandSession session) {
        return command().execute(List.of(), workingDirectory(session));
    }

    @Descriptor("which bundles provide the simulator's services, and the IOMMU drivers loaded now")
    public String status() {
        List<String> loaded = List.copyOf(drivers.values());
        return "machine factory: " + provider(machineFactoryReference) + System.lineSeparator()
                + "scenario runner: " + provider(runnerReference) + System.lineSeparator()
                + "drivers: " + (loaded.isEmpty() ? "none" : String.join(", ", loaded));
    }

    private ScenarioCommand command() {
        // Gogo points System.out/err at the session's streams while a command runs
        return new ScenarioCommand(() -> runner, System.out, System.err);
    }

    /**
     * The shell's current directory: gogo.command's {@code cd} keeps it as a File in the session
     * variable {@value #GOGO_CWD}; else the session's own, else the JVM's.
     */
    private static Path workingDirectory(CommandSession session) {
        if (session.get(GOGO_CWD) instanceof File cwd) {
            return cwd.toPath();
        }
        Path current = session.currentDir();
        return current != null ? current : Path.of("").toAbsolutePath();
    }

    private static long serviceId(ServiceReference<?> reference) {
        return (Long) reference.getProperty("service.id");
    }

    private static String provider(ServiceReference<?> reference) {
        if (reference == null) {
            return "not available";
        }
        Bundle bundle = reference.getBundle();
        return bundle == null ? "not available" : bundle.getSymbolicName() + " " + bundle.getVersion();
    }
}
