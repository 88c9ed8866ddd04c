package io.iommufdsim.scenario.internal.ops;

import com.fasterxml.jackson.databind.JsonNode;
import io.iommufdsim.api.Backing;
import io.iommufdsim.api.uapi.IoctlCommand;
import io.iommufdsim.scenario.internal.values.HexBytes;
import io.iommufdsim.scenario.internal.values.IntegerValues;
import io.iommufdsim.scenario.internal.values.NameTable;
import io.iommufdsim.scenario.internal.values.NumberExpr;
import io.iommufdsim.scenario.internal.values.ValueProblem;
import java.util.Iterator;
import java.util.Map;
import java.util.Set;

/** What a SIM_ op's argument holds, and how to check it before the file runs. */
@FunctionalInterface
public interface ArgKind {
    void validate(JsonNode value, Set<String> scope) throws ValueProblem;

    ArgKind NUMBER = (v, scope) -> {
        if (v.isArray()) {
            throw new ValueProblem("bad number " + v);
        }
        IntegerValues.validate(v, NameTable.NONE, scope);
    };

    ArgKind STRING = (v, scope) -> {
        if (!v.isTextual()) {
            throw new ValueProblem("expected a string, got " + v);
        }
        checkVariable(v.textValue(), scope);
    };

    ArgKind BOOL = (v, scope) -> {
        if (!v.isBoolean()) {
            throw new ValueProblem("expected true or false, got " + v);
        }
    };

    ArgKind BYTES = (v, scope) -> {
        if (!v.isTextual()) {
            throw new ValueProblem("expected a hex string, got " + v);
        }
        if (v.textValue().startsWith("$")) {
            checkVariable(v.textValue(), scope);
        } else {
            HexBytes.parse(v.textValue());
        }
    };

    ArgKind QWORDS = (v, scope) -> {
        if (!v.isArray()) {
            throw new ValueProblem("expected an array of numbers, got " + v);
        }
        for (JsonNode q : v) {
            NUMBER.validate(q, scope);
        }
    };

    /** A list of {@code {start, last}} (IOVA ranges, inclusive). */
    ArgKind RANGES = (v, scope) -> {
        if (!v.isArray()) {
            throw new ValueProblem("expected an array of {start, last}, got " + v);
        }
        for (JsonNode r : v) {
            if (!r.isObject() || r.size() != 2 || !r.has("start") || !r.has("last")) {
                throw new ValueProblem("expected {start, last}, got " + r);
            }
            NUMBER.validate(r.get("start"), scope);
            NUMBER.validate(r.get("last"), scope);
        }
    };

    /**
     * A JSON object handed to the simulation as a map (SIM_IOMMU_ADD's config): strings that hold a
     * number become numbers, other strings stay strings; the driver judges the values.
     */
    ArgKind OBJECT = (v, scope) -> {
        if (!v.isObject()) {
            throw new ValueProblem("expected an object, got " + v);
        }
        anyJson(v, scope);
    };

    /** A list of objects (SIM_FD_WRITE's records). */
    ArgKind RECORDS = (v, scope) -> {
        if (!v.isArray()) {
            throw new ValueProblem("expected an array of objects, got " + v);
        }
        for (JsonNode r : v) {
            OBJECT.validate(r, scope);
        }
    };

    ArgKind BACKING = (v, scope) -> {
        STRING.validate(v, scope);
        if (!v.textValue().startsWith("$") && Backing.byScenarioName(v.textValue()) == null) {
            throw new ValueProblem("unknown backing \"" + v.textValue() + "\"");
        }
    };

    /** An ioctl by its name in {@link IoctlCommand} or by number. */
    ArgKind COMMAND = (v, scope) -> {
        if (v.isTextual() && !NumberExpr.looksNumeric(v.textValue())) {
            if (IoctlCommand.byName(v.textValue()) == null) {
                throw new ValueProblem("unknown ioctl \"" + v.textValue() + "\"");
            }
            return;
        }
        NUMBER.validate(v, scope);
    };

    /** Flags: an integer, a name of {@code names}, or a list of names, OR-ed. */
    static ArgKind flags(Map<String, Long> names) {
        NameTable table = NameTable.of(names);
        return (v, scope) -> IntegerValues.validate(v, table, scope);
    }

    /** One of the given words. */
    static ArgKind word(Set<String> words) {
        return (v, scope) -> {
            STRING.validate(v, scope);
            if (!v.textValue().startsWith("$") && !words.contains(v.textValue())) {
                throw new ValueProblem("expected one of " + words + ", got \"" + v.textValue() + "\"");
            }
        };
    }

    private static void checkVariable(String text, Set<String> scope) throws ValueProblem {
        if (text.startsWith("$") && text.length() > 1 && !scope.contains(text.substring(1))) {
            throw new ValueProblem("unknown variable " + text);
        }
    }

    private static void anyJson(JsonNode v, Set<String> scope) throws ValueProblem {
        if (v.isObject()) {
            for (Iterator<Map.Entry<String, JsonNode>> it = v.fields(); it.hasNext(); ) {
                anyJson(it.next().getValue(), scope);
            }
        } else if (v.isArray()) {
            for (JsonNode e : v) {
                anyJson(e, scope);
            }
        } else if (v.isNumber() || (v.isTextual() && v.textValue().startsWith("$"))) {
            NUMBER.validate(v, scope);
        }
    }
}
