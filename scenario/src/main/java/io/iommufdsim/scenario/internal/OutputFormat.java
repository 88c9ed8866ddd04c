package io.iommufdsim.scenario.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.iommufdsim.scenario.internal.doc.InvalidScenarioException;
import io.iommufdsim.scenario.internal.values.OutValue;
import java.io.PrintStream;
import java.util.List;
import java.util.Map;

/**
 * How results are printed (documented in scenario/README.md, "Output").
 * <ul>
 * <li>Text: a {@code # FILE row N params...} line before each parameter row, then one line per step,
 * {@code STEP OP STATUS EXPECT key=value...}, then {@code FAIL: why} on a failed step. Unsigned numbers are {@code 0x} hex, values of signed uAPI fields
 * (fds) decimal, bytes lowercase hex, arrays and objects compact JSON with the same number style.</li>
 * <li>JSON: one object per step with exactly the keys {@code file row step op status expect ok out}
 * (the failure reason is text-mode only); a number below 2^53 is a JSON integer, a larger one a {@code "0x..."}
 * string (so no reader loses precision); SIM_PT_DUMP leaves are hex strings as the format says.</li>
 * </ul>
 */
final class OutputFormat {
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final long JSON_SAFE = 1L << 53;

    private final PrintStream out;
    private final boolean json;

    OutputFormat(PrintStream out, boolean json) {
        this.out = out;
        this.json = json;
    }

    void step(StepResult r) {
        if (json) {
            ObjectNode o = NODES.objectNode();
            o.put("file", r.file());
            o.put("row", r.row());
            o.put("step", r.step());
            o.put("op", r.op());
            o.put("status", r.status());
            o.put("expect", r.expect());
            o.put("ok", r.ok());
            // exactly the keys scenario-format.md ("Running") names: the failure reason is text-mode only
            o.set("out", toJson(r.out(), true));
            out.println(write(o));
            return;
        }
        StringBuilder line = new StringBuilder();
        line.append(r.step()).append(' ').append(r.op()).append(' ').append(r.status()).append(' ').append(r.expect());
        for (Map.Entry<String, Object> e : r.out().entrySet()) {
            line.append(' ').append(e.getKey()).append('=').append(text(e.getValue()));
        }
        if (!r.ok()) {
            line.append(" FAIL: ").append(r.failure());
        }
        out.println(line);
    }

    /** Text mode: a {@code # FILE row N key=value...} line before the steps of each parameter row. */
    void row(String file, int row, Map<String, JsonNode> params) {
        if (json) {
            return;
        }
        StringBuilder line = new StringBuilder("# ").append(file).append(" row ").append(row);
        for (Map.Entry<String, JsonNode> p : params.entrySet()) {
            line.append(' ').append(p.getKey()).append('=').append(p.getValue().asText());
        }
        out.println(line);
    }

    void invalid(InvalidScenarioException e) {
        if (json) {
            ObjectNode o = NODES.objectNode();
            o.put("file", e.file());
            if (e.step() >= 0) {
                o.put("step", e.step());
            } else {
                o.putNull("step");
            }
            o.put("field", e.field());
            o.put("error", e.problem());
            out.println(write(o));
        } else {
            out.println("invalid scenario: " + e.getMessage());
        }
    }

    void summary(int passed, int failed) {
        out.println(passed + " passed, " + failed + " failed");
    }

    private static String text(Object v) {
        if (v instanceof Long l) {
            return hex(l);
        }
        if (v instanceof List<?> || v instanceof Map<?, ?>) {
            return write(toJson(v, false));
        }
        return String.valueOf(OutValue.asNumber(v) != null ? toJson(v, false).asText() : v);
    }

    /** The JSON form of an output; {@code safeIntegers}: numbers below 2^53 as integers, else hex strings. */
    static JsonNode toJson(Object v, boolean safeIntegers) {
        if (v instanceof Long l) {
            return safeIntegers && l >= 0 && l < JSON_SAFE ? NODES.numberNode(l) : NODES.textNode(hex(l));
        }
        if (v instanceof Integer i) {
            return NODES.numberNode(i);
        }
        if (v instanceof OutValue.HexNumber h) {
            return NODES.textNode(hex(h.value()));
        }
        if (v instanceof Boolean b) {
            return NODES.booleanNode(b);
        }
        if (v instanceof Map<?, ?> m) {
            ObjectNode o = NODES.objectNode();
            for (Map.Entry<?, ?> e : m.entrySet()) {
                o.set(String.valueOf(e.getKey()), toJson(e.getValue(), safeIntegers));
            }
            return o;
        }
        if (v instanceof List<?> list) {
            ArrayNode a = NODES.arrayNode();
            for (Object e : list) {
                a.add(toJson(e, safeIntegers));
            }
            return a;
        }
        return v == null ? NODES.nullNode() : NODES.textNode(String.valueOf(v));
    }

    private static String hex(long v) {
        return "0x" + Long.toHexString(v);
    }

    private static String write(JsonNode node) {
        try {
            return MAPPER.writeValueAsString(node);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}
