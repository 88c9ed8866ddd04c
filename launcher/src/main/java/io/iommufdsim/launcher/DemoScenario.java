package io.iommufdsim.launcher;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The main job's scenario, scenarios/demo/ioas-demo.json, carried inside the launcher bundle (see
 * launcher/pom.xml) so that it runs from any directory. The runner takes files, so it is written to
 * a temporary directory for the length of the run.
 */
final class DemoScenario implements AutoCloseable {
    static final String RESOURCE = "/demo/ioas-demo.json";
    static final String SOURCE = "scenarios/demo/ioas-demo.json";

    private final Path directory;
    private final Path file;

    private DemoScenario(Path directory, Path file) {
        this.directory = directory;
        this.file = file;
    }

    static DemoScenario extract() {
        try (InputStream in = DemoScenario.class.getResourceAsStream(RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException("the launcher bundle lacks " + RESOURCE);
            }
            Path directory = Files.createTempDirectory("iommufd-sim-demo");
            Path file = directory.resolve("ioas-demo.json");
            Files.copy(in, file);
            return new DemoScenario(directory, file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    Path file() {
        return file;
    }

    @Override
    public void close() {
        try {
            Files.deleteIfExists(file);
            Files.deleteIfExists(directory);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
