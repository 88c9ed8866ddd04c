package io.iommufdsim.itest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.iommufdsim.api.DeviceConfig;
import io.iommufdsim.api.Errno;
import io.iommufdsim.api.IommufdException;
import io.iommufdsim.api.SimDevice;
import io.iommufdsim.api.SimMachine;
import io.iommufdsim.api.SimMachineFactory;
import io.iommufdsim.scenario.ScenarioRunner;
import io.iommufdsim.spi.IommuDriver;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.BundleException;
import org.osgi.framework.ServiceReference;
import org.osgi.service.component.runtime.ServiceComponentRuntime;
import org.osgi.service.component.runtime.dto.ComponentConfigurationDTO;
import org.osgi.service.component.runtime.dto.ComponentDescriptionDTO;
import org.osgi.service.component.runtime.dto.SatisfiedReferenceDTO;
import org.osgi.test.common.annotation.InjectBundleContext;
import org.osgi.test.common.annotation.InjectService;
import org.osgi.test.common.service.ServiceAware;

/**
 * Vendor-driver hot-plug in a real Felix + SCR framework: the VT-d driver is a DS component of its own
 * bundle; stopping that bundle takes the IommuDriver service (and everything a machine built on it)
 * away while the core's SimMachineFactory component stays active, and starting it brings exactly one
 * service back (scenario-format.md, "Hot-plug contract"). Every test leaves the driver bundle started.
 */
class DriverHotPlugTest {
    private static final String DRIVER_BUNDLE = "io.iommufdsim.driver.intel-vtd";
    private static final String DRIVER = "intel-vtd";
    private static final String FACTORY_COMPONENT = "io.iommufdsim.core.iommufd.SimMachineFactoryComponent";
    /** The factory's reference to the drivers: bindDriver gives it the name "Driver" (DS 1.4 naming). */
    private static final String DRIVER_REFERENCE = "Driver";
    private static final long TIMEOUT_MILLIS = 5_000;

    /**
     * A VT-d device bound, attached (auto domain) and doing DMA through a 2 MiB page; the driver stops:
     * the device, its id and its HWPT id are gone (ENOENT), the IOAS keeps its mapping (EEXIST on a
     * second map, an emulated access reads the bytes); the driver starts: the device is back under
     * its name, unbound (attach is EINVAL, DMA is blocked), and binds, attaches and does DMA again.
     */
    private static final String HOT_PLUG_SCENARIO = """
            {
              "description": "SIM_DRIVER_STOP/START of intel-vtd under a bound, attached device",
              "steps": [
                {"op": "SIM_MMAP", "args": {"length": "0x200000", "backing": "thp"}, "save": {"buf": "user_va"}},
                {"op": "SIM_MEM_WRITE", "args": {"user_va": "$buf+0x1000", "qwords": ["0x1122334455667788"]}},
                {"op": "SIM_DEVICE_ADD", "args": {"iommu": "intel-vtd", "name": "nic0"}},
                {"op": "VFIO_DEVICE_BIND_IOMMUFD", "args": {"device": "nic0"}, "save": {"dev": "out_devid"}},
                {"op": "IOMMU_IOAS_ALLOC", "save": {"ioas": "out_ioas_id"}},
                {"op": "VFIO_DEVICE_ATTACH_IOMMUFD_PT", "args": {"device": "nic0", "pt_id": "$ioas"}, "save": {"hwpt": "pt_id"}},
                {"op": "IOMMU_IOAS_MAP", "args": {"ioas_id": "$ioas", "user_va": "$buf", "length": "0x200000", "iova": "0x100000000",
                    "flags": ["IOMMU_IOAS_MAP_FIXED_IOVA", "IOMMU_IOAS_MAP_READABLE", "IOMMU_IOAS_MAP_WRITEABLE"]}},
                {"op": "SIM_DMA", "args": {"device": "nic0", "iova": "0x100001000", "length": 8, "dir": "read"},
                  "check": {"qwords": ["0x1122334455667788"]}},

                {"op": "SIM_DRIVER_STOP", "args": {"driver": "intel-vtd"}},
                {"op": "IOMMU_DESTROY", "args": {"id": "$hwpt"}, "expect": "ENOENT"},
                {"op": "SIM_PT_DUMP", "args": {"hwpt_id": "$hwpt"}, "expect": "ENOENT"},
                {"op": "IOMMU_DESTROY", "args": {"id": "$dev"}, "expect": "ENOENT"},
                {"op": "SIM_DMA", "args": {"device": "nic0", "iova": "0x100001000", "length": 8, "dir": "read"}, "expect": "ENOENT"},
                {"op": "SIM_DEVICE_ADD", "args": {"iommu": "intel-vtd", "name": "nic1"}, "expect": "ENOENT"},
                {"op": "IOMMU_IOAS_MAP", "args": {"ioas_id": "$ioas", "user_va": "$buf", "length": "0x1000", "iova": "0x100000000",
                    "flags": ["IOMMU_IOAS_MAP_FIXED_IOVA", "IOMMU_IOAS_MAP_READABLE"]}, "expect": "EEXIST"},
                {"op": "SIM_ACCESS_CREATE", "args": {"ioas_id": "$ioas"}, "save": {"access": "access_id"}},
                {"op": "SIM_ACCESS_RW", "args": {"access_id": "$access", "iova": "0x100001000", "length": 8},
                  "check": {"bytes": "8877665544332211"}},
                {"op": "SIM_ACCESS_DESTROY", "args": {"access_id": "$access"}},

                {"op": "SIM_DRIVER_START", "args": {"driver": "intel-vtd"}},
                {"op": "VFIO_DEVICE_ATTACH_IOMMUFD_PT", "args": {"device": "nic0", "pt_id": "$ioas"}, "expect": "EINVAL"},
                {"op": "SIM_DMA", "args": {"device": "nic0", "iova": "0x100001000", "length": 8, "dir": "read"},
                  "expect": "EFAULT", "check": {"fault_reason": "blocked"}},
                {"op": "VFIO_DEVICE_BIND_IOMMUFD", "args": {"device": "nic0"}},
                {"op": "VFIO_DEVICE_ATTACH_IOMMUFD_PT", "args": {"device": "nic0", "pt_id": "$ioas"}, "save": {"hwpt2": "pt_id"}},
                {"op": "SIM_PT_DUMP", "args": {"hwpt_id": "$hwpt2"},
                  "check": {"leaves": [{"iova": "0x100000000", "size": "0x200000", "level": 1}]}},
                {"op": "SIM_DMA", "args": {"device": "nic0", "iova": "0x100001000", "length": 8, "dir": "read"},
                  "check": {"qwords": ["0x1122334455667788"]}},
                {"op": "SIM_DMA", "args": {"device": "nic0", "iova": "0x100002000", "length": 8, "dir": "write", "qwords": ["0xabcdef"]}},
                {"op": "SIM_MEM_READ", "args": {"user_va": "$buf+0x2000", "length": 8}, "check": {"qwords": ["0xabcdef"]}},
                {"op": "IOMMU_IOAS_UNMAP", "args": {"ioas_id": "$ioas", "iova": 0, "length": "U64_MAX"}, "check": {"length": "0x200000"}}
              ]
            }
            """;
    private static final int HOT_PLUG_STEPS = 28;

