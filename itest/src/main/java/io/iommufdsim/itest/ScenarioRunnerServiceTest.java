package io.iommufdsim.itest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.iommufdsim.scenario.ScenarioRunner;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.osgi.framework.BundleContext;
import org.osgi.test.common.annotation.InjectBundleContext;
import org.osgi.test.common.annotation.InjectService;

/**
 * Scenario files run through the ScenarioRunner service taken from the registry, as the launcher
 * does; exit status and summary line as ../shared/spec/scenario-format.md "Running" says.
 */
class ScenarioRunnerServiceTest {
    /** Fixed map, an unmap that would cut the area (ENOENT), destroy: five steps that pass. */
    private static final String PASSING = """
            {
              "description": "map a THP buffer at a fixed IOVA; an unmap that cuts the area is refused",
              "steps": [
                { "op": "IOMMU_IOAS_ALLOC", "save": { "ioas": "out_ioas_id" }, "check": { "out_ioas_id": 1 } },
                { "op": "SIM_MMAP", "args": { "length": "0x200000", "backing": "thp" }, "save": { "buf": "user_va" } },
                { "op": "IOMMU_IOAS_MAP", "args": { "ioas_id": "$ioas", "user_va": "$buf", "length": "0x200000",
                    "iova": "0x100000000", "flags": ["IOMMU_IOAS_MAP_FIXED_IOVA", "IOMMU_IOAS_MAP_READABLE"] } },
                { "op": "IOMMU_IOAS_UNMAP", "args": { "ioas_id": "$ioas", "iova": "0x100000000", "length": "0x1000" },
                  "expect": "ENOENT" },
                { "op": "IOMMU_DESTROY", "args": { "id": "$ioas" } }
              ]
            }
            """;

    @InjectBundleContext
    BundleContext context;

    @InjectService(timeout = 5_000)
    ScenarioRunner runner;

    @TempDir
    Path dir;

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();

    private int run(Path... paths) {
        return runner.run(List.of(paths), false, Map.of(), new PrintStream(out, true, StandardCharsets.UTF_8));
    }

    private String lastLine() {
        List<String> lines = out.toString(StandardCharsets.UTF_8).lines().toList();
        assertTrue(!lines.isEmpty(), "the runner printed nothing");
        return lines.get(lines.size() - 1);
    }

    private Path write(String name, String json) throws IOException {
        return Files.writeString(dir.resolve(name), json);
    }

    @Test
    void aPassingScenarioExitsWithZeroAndEndsWithTheSummaryLine() throws IOException {
        assertEquals(ScenarioRunner.EXIT_PASSED, run(write("fixed-map.json", PASSING)), out::toString);
        assertEquals("5 passed, 0 failed", lastLine());
    }

    @Test
    void aFailedExpectationExitsWithOneAndIsCountedAsFailed() throws IOException {
        Path file = write("wrong-id.json", """
                { "steps": [ { "op": "IOMMU_IOAS_ALLOC", "check": { "out_ioas_id": 7 } },
                             { "op": "IOMMU_IOAS_ALLOC", "check": { "out_ioas_id": 2 } } ] }
                """);
        assertEquals(ScenarioRunner.EXIT_FAILED, run(file), out::toString);
        assertEquals("1 passed, 1 failed", lastLine());
    }

    @Test
    void aFileWithAnUnknownOpIsInvalidAndNamesTheFile() throws IOException {
        Path file = write("unknown-op.json", """
                { "steps": [ { "op": "IOMMU_IOAS_ALLOC" }, { "op": "IOMMU_IOAS_TELEPORT" } ] }
                """);
        assertEquals(ScenarioRunner.EXIT_INVALID, run(file), out::toString);
        assertTrue(out.toString(StandardCharsets.UTF_8).contains("unknown-op.json"), out::toString);
    }

    @Test
    void aDirectoryRunsEveryScenarioInItAndTheSummaryCountsThemAll() throws IOException {
        write("a.json", PASSING);
        write("b.json", PASSING);
        assertEquals(ScenarioRunner.EXIT_PASSED, run(dir), out::toString);
        assertEquals("10 passed, 0 failed", lastLine());
    }

    @Test
    void theDemoScenarioOfTheMainJobPasses() {
        String demo = context.getProperty("iommufdsim.itest.demo");
        assertNotNull(demo, "itest.bndrun sets iommufdsim.itest.demo");
        assertEquals(ScenarioRunner.EXIT_PASSED, run(Path.of(demo)), out::toString);
        assertTrue(lastLine().endsWith(" passed, 0 failed"), lastLine());
    }
}
