package io.iommufdsim.scenario.internal.ops;

/** An invalid argument of a step, found before the file runs: names the field (e.g. {@code flags}). */
public final class ArgProblem extends Exception {
    private static final long serialVersionUID = 1L;

    private final String field;

    public ArgProblem(String field, String message) {
        super(message, null, false, false);
        this.field = field;
    }

    public String field() {
        return field;
    }
}
