package io.iommufdsim.scenario.internal.ops;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import io.iommufdsim.api.IommufdException;
import io.iommufdsim.api.SimProcess;
import io.iommufdsim.scenario.internal.values.HexBytes;
import io.iommufdsim.scenario.internal.values.IntegerValues;
import io.iommufdsim.scenario.internal.values.NameTable;
import io.iommufdsim.scenario.internal.values.OutValue;
import io.iommufdsim.scenario.internal.values.StepError;
import io.iommufdsim.scenario.internal.values.ValueProblem;
import io.iommufdsim.scenario.internal.values.Vars;
import java.util.LinkedHashMap;
import java.util.Map;

/** One step being carried out: its arguments (already validated), its ctx, and the outputs it produced. */
public final class StepCall {
    private final Session session;
    private final Ctx ctx;
    private final JsonNode args;
    private final Map<String, Object> outputs = new LinkedHashMap<>();

    public StepCall(Session session, String ctxName, JsonNode args) {
        this.session = session;
        this.ctx = session.ctx(ctxName);
        this.args = args == null ? JsonNodeFactory.instance.objectNode() : args;
    }

    public Session session() {
        return session;
    }

    public Ctx ctx() {
        return ctx;
    }

    public Vars vars() {
        return session.vars();
    }

    public JsonNode args() {
        return args;
    }

    public boolean has(String arg) {
        return args.has(arg);
    }

    public JsonNode arg(String arg) {
        return args.get(arg);
    }

    public long number(String arg, long absent) throws StepError {
        JsonNode v = args.get(arg);
        return v == null ? absent : IntegerValues.resolve(v, NameTable.NONE, vars());
    }

    public long flags(String arg, NameTable names) throws StepError {
        JsonNode v = args.get(arg);
        return v == null ? 0 : IntegerValues.resolve(v, names, vars());
    }

    /** A number that Java needs as an int (a length or count of an in-memory buffer). */
    public int intNumber(String arg, long absent) throws StepError {
        long v = number(arg, absent);
        if (v < Integer.MIN_VALUE || v > Integer.MAX_VALUE) {
            throw new StepError(arg + " " + v + " is too large for the runner");
        }
        return (int) v;
    }

    /** A string argument; {@code "$var"} takes a saved string. */
    public String string(String arg, String absent) throws StepError {
        JsonNode v = args.get(arg);
        if (v == null) {
            return absent;
        }
        String text = v.textValue();
        if (text.startsWith("$") && text.length() > 1) {
            Object bound = vars().get(text.substring(1));
            return bound instanceof String s ? s : String.valueOf(bound);
        }
        return text;
    }

    public boolean bool(String arg, boolean absent) {
        JsonNode v = args.get(arg);
        return v == null ? absent : v.booleanValue();
    }

    /** A {@code bytes} hex string, or {@code "$var"} holding bytes. */
    public byte[] bytes(String arg) throws StepError {
        String text = args.get(arg).textValue();
        if (text.startsWith("$")) {
            Object bound = vars().get(text.substring(1));
            if (bound instanceof OutValue.Bytes b) {
                return b.data();
            }
            text = String.valueOf(bound);
        }
        try {
            return HexBytes.parse(text);
        } catch (ValueProblem e) {
            throw new StepError(e.getMessage());
        }
    }

    public long[] qwords(String arg) throws StepError {
        JsonNode v = args.get(arg);
        long[] out = new long[v.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = IntegerValues.resolve(v.get(i), NameTable.NONE, vars());
        }
        return out;
    }

    /** The data of a write: {@code bytes} or little-endian {@code qwords}. */
    public byte[] data() throws StepError {
        return has("bytes") ? bytes("bytes") : HexBytes.fromQwords(qwords("qwords"));
    }

    /** The process named by {@code process}, by default the ctx's current process. */
    public SimProcess process() throws IommufdException, StepError {
        String name = string("process", null);
        return name == null ? ctx.process() : session.process(name);
    }

    public void out(String name, Object value) {
        outputs.put(name, value);
    }

    public Map<String, Object> outputs() {
        return outputs;
    }
}
