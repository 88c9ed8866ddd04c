package io.iommufdsim.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class CommandLineTest {
    @Test
    void noArgumentsIsTheMainJob() throws UsageException {
        assertEquals(Invocation.DEMO, CommandLine.parse(List.of()));
    }

    @Test
    void runTakesJsonOnlyFiltersAndPathsInAnyOrder() throws UsageException {
        Invocation run = CommandLine.parse(List.of("run", "a.json", "--json", "--only", "driver=intel-vtd",
                "--only", "mode=a=b", "dir/"));
        assertEquals(Invocation.Command.RUN, run.command());
        assertTrue(run.json());
        assertEquals(Map.of("driver", "intel-vtd", "mode", "a=b"), run.only());
        assertEquals(List.of("a.json", "dir/"), run.paths());
    }

    @Test
    void doubleDashEndsTheOptionsSoAFileMayStartWithADash() throws UsageException {
        Invocation run = CommandLine.parse(List.of("run", "--", "--json", "-"));
        assertFalse(run.json());
        assertEquals(List.of("--json", "-"), run.paths());
    }

    @Test
    void usageErrorsSayWhatIsWrong() {
        assertEquals("run needs at least one scenario file or directory",
                assertThrows(UsageException.class, () -> CommandLine.parse(List.of("run", "--json"))).getMessage());
        assertEquals("unknown option '--verbose'",
                assertThrows(UsageException.class, () -> CommandLine.parse(List.of("run", "--verbose", "x"))).getMessage());
        assertEquals("--only needs KEY=VALUE",
                assertThrows(UsageException.class, () -> CommandLine.parse(List.of("run", "x", "--only"))).getMessage());
        assertEquals("--only needs KEY=VALUE, got '=intel-vtd'",
                assertThrows(UsageException.class, () -> CommandLine.parse(List.of("run", "--only", "=intel-vtd", "x"))).getMessage());
        assertEquals("--only driver is given twice",
                assertThrows(UsageException.class, () -> CommandLine.parse(
                        List.of("run", "--only", "driver=a", "--only", "driver=b", "x"))).getMessage());
        assertEquals("unknown command 'walk'",
                assertThrows(UsageException.class, () -> CommandLine.parse(List.of("walk"))).getMessage());
    }

    @Test
    void separatorEncodingKeepsSpacesAndEmptyArguments() {
        List<String> args = List.of("run", "my scenarios/a b.json", "", "--json");
        assertEquals(args, CommandLine.decode(CommandLine.encode(args)));
        assertEquals(List.of(""), CommandLine.decode("\u001f"));
        assertEquals(List.of(), CommandLine.decode(""));
    }

    @Test
    void aHandTypedValueIsSplitAtWhitespace() {
        assertEquals(List.of("run", "--json", "scenarios/"), CommandLine.decode("  run --json\tscenarios/ "));
    }
}
