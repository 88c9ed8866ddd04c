package io.iommufdsim.scenario.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.iommufdsim.api.SimMachineFactory;
import io.iommufdsim.scenario.ScenarioRunner;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/** Every file under the repository's scenarios/ directory passes on the real core. */
class ScenarioFilesTest {
    private static final Path SCENARIOS = Path.of("..", "scenarios");

    @TestFactory
    Stream<DynamicTest> everyScenarioFilePassesOnTheRealCore() throws IOException {
        Assumptions.assumeTrue(Files.isDirectory(SCENARIOS), "the repository has no scenarios/ directory yet");
        SimMachineFactory factory = RealCore.factory();
        List<Path> files;
        try (Stream<Path> walk = Files.walk(SCENARIOS)) {
            files = walk.filter(p -> p.toString().endsWith(".json")).sorted().toList();
        }
        return files.stream().map(file -> DynamicTest.dynamicTest(SCENARIOS.relativize(file).toString(),
                () -> assertPasses(factory, file)));
    }

    private static void assertPasses(SimMachineFactory factory, Path file) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8);
        int exit = new ScenarioRunnerComponent(factory).run(List.of(file), false, Map.of(), out);
        assertEquals(ScenarioRunner.EXIT_PASSED, exit, () -> bytes.toString(StandardCharsets.UTF_8));
    }
}
