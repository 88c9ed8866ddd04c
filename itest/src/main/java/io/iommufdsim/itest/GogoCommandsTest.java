package io.iommufdsim.itest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.apache.felix.service.command.CommandProcessor;
import org.apache.felix.service.command.CommandSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.test.common.annotation.InjectBundleContext;
import org.osgi.test.common.annotation.InjectService;

/** The launcher bundle's Gogo commands, called through the shell runtime as a user's g! prompt does. */
class GogoCommandsTest {
    @InjectService(timeout = 5_000)
    CommandProcessor processor;

    // the iommu: command component is registered
    @InjectService(service = Object.class, filter = "(osgi.command.scope=iommu)", timeout = 5_000)
    Object commands;

    @InjectBundleContext
    BundleContext context;

    @TempDir
    Path dir;

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();

    private Object execute(String commandLine) throws Exception {
        try (CommandSession session = processor.createSession(new ByteArrayInputStream(new byte[0]), out, out)) {
            return session.execute(commandLine);
        }
    }

    @Test
    void statusNamesTheBundlesThatProvideTheMachineFactoryAndTheRunner() throws Exception {
        String status = (String) execute("iommu:status");
        assertTrue(status.contains("machine factory: io.iommufdsim.core.impl "), status);
        assertTrue(status.contains("scenario runner: io.iommufdsim.scenario "), status);
    }

    @Test
    void statusListsTheLoadedDriversAndFollowsTheDriverBundleStoppingAndStarting() throws Exception {
        Bundle driver = Arrays.stream(context.getBundles())
                .filter(bundle -> "io.iommufdsim.driver.intel-vtd".equals(bundle.getSymbolicName()))
                .findFirst().orElseThrow();
        String loaded = "drivers: intel-vtd (io.iommufdsim.driver.intel-vtd " + driver.getVersion() + ")";
        assertTrue(((String) execute("iommu:status")).endsWith(loaded), loaded);
        driver.stop();
        try {
            String status = (String) execute("iommu:status");
            assertTrue(status.endsWith("drivers: none"), status);
        } finally {
            driver.start();
        }
        String status = (String) execute("iommu:status");
        assertTrue(status.endsWith(loaded), status);
    }

    @Test
    void runReturnsTheExitStatusAndPrintsTheSummaryToTheSession() throws Exception {
        Path file = Files.writeString(dir.resolve("alloc.json"), """
                { "steps": [ { "op": "IOMMU_IOAS_ALLOC", "check": { "out_ioas_id": 1 } } ] }
                """);
        assertEquals(0, execute("iommu:run --json '" + file + "'"));
        String printed = out.toString(StandardCharsets.UTF_8);
        assertTrue(printed.endsWith("1 passed, 0 failed" + System.lineSeparator()), printed);
    }

    @Test
    void aUsageErrorReturnsTwo() throws Exception {
        assertEquals(2, execute("iommu:run --no-such-option x.json"));
    }
}
