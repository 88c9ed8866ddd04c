package io.iommufdsim.scenario.internal.ops;

import com.fasterxml.jackson.databind.JsonNode;
import io.iommufdsim.api.IommufdException;
import io.iommufdsim.scenario.internal.values.StepError;
import io.iommufdsim.scenario.internal.values.ValueProblem;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/** A SIM_ action: the args the format lists for it, its outputs, and what it does through the API. */
final class SimOp implements Op {
    @FunctionalInterface
    interface Body {
        void run(StepCall call) throws IommufdException, StepError;
    }

    /** A check across arguments (e.g. exactly one of {@code bytes} and {@code qwords}). */
    @FunctionalInterface
    interface Rule {
        void check(JsonNode args) throws ArgProblem;
    }

    private record Arg(ArgKind kind, boolean required) {
    }

    private final String name;
    private final Map<String, Arg> args = new LinkedHashMap<>();
    private Set<String> outputs = Set.of();
    private Rule rule = a -> { };
    private Body body;

    private SimOp(String name) {
        this.name = name;
    }

    static SimOp named(String name) {
        return new SimOp(name);
    }

    SimOp required(String arg, ArgKind kind) {
        args.put(arg, new Arg(kind, true));
        return this;
    }

    SimOp optional(String arg, ArgKind kind) {
        args.put(arg, new Arg(kind, false));
        return this;
    }

    SimOp outputs(String... names) {
        outputs = Set.of(names);
        return this;
    }

    SimOp rule(Rule r) {
        rule = r;
        return this;
    }

    SimOp body(Body b) {
        body = b;
        return this;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public void validateArgs(JsonNode given, Set<String> scope) throws ArgProblem {
        for (Iterator<Map.Entry<String, JsonNode>> it = given.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            Arg a = args.get(e.getKey());
            if (a == null) {
                throw new ArgProblem(e.getKey(), "unknown field for " + name);
            }
            try {
                a.kind().validate(e.getValue(), scope);
            } catch (ValueProblem p) {
                throw new ArgProblem(e.getKey(), p.getMessage());
            }
        }
        for (Map.Entry<String, Arg> e : args.entrySet()) {
            if (e.getValue().required() && !given.has(e.getKey())) {
                throw new ArgProblem(e.getKey(), "missing; " + name + " needs it");
            }
        }
        rule.check(given);
    }

    @Override
    public boolean hasOutput(String output) {
        return outputs.contains(output);
    }

    @Override
    public void run(StepCall call) throws IommufdException, StepError {
        body.run(call);
    }
}