    @InjectBundleContext
    BundleContext context;

    @InjectService(timeout = TIMEOUT_MILLIS)
    ServiceComponentRuntime scr;

    @InjectService(timeout = TIMEOUT_MILLIS)
    SimMachineFactory machineFactory;

    @InjectService(timeout = TIMEOUT_MILLIS)
    ScenarioRunner runner;

    @InjectService(cardinality = 0)
    ServiceAware<IommuDriver> drivers;

    @TempDir
    Path dir;

    private Bundle driverBundle;

    @BeforeEach
    void findTheDriverBundleAndWaitForItsService() {
        driverBundle = Arrays.stream(context.getBundles())
                .filter(bundle -> DRIVER_BUNDLE.equals(bundle.getSymbolicName()))
                .findFirst().orElse(null);
        assertNotNull(driverBundle, "the framework runs " + DRIVER_BUNDLE);
        awaitDriverService();
    }

    /** Whatever a test did, the next one (and the other test classes) find the driver running. */
    @AfterEach
    void startTheDriverBundleAgain() throws BundleException {
        if (driverBundle.getState() != Bundle.ACTIVE) {
            driverBundle.start();
        }
        awaitDriverService();
    }

    @Test
    void theVtdDriverIsOneServiceRegisteredByItsOwnBundleAndBoundToTheMachineFactory() {
        ServiceReference<IommuDriver> reference = onlyDriverReference();
        assertEquals(driverBundle, reference.getBundle());
        assertEquals(DRIVER, drivers.getService(reference).name());
        assertEquals(List.of((Long) reference.getProperty("service.id")), boundDriverServiceIds());
    }

    @Test
    void stoppingTheDriverBundleRemovesTheDriverAndLeavesTheMachineFactoryActive() throws Exception {
        driverBundle.stop();

        await(() -> drivers.size() == 0, "the IommuDriver service is unregistered");
        assertEquals(Bundle.RESOLVED, driverBundle.getState());
        assertEquals(List.of(ComponentConfigurationDTO.ACTIVE), factoryStates());
        assertEquals(List.of(), boundDriverServiceIds());
        try (SimMachine machine = machineFactory.newMachine()) {
            assertErrno(Errno.ENOENT, () -> machine.addDevice(DRIVER, "nic0", DeviceConfig.DEFAULT));
            assertErrno(Errno.ENODEV, () -> machine.addIommu(DRIVER, "vtd1", Map.of()));
            assertNull(machine.device("nic0"), "a failed SIM_DEVICE_ADD adds nothing");
        }
    }

