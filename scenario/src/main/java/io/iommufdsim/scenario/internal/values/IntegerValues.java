package io.iommufdsim.scenario.internal.values;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Set;

/**
 * Integer-valued fields: a number ({@link NumberExpr}), a name from the field's {@link NameTable},
 * or a list of those OR-ed together (flags).
 */
public final class IntegerValues {
    private IntegerValues() {
    }

    /** Checks the syntax, the names and the variables ({@code scope}: the names bound so far). */
    public static void validate(JsonNode node, NameTable names, Set<String> scope) throws ValueProblem {
        if (node.isArray()) {
            for (JsonNode element : node) {
                if (element.isArray()) {
                    throw new ValueProblem("bad value " + node + ": nested list");
                }
                validate(element, names, scope);
            }
            return;
        }
        if (node.isTextual() && !NumberExpr.looksNumeric(node.textValue())) {
            if (names.valueOf(node.textValue()) == null) {
                throw new ValueProblem("unknown name \"" + node.textValue() + "\"");
            }
            return;
        }
        NumberExpr expr = NumberExpr.of(node);
        if (expr.variable() != null && !scope.contains(expr.variable())) {
            throw new ValueProblem("unknown variable $" + expr.variable());
        }
    }

    /** The value of a node that {@link #validate} accepted. */
    public static long resolve(JsonNode node, NameTable names, Vars vars) throws StepError {
        if (node.isArray()) {
            long v = 0;
            for (JsonNode element : node) {
                v |= resolve(element, names, vars);
            }
            return v;
        }
        if (node.isTextual() && !NumberExpr.looksNumeric(node.textValue())) {
            Long v = names.valueOf(node.textValue());
            if (v == null) {
                throw new StepError("unknown name \"" + node.textValue() + "\"");
            }
            return v;
        }
        try {
            return NumberExpr.of(node).eval(vars);
        } catch (ValueProblem e) {
            throw new StepError(e.getMessage());
        }
    }
}
