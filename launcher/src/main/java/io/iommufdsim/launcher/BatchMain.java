package io.iommufdsim.launcher;

import io.iommufdsim.scenario.ScenarioRunner;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import org.osgi.framework.BundleContext;
import org.osgi.util.tracker.ServiceTracker;

/**
 * One batch run: the command line, carried out on the launcher's main thread; the result is the
 * process's exit status. A named class on purpose: the bnd launcher reads the Callable's type
 * argument and refuses a lambda (toolchain.md §8.6).
 */
final class BatchMain implements Callable<Integer> {
    /** Every bundle has started when the launcher calls us; this only covers a slow SCR thread. */
    private static final long RUNNER_WAIT_MILLIS = 30_000;

    private final BundleContext context;
    private final List<String> args;

    BatchMain(BundleContext context, List<String> args) {
        this.context = context;
        this.args = List.copyOf(args);
    }

    @Override
    public Integer call() throws InterruptedException {
        ServiceTracker<ScenarioRunner, ScenarioRunner> tracker = new ServiceTracker<>(context, ScenarioRunner.class, null);
        tracker.open();
        try {
            ScenarioCommand command = new ScenarioCommand(() -> waitFor(tracker), System.out, System.err);
            // the JVM runs in the user's current directory (./iommufd-sim does not cd)
            return command.execute(args, Path.of("").toAbsolutePath());
        } catch (RuntimeException | Error bug) {
            // a defect in the simulator, not a scenario outcome: show it whole
            System.out.flush();
            System.err.println("iommufd-sim: internal error");
            bug.printStackTrace();
            return ScenarioCommand.EXIT_INTERNAL;
        } finally {
            tracker.close();
            System.out.flush();
        }
    }

    private static ScenarioRunner waitFor(ServiceTracker<ScenarioRunner, ScenarioRunner> tracker) {
        try {
            return tracker.waitForService(RUNNER_WAIT_MILLIS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        }
    }
}
