package io.iommufdsim.itest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import io.iommufdsim.api.SimMachineFactory;
import io.iommufdsim.scenario.ScenarioRunner;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.osgi.service.component.runtime.ServiceComponentRuntime;
import org.osgi.service.component.runtime.dto.ComponentConfigurationDTO;
import org.osgi.service.component.runtime.dto.ComponentDescriptionDTO;
import org.osgi.test.common.annotation.InjectService;

/** The core and the scenario runner come up as DS components in a plain Felix + SCR framework. */
class ServiceComponentsActiveTest {
    private static final long TIMEOUT_MILLIS = 5_000;

    @InjectService(timeout = TIMEOUT_MILLIS)
    ServiceComponentRuntime scr;

    // Getting the services activates their (delayed) components.
    @InjectService(timeout = TIMEOUT_MILLIS)
    SimMachineFactory machineFactory;

    @InjectService(timeout = TIMEOUT_MILLIS)
    ScenarioRunner scenarioRunner;

    @Test
    void theSimMachineFactoryComponentIsActive() {
        assertEquals(List.of(ComponentConfigurationDTO.ACTIVE), statesOfComponentsProviding(SimMachineFactory.class));
    }

    @Test
    void theScenarioRunnerComponentIsActive() {
        assertEquals(List.of(ComponentConfigurationDTO.ACTIVE), statesOfComponentsProviding(ScenarioRunner.class));
    }

    @Test
    void aMachineFromTheFactoryStartsWithTheDefaultProcess() {
        try (var machine = machineFactory.newMachine()) {
            assertFalse(machine.process("main") == null, "a new machine has the process main");
        }
    }

    /** The state of every configuration of every component that publishes {@code service}. */
    private List<Integer> statesOfComponentsProviding(Class<?> service) {
        return scr.getComponentDescriptionDTOs().stream()
                .filter(description -> Arrays.asList(description.serviceInterfaces).contains(service.getName()))
                .flatMap(description -> configurations(description).stream())
                .map(configuration -> configuration.state)
                .collect(Collectors.toList());
    }

    private List<ComponentConfigurationDTO> configurations(ComponentDescriptionDTO description) {
        return List.copyOf(scr.getComponentConfigurationDTOs(description));
    }
}
