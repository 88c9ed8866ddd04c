package io.iommufdsim.launcher;

import io.iommufdsim.scenario.ScenarioRunner;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Carries out a command line against the {@link ScenarioRunner} service: the one piece of logic
 * shared by the batch entry ({@code ./iommufd-sim}) and the Gogo {@code iommu:} commands.
 */
final class ScenarioCommand {
    /** Where the runner comes from; null when the service is not there. */
    @FunctionalInterface
    interface RunnerSource {
        ScenarioRunner runner();
    }

    /** Not a scenario outcome: the simulator itself could not run (README.md, "Exit status"). */
    static final int EXIT_INTERNAL = 3;

    private final RunnerSource source;
    private final PrintStream out;
    private final PrintStream err;

    ScenarioCommand(RunnerSource source, PrintStream out, PrintStream err) {
        this.source = source;
        this.out = out;
        this.err = err;
    }

    /**
     * @param workingDirectory what relative paths are relative to: the caller's current directory
     * @return the exit status: 0/1/2 as {@link ScenarioRunner#run} gives it, 2 for a usage error,
     *         {@link #EXIT_INTERNAL} when the runner service is missing
     */
    int execute(List<String> args, Path workingDirectory) {
        Invocation invocation;
        try {
            invocation = CommandLine.parse(args);
        } catch (UsageException e) {
            return usageError(e.getMessage());
        }
        switch (invocation.command()) {
            case HELP -> {
                out.print(CommandLine.USAGE);
                out.flush();
                return 0;
            }
            case DEMO -> {
                return runDemo();
            }
            case RUN -> {
                return run(invocation, workingDirectory);
            }
        }
        throw new AssertionError(invocation.command());
    }

    private int runDemo() {
        ScenarioRunner runner = runner();
        if (runner == null) {
            return EXIT_INTERNAL;
        }
        out.println("iommufd-sim demo: " + DemoScenario.SOURCE + " (run your own: iommufd-sim run FILE_OR_DIR...)");
        try (DemoScenario demo = DemoScenario.extract()) {
            return runner.run(List.of(demo.file()), false, Map.of(), out);
        } finally {
            out.flush();
        }
    }

    private int run(Invocation invocation, Path workingDirectory) {
        boolean sameDirectory = workingDirectory.equals(Path.of("").toAbsolutePath());
        List<Path> paths = new ArrayList<>();
        for (String spelled : invocation.paths()) {
            Path path = Path.of(spelled);
            Path resolved = workingDirectory.resolve(path);
            if (!Files.exists(resolved)) {
                return usageError(spelled + ": no such file or directory");
            }
            // keep the user's spelling in the report when it already means the same file
            paths.add(sameDirectory ? path : resolved);
        }
        ScenarioRunner runner = runner();
        if (runner == null) {
            return EXIT_INTERNAL;
        }
        try {
            return runner.run(paths, invocation.json(), invocation.only(), out);
        } finally {
            out.flush();
        }
    }

    private ScenarioRunner runner() {
        ScenarioRunner runner = source.runner();
        if (runner == null) {
            err.println("iommufd-sim: the scenario runner service is not available (is the scenario bundle running?)");
            err.flush();
        }
        return runner;
    }

    private int usageError(String message) {
        err.println("iommufd-sim: " + message);
        err.print(CommandLine.USAGE);
        err.flush();
        return ScenarioRunner.EXIT_INVALID;
    }
}
