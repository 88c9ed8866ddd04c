package io.iommufdsim.scenario.internal;

import io.iommufdsim.api.SimMachineFactory;
import io.iommufdsim.scenario.ScenarioRunner;
import io.iommufdsim.scenario.internal.ops.OpCatalog;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

/**
 * The scenario runner service (scenario-format.md). Outside OSGi, construct it with any
 * {@link SimMachineFactory}: {@code new ScenarioRunnerComponent(factory)}.
 */
@Component(service = ScenarioRunner.class)
public final class ScenarioRunnerComponent implements ScenarioRunner {
    private final SimMachineFactory factory;
    private final OpCatalog catalog = new OpCatalog();

    @Activate
    public ScenarioRunnerComponent(@Reference(name = "factory") SimMachineFactory factory) {
        this.factory = Objects.requireNonNull(factory);
    }

    @Override
    public int run(List<Path> paths, boolean json, Map<String, String> only, PrintStream out) {
        return new ScenarioExecution(factory, catalog, only == null ? Map.of() : only, out, json).run(paths);
    }
}
