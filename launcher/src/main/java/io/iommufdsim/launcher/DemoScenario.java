package io.iommufdsim.launcher;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.FileSystem;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * The main job's scenario, scenarios/demo/ioas-demo.json, carried inside the launcher bundle (see
 * launcher/pom.xml) so that it runs from any directory. The runner takes paths and names each file
 * by its path in the report, so the copy lives in a temporary zip file system under the same
 * relative name it has in the source tree, for the length of the run.
 */
final class DemoScenario implements AutoCloseable {
    static final String RESOURCE = "/demo/ioas-demo.json";
    static final String SOURCE = "scenarios/demo/ioas-demo.json";

    private final Path archive;
    private final FileSystem fileSystem;
    private final Path file;

    private DemoScenario(Path archive, FileSystem fileSystem, Path file) {
        this.archive = archive;
        this.fileSystem = fileSystem;
        this.file = file;
    }

    static DemoScenario extract() {
        try (InputStream in = DemoScenario.class.getResourceAsStream(RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException("the launcher bundle lacks " + RESOURCE);
            }
            Path archive = Files.createTempFile("iommufd-sim-demo", ".zip");
            Files.delete(archive); // the zip provider creates it
            FileSystem fileSystem = FileSystems.newFileSystem(archive, Map.of("create", "true"));
            Path file = fileSystem.getPath(SOURCE);
            Files.createDirectories(file.getParent());
            Files.copy(in, file);
            return new DemoScenario(archive, fileSystem, file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The demo scenario, readable until {@link #close}; its path reads {@value #SOURCE}. */
    Path file() {
        return file;
    }

    /** The temporary zip file behind {@link #file}; gone after {@link #close}. */
    Path archive() {
        return archive;
    }

    @Override
    public void close() {
        try {
            fileSystem.close();
            Files.deleteIfExists(archive);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
