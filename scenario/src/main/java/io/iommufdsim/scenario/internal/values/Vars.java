package io.iommufdsim.scenario.internal.values;

import java.util.HashMap;
import java.util.Map;

/** The variables bound by {@code save} during one parameter row. */
public final class Vars {
    private final Map<String, Object> values = new HashMap<>();

    public void bind(String name, Object value) {
        values.put(name, value);
    }

    /** The value of {@code $name}; a variable that no step has bound yet is a {@link StepError}. */
    public Object get(String name) throws StepError {
        Object v = values.get(name);
        if (v == null) {
            throw new StepError("variable $" + name + " is not bound (the step that saves it produced no value)");
        }
        return v;
    }

    /** The numeric value of {@code $name} (numbers of every output kind). */
    public long number(String name) throws StepError {
        Object v = get(name);
        Long n = OutValue.asNumber(v);
        if (n == null) {
            throw new StepError("variable $" + name + " is not a number");
        }
        return n;
    }
}
