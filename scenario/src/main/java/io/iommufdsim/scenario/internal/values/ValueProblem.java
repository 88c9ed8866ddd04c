package io.iommufdsim.scenario.internal.values;

/**
 * A value in a scenario file that is not valid (a bad number, an unknown name, an unknown variable):
 * found before the file runs, it makes the file invalid (exit code 2).
 */
public final class ValueProblem extends Exception {
    private static final long serialVersionUID = 1L;

    public ValueProblem(String message) {
        super(message, null, false, false);
    }
}
