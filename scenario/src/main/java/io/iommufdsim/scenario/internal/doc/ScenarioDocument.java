package io.iommufdsim.scenario.internal.doc;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import io.iommufdsim.api.Errno;
import io.iommufdsim.scenario.internal.ops.ArgProblem;
import io.iommufdsim.scenario.internal.ops.Op;
import io.iommufdsim.scenario.internal.ops.OpCatalog;
import io.iommufdsim.scenario.internal.values.Checker;
import io.iommufdsim.scenario.internal.values.NumberExpr;
import io.iommufdsim.scenario.internal.values.ValueProblem;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A scenario file as written (scenario-format.md, "Document"): description, params, steps. {@link #rows}
 * substitutes each parameter row and validates every step of every row before anything runs.
 */
public final class ScenarioDocument {
    private static final Set<String> DOCUMENT_KEYS = Set.of("description", "params", "steps");
    private static final Set<String> STEP_KEYS = Set.of("op", "args", "expect", "save", "check", "ctx");
    private static final String DEFAULT_CTX = "default";
    private static final ObjectMapper MAPPER = new ObjectMapper()
            .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

    private final String file;
    private final String description;
    private final Map<String, List<JsonNode>> params;
    private final int rowCount;
    private final ArrayNode steps;

    private ScenarioDocument(String file, String description, Map<String, List<JsonNode>> params, int rowCount,
                             ArrayNode steps) {
        this.file = file;
        this.description = description;
        this.params = params;
        this.rowCount = rowCount;
        this.steps = steps;
    }

    public String file() {
        return file;
    }

    public String description() {
        return description;
    }

    /** Parses the document's shape (JSON syntax, top-level keys, params); steps are checked by {@link #rows}. */
    public static ScenarioDocument parse(String file, byte[] content) throws InvalidScenarioException {
        JsonNode root;
        try {
            root = MAPPER.readTree(content);
        } catch (JsonProcessingException e) {
            JsonLocation at = e.getLocation();
            String where = at == null ? "" : " at line " + at.getLineNr() + " column " + at.getColumnNr();
            throw new InvalidScenarioException(file, -1, null, "JSON syntax error" + where + ": " + e.getOriginalMessage());
        } catch (IOException e) {
            throw new InvalidScenarioException(file, -1, null, "cannot be read: " + e.getMessage());
        }
        if (root == null || !root.isObject()) {
            throw new InvalidScenarioException(file, -1, null, "a scenario is a JSON object");
        }
        for (Iterator<String> it = root.fieldNames(); it.hasNext(); ) {
            String key = it.next();
            if (!DOCUMENT_KEYS.contains(key)) {
                throw new InvalidScenarioException(file, -1, key, "unknown field");
            }
        }
        JsonNode description = root.get("description");
        if (description != null && !description.isTextual()) {
            throw new InvalidScenarioException(file, -1, "description", "expected a string");
        }
        JsonNode steps = root.get("steps");
        if (steps == null || !steps.isArray()) {
            throw new InvalidScenarioException(file, -1, "steps", "expected an array of steps");
        }
        Map<String, List<JsonNode>> params = new LinkedHashMap<>();
        int rows = parseParams(file, root.get("params"), params);
        return new ScenarioDocument(file, description == null ? "" : description.textValue(), params, rows,
                (ArrayNode) steps);
    }

    private static int parseParams(String file, JsonNode node, Map<String, List<JsonNode>> params)
            throws InvalidScenarioException {
        if (node == null) {
            return 1;
        }
        if (!node.isObject()) {
            throw new InvalidScenarioException(file, -1, "params", "expected an object of lists");
        }
        int rows = -1;
        for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            String field = "params." + e.getKey();
            if (e.getKey().isEmpty() || !e.getKey().chars().allMatch(c -> NumberExpr.isNameChar((char) c))) {
                throw new InvalidScenarioException(file, -1, field, "a parameter name is letters, digits and _");
            }
            if (!e.getValue().isArray()) {
                throw new InvalidScenarioException(file, -1, field, "expected a list");
            }
            List<JsonNode> values = new ArrayList<>();
            for (JsonNode v : e.getValue()) {
                if (!v.isValueNode() || v.isNull()) {
                    throw new InvalidScenarioException(file, -1, field, "a parameter value is a string, number or boolean");
                }
                values.add(v);
            }
            if (rows >= 0 && values.size() != rows) {
                throw new InvalidScenarioException(file, -1, field,
                        "has " + values.size() + " values where the other lists have " + rows);
            }
            rows = values.size();
            params.put(e.getKey(), values);
        }
        return params.isEmpty() ? 1 : rows;
    }

    /** Every parameter row with its validated steps; the first invalid step of any row is thrown. */
    public List<ParamRow> rows(OpCatalog catalog) throws InvalidScenarioException {
        List<ParamRow> rows = new ArrayList<>();
        for (int r = 0; r < rowCount; r++) {
            Map<String, JsonNode> values = new LinkedHashMap<>();
            for (Map.Entry<String, List<JsonNode>> p : params.entrySet()) {
                values.put(p.getKey(), p.getValue().get(r));
            }
            rows.add(new ParamRow(r, values, steps(catalog, values, r)));
        }
        return rows;
    }

    private List<Step> steps(OpCatalog catalog, Map<String, JsonNode> row, int rowIndex)
            throws InvalidScenarioException {
        List<Step> out = new ArrayList<>();
        Set<String> scope = new HashSet<>();
        for (int i = 0; i < steps.size(); i++) {
            JsonNode raw = steps.get(i);
            out.add(step(catalog, i, substitute(raw, row), scope, rowIndex));
        }
        return out;
    }

    private InvalidScenarioException invalid(int step, String field, String problem, int row) {
        String inRow = params.isEmpty() ? problem : problem + " (parameter row " + row + ")";
        return new InvalidScenarioException(file, step, field, inRow);
    }

    private Step step(OpCatalog catalog, int index, JsonNode node, Set<String> scope, int row)
            throws InvalidScenarioException {
        if (!node.isObject()) {
            throw invalid(index, null, "a step is a JSON object", row);
        }
        for (Iterator<String> it = node.fieldNames(); it.hasNext(); ) {
            String key = it.next();
            if (!STEP_KEYS.contains(key)) {
                throw invalid(index, key, "unknown field", row);
            }
        }
        JsonNode opName = node.get("op");
        if (opName == null || !opName.isTextual()) {
            throw invalid(index, "op", "missing; a step names its op", row);
        }
        Op op = catalog.op(opName.textValue());
        if (op == null) {
            throw invalid(index, "op", "unknown op " + opName.textValue(), row);
        }
        JsonNode args = node.get("args");
        if (args == null) {
            args = JsonNodeFactory.instance.objectNode();
        } else if (!args.isObject()) {
            throw invalid(index, "args", "expected an object", row);
        }
        try {
            op.validateArgs(args, scope);
        } catch (ArgProblem p) {
            throw invalid(index, "args." + p.field(), p.getMessage(), row);
        }
        Errno expect = expectation(index, node.get("expect"), row);
        JsonNode check = node.get("check");
        if (check == null) {
            check = JsonNodeFactory.instance.objectNode();
        } else if (!check.isObject()) {
            throw invalid(index, "check", "expected an object of output fields", row);
        }
        for (Iterator<Map.Entry<String, JsonNode>> it = check.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            if (!op.hasOutput(e.getKey())) {
                throw invalid(index, "check." + e.getKey(), "unknown field: " + op.name() + " has no such output", row);
            }
            try {
                Checker.validate(e.getValue(), scope);
            } catch (ValueProblem p) {
                throw invalid(index, "check." + e.getKey(), p.getMessage(), row);
            }
        }
        Map<String, String> save = save(index, op, node.get("save"), row);
        JsonNode ctx = node.get("ctx");
        if (ctx != null && !ctx.isTextual()) {
            throw invalid(index, "ctx", "expected a name", row);
        }
        scope.addAll(save.keySet());
        return new Step(index, op, args, expect, save, check, ctx == null ? DEFAULT_CTX : ctx.textValue());
    }

    private Errno expectation(int index, JsonNode expect, int row) throws InvalidScenarioException {
        if (expect == null) {
            return null;
        }
        if (!expect.isTextual()) {
            throw invalid(index, "expect", "expected \"OK\" or an errno name", row);
        }
        if (expect.textValue().equals("OK")) {
            return null;
        }
        Errno e = Errno.byName(expect.textValue());
        if (e == null) {
            throw invalid(index, "expect", "unknown errno " + expect.textValue(), row);
        }
        return e;
    }

    private Map<String, String> save(int index, Op op, JsonNode save, int row) throws InvalidScenarioException {
        Map<String, String> out = new LinkedHashMap<>();
        if (save == null) {
            return out;
        }
        if (!save.isObject()) {
            throw invalid(index, "save", "expected an object of variable: output field", row);
        }
        for (Iterator<Map.Entry<String, JsonNode>> it = save.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            String field = "save." + e.getKey();
            if (e.getKey().isEmpty() || !e.getKey().chars().allMatch(c -> NumberExpr.isNameChar((char) c))) {
                throw invalid(index, field, "a variable name is letters, digits and _", row);
            }
            if (!e.getValue().isTextual()) {
                throw invalid(index, field, "expected the name of an output field", row);
            }
            if (!op.hasOutput(e.getValue().textValue())) {
                throw invalid(index, field, "unknown field: " + op.name() + " has no output " + e.getValue().textValue(), row);
            }
            out.put(e.getKey(), e.getValue().textValue());
        }
        return out;
    }

    /**
     * {@code $key+N} / {@code $key-N} of a parameter holding a number (scenario-format.md, "Step":
     * values are {@code $var}, {@code $var+N}, {@code $var-N}): the sum as a {@code 0x} string, so that
     * pasting the parameter's text in front of {@code +N} does not leave an unparsable value. Null when
     * {@code text} is not such an expression (then it is substituted as text).
     */
    private static JsonNode paramExpression(String text, Map<String, JsonNode> row) {
        int end = 1;
        while (end < text.length() && NumberExpr.isNameChar(text.charAt(end))) {
            end++;
        }
        JsonNode value = row.get(text.substring(1, end));
        if (end == text.length() || value == null || (text.charAt(end) != '+' && text.charAt(end) != '-')) {
            return null;
        }
        try {
            NumberExpr base = NumberExpr.of(value);
            NumberExpr expr = NumberExpr.parse(text);
            if (base.variable() != null) {
                return null;
            }
            return new TextNode("0x" + Long.toHexString(base.offset() + expr.offset()));
        } catch (ValueProblem notANumber) {
            return null;
        }
    }

    /**
     * Substitutes the row's {@code $key} in every string of a step: a string that is exactly
     * {@code $key} takes the value itself (number or string), elsewhere {@code $key} is replaced by
     * its text (so {@code "nic-$driver"} works); {@code "$base+0x1000"} of a numeric parameter is
     * the sum. Object keys are left alone.
     */
    static JsonNode substitute(JsonNode node, Map<String, JsonNode> row) {
        if (row.isEmpty()) {
            return node;
        }
        if (node.isObject()) {
            ObjectNode copy = JsonNodeFactory.instance.objectNode();
            for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                copy.set(e.getKey(), substitute(e.getValue(), row));
            }
            return copy;
        }
        if (node.isArray()) {
            ArrayNode copy = JsonNodeFactory.instance.arrayNode();
            for (JsonNode e : node) {
                copy.add(substitute(e, row));
            }
            return copy;
        }
        if (!node.isTextual() || !node.textValue().contains("$")) {
            return node;
        }
        String text = node.textValue();
        if (text.startsWith("$") && row.containsKey(text.substring(1))) {
            return row.get(text.substring(1));
        }
        JsonNode sum = paramExpression(text, row);
        if (sum != null) {
            return sum;
        }
        StringBuilder sb = new StringBuilder();
        int i = 0;
        while (i < text.length()) {
            char c = text.charAt(i);
            if (c == '$') {
                int end = i + 1;
                while (end < text.length() && NumberExpr.isNameChar(text.charAt(end))) {
                    end++;
                }
                JsonNode value = row.get(text.substring(i + 1, end));
                if (value != null) {
                    sb.append(value.asText());
                    i = end;
                    continue;
                }
            }
            sb.append(c);
            i++;
        }
        return new TextNode(sb.toString());
    }
}
