package io.iommufdsim.scenario;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.osgi.annotation.versioning.ProviderType;

/**
 * Runs scenario files (../shared/spec/scenario-format.md) as {@code iommufd-sim run} does: one line
 * per step, then {@code N passed, M failed}.
 */
@ProviderType
public interface ScenarioRunner {
    int EXIT_PASSED = 0;
    int EXIT_FAILED = 1;
    int EXIT_INVALID = 2;

    /**
     * @param paths  files, or directories whose {@code *.json} files run in name order
     * @param json   print one JSON object per step instead of a text line
     * @param only   {@code --only KEY=VALUE} filters on parameter rows
     * @return 0 when every expectation held, 1 when one did not, 2 when a file is not a valid scenario
     */
    int run(List<Path> paths, boolean json, Map<String, String> only, PrintStream out);
}
