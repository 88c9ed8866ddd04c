package io.iommufdsim.scenario.internal;

import io.iommufdsim.scenario.internal.fake.FakeMachineFactory;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Writes scenario files into a folder and runs them on the fake machine. */
final class RunHarness {
    final FakeMachineFactory factory = new FakeMachineFactory();
    private final Path dir;
    int exit;
    List<String> lines = List.of();

    RunHarness(Path dir) {
        this.dir = dir;
    }

    Path file(String name, String json) throws IOException {
        Path p = dir.resolve(name);
        Files.createDirectories(p.getParent());
        Files.writeString(p, json);
        return p;
    }

    RunHarness run(boolean json, Map<String, String> only, Path... paths) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8);
        exit = new ScenarioRunnerComponent(factory).run(List.of(paths), json, only, out);
        lines = new ArrayList<>(List.of(bytes.toString(StandardCharsets.UTF_8).split("\n")));
        return this;
    }

    RunHarness run(Path... paths) {
        return run(false, Map.of(), paths);
    }

    /** The i-th line that is not a {@code #} row header. */
    String step(int i) {
        return lines.stream().filter(l -> !l.startsWith("# ")).toList().get(i);
    }

    List<String> headers() {
        return lines.stream().filter(l -> l.startsWith("# ")).toList();
    }

    String last() {
        return lines.get(lines.size() - 1);
    }

    String output() {
        return String.join("\n", lines);
    }

    /** Wraps steps in a document. */
    static String doc(String... steps) {
        return "{\"steps\": [" + String.join(",\n", steps) + "]}";
    }
}
