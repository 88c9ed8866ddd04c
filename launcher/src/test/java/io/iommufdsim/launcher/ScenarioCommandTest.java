package io.iommufdsim.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.iommufdsim.scenario.ScenarioRunner;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ScenarioCommandTest {
    /** Records what it was asked to run and answers with a fixed status. */
    static final class RecordingRunner implements ScenarioRunner {
        final List<List<Path>> calls = new ArrayList<>();
        final List<String> contents = new ArrayList<>();
        boolean json;
        Map<String, String> only;
        int status;

        @Override
        public int run(List<Path> paths, boolean json, Map<String, String> only, PrintStream out) {
            calls.add(paths);
            this.json = json;
            this.only = only;
            for (Path path : paths) {
                try {
                    contents.add(Files.isRegularFile(path) ? Files.readString(path) : "");
                } catch (IOException e) {
                    throw new AssertionError(e);
                }
            }
            out.println("0 passed, 0 failed");
            return status;
        }
    }

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();
    private final RecordingRunner runner = new RecordingRunner();

    private int execute(List<String> args, Path workingDirectory) {
        return execute(() -> runner, args, workingDirectory);
    }

    private int execute(ScenarioCommand.RunnerSource source, List<String> args, Path workingDirectory) {
        ScenarioCommand command = new ScenarioCommand(source,
                new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
        return command.execute(args, workingDirectory);
    }

    @Test
    void relativePathsResolveAgainstTheCallersDirectory(@TempDir Path dir) throws IOException {
        Files.createDirectories(dir.resolve("sub dir"));
        Files.writeString(dir.resolve("sub dir/a.json"), "{}");
        runner.status = ScenarioRunner.EXIT_FAILED;

        int status = execute(List.of("run", "--json", "--only", "driver=s390", "sub dir/a.json"), dir);

        assertEquals(ScenarioRunner.EXIT_FAILED, status);
        assertEquals(List.of(List.of(dir.resolve("sub dir/a.json"))), runner.calls);
        assertTrue(runner.json);
        assertEquals(Map.of("driver", "s390"), runner.only);
        assertTrue(out.toString(StandardCharsets.UTF_8).endsWith("0 passed, 0 failed" + System.lineSeparator()));
    }

    @Test
    void aMissingFileIsAUsageErrorAndRunsNothing(@TempDir Path dir) {
        assertEquals(ScenarioRunner.EXIT_INVALID, execute(List.of("run", "nope.json"), dir));
        assertTrue(runner.calls.isEmpty());
        assertTrue(err.toString(StandardCharsets.UTF_8).startsWith("iommufd-sim: nope.json: no such file or directory"));
    }

    @Test
    void aBadOptionExitsWithTwoAndTheUsage(@TempDir Path dir) {
        assertEquals(2, execute(List.of("run", "--fast", "x.json"), dir));
        assertTrue(runner.calls.isEmpty());
        String message = err.toString(StandardCharsets.UTF_8);
        assertTrue(message.startsWith("iommufd-sim: unknown option '--fast'"), message);
        assertTrue(message.contains("usage: iommufd-sim"), message);
    }

    @Test
    void theMainJobRunsTheEmbeddedDemoScenarioUnderItsSourceName(@TempDir Path dir) throws IOException {
        assertEquals(0, execute(List.of(), dir));

        assertEquals(1, runner.calls.size());
        assertEquals(DemoScenario.SOURCE, runner.calls.get(0).get(0).toString());
        assertEquals(Files.readString(sourceOfTheDemo()), runner.contents.get(0));
        assertFalse(runner.json);
    }

    @Test
    void theExtractedDemoIsRemovedWhenClosed() throws IOException {
        DemoScenario demo = DemoScenario.extract();
        assertEquals(Files.readString(sourceOfTheDemo()), Files.readString(demo.file()));
        demo.close();
        assertFalse(Files.exists(demo.archive()));
    }

    private static Path sourceOfTheDemo() {
        // Surefire runs in the module directory
        return Path.of(System.getProperty("user.dir")).resolve("../" + DemoScenario.SOURCE);
    }

    @Test
    void withoutTheRunnerServiceTheRunFailsWithAMessage(@TempDir Path dir) {
        assertEquals(ScenarioCommand.EXIT_INTERNAL, execute(() -> null, List.of(), dir));
        assertTrue(err.toString(StandardCharsets.UTF_8).contains("scenario runner service is not available"));
    }

    @Test
    void helpPrintsTheUsageAndSucceeds(@TempDir Path dir) {
        assertEquals(0, execute(List.of("help"), dir));
        assertTrue(out.toString(StandardCharsets.UTF_8).startsWith("usage: iommufd-sim"));
        assertTrue(runner.calls.isEmpty());
    }
}
