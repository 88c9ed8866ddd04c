package io.iommufdsim.scenario.internal.doc;

/**
 * A file that is not a valid scenario (JSON syntax, unknown op, unknown field, bad number): names
 * the file, the step index (-1 when the problem is outside the steps) and the field; no step of the
 * file runs, and the run's exit code is 2.
 */
public final class InvalidScenarioException extends Exception {
    private static final long serialVersionUID = 1L;

    private final String file;
    private final int step;
    private final String field;
    private final String problem;

    public InvalidScenarioException(String file, int step, String field, String problem) {
        super(describe(file, step, field, problem), null, false, false);
        this.file = file;
        this.step = step;
        this.field = field;
        this.problem = problem;
    }

    private static String describe(String file, int step, String field, String problem) {
        StringBuilder sb = new StringBuilder(file);
        if (step >= 0) {
            sb.append(": step ").append(step);
        }
        if (field != null) {
            sb.append(": field ").append(field);
        }
        return sb.append(": ").append(problem).toString();
    }

    public String file() {
        return file;
    }

    public int step() {
        return step;
    }

    /** The field, as a path in the step ({@code op}, {@code args.flags}, {@code check.iova}), or null. */
    public String field() {
        return field;
    }

    public String problem() {
        return problem;
    }
}
