package io.iommufdsim.scenario.internal.values;

/**
 * A step that cannot be carried out although its file is valid: a variable whose saving step produced
 * no value, or a value that does not fit its field. The step is reported as failed with status
 * {@code ERROR}.
 */
public final class StepError extends Exception {
    private static final long serialVersionUID = 1L;

    public StepError(String message) {
        super(message, null, false, false);
    }
}