    @Test
    void aScenarioThatStopsAndStartsTheDriverPassesThroughTheRunnerService() throws IOException {
        Path file = Files.writeString(dir.resolve("hot-plug.json"), HOT_PLUG_SCENARIO);
        ByteArrayOutputStream out = new ByteArrayOutputStream();

        int status = runner.run(List.of(file), false, Map.of(), new PrintStream(out, true, StandardCharsets.UTF_8));

        String report = out.toString(StandardCharsets.UTF_8);
        assertEquals(ScenarioRunner.EXIT_PASSED, status, report);
        List<String> lines = report.lines().toList();
        assertEquals(HOT_PLUG_STEPS + " passed, 0 failed", lines.get(lines.size() - 1), report);
        // SIM_DRIVER_STOP/START went through the framework: the bundle is running again, one service
        assertEquals(Bundle.ACTIVE, driverBundle.getState());
        assertEquals(driverBundle, onlyDriverReference().getBundle());
    }

    @Test
    void afterStopAndStartAFreshMachineHasTheDefaultVtdInstanceAgain() throws Exception {
        driverBundle.stop();
        await(() -> drivers.size() == 0, "the IommuDriver service is unregistered");
        driverBundle.start();
        awaitDriverService();

        try (SimMachine machine = machineFactory.newMachine()) {
            // the default instance is named after the driver: its name is taken, devices go behind it
            assertErrno(Errno.EEXIST, () -> machine.addIommu(DRIVER, DRIVER, Map.of()));
            SimDevice device = machine.addDevice(DRIVER, "nic0", DeviceConfig.DEFAULT);
            assertEquals(DRIVER, device.iommu());
            assertEquals(device, machine.device("nic0"));
        }
    }

    @Test
    void stoppingAndStartingRepeatedlyLeavesNoStaleDriverService() throws Exception {
        ServiceReference<IommuDriver> first = onlyDriverReference();
        IommuDriver firstDriver = drivers.getService(first);
        try (SimMachine before = machineFactory.newMachine()) {
            for (int cycle = 0; cycle < 3; cycle++) {
                driverBundle.stop();
                await(() -> drivers.size() == 0, "the IommuDriver service is unregistered");
                assertEquals(List.of(), boundDriverServiceIds());
                driverBundle.start();
                awaitDriverService();
            }
            assertNull(first.getBundle(), "the first registration is gone for good");

            ServiceReference<IommuDriver> now = onlyDriverReference();
            assertEquals(driverBundle, now.getBundle());
            assertFalse(drivers.getService(now) == firstDriver, "SCR built a new driver object");
            assertEquals(List.of((Long) now.getProperty("service.id")), boundDriverServiceIds());
            assertEquals(List.of(ComponentConfigurationDTO.ACTIVE), factoryStates());

            // a machine that lived through the cycles holds exactly one default instance again
            assertErrno(Errno.EEXIST, () -> before.addIommu(DRIVER, DRIVER, Map.of()));
            assertEquals(DRIVER, before.addDevice(DRIVER, "nic0", DeviceConfig.DEFAULT).iommu());
        }
    }

    private ServiceReference<IommuDriver> onlyDriverReference() {
        List<ServiceReference<IommuDriver>> references = drivers.getServiceReferences();
        assertEquals(1, references.size(), () -> "IommuDriver services: " + references);
        return references.get(0);
    }

    private void awaitDriverService() {
        await(() -> drivers.size() == 1 && boundDriverServiceIds().size() == 1,
                "one IommuDriver service, bound to the machine factory");
    }

    /** The ids of the IommuDriver services SCR has bound to the SimMachineFactory component. */
    private List<Long> boundDriverServiceIds() {
        return factoryConfigurations().stream()
                .flatMap(configuration -> Arrays.stream(configuration.satisfiedReferences))
                .filter((SatisfiedReferenceDTO reference) -> DRIVER_REFERENCE.equals(reference.name))
                .map(reference -> reference.boundServices)
                .flatMap(Arrays::stream)
                .map(service -> service.id)
                .collect(Collectors.toList());
    }

    private List<Integer> factoryStates() {
        return factoryConfigurations().stream().map(configuration -> configuration.state).collect(Collectors.toList());
    }

    private List<ComponentConfigurationDTO> factoryConfigurations() {
        ComponentDescriptionDTO description = scr.getComponentDescriptionDTOs().stream()
                .filter(d -> FACTORY_COMPONENT.equals(d.name))
                .findFirst().orElseThrow(() -> new AssertionError("no component " + FACTORY_COMPONENT));
        return List.copyOf(scr.getComponentConfigurationDTOs(description));
    }

    private static void await(BooleanSupplier condition, String what) {
        long deadline = System.nanoTime() + TIMEOUT_MILLIS * 1_000_000;
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting until " + what);
            }
            try {
                Thread.sleep(10);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError("interrupted waiting until " + what, e);
            }
        }
    }

    @FunctionalInterface
    private interface Call {
        void run() throws IommufdException;
    }

    private static void assertErrno(Errno expected, Call call) {
        IommufdException e = assertThrows(IommufdException.class, call::run);
        assertEquals(expected, e.errno());
    }
}
