package io.iommufdsim.scenario.internal.ops;

import com.fasterxml.jackson.databind.JsonNode;
import io.iommufdsim.api.IommufdException;
import io.iommufdsim.scenario.internal.values.StepError;
import java.util.Set;

/** One {@code op} of the scenario format: an ioctl or a SIM_ action. */
public interface Op {
    String name();

    /**
     * Checks a step's {@code args} before its file runs: every field known, every value well formed,
     * every {@code $var} bound by an earlier step ({@code scope}).
     */
    void validateArgs(JsonNode args, Set<String> scope) throws ArgProblem;

    /** True if the op outputs a field of this name (what {@code save} and {@code check} may name). */
    boolean hasOutput(String name);

    /**
     * Carries the step out, putting outputs into {@code call}; a failure of the simulated system call
     * is its {@link IommufdException} (outputs put before it still count).
     */
    void run(StepCall call) throws IommufdException, StepError;
}
