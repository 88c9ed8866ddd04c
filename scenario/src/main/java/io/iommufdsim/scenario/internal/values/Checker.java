package io.iommufdsim.scenario.internal.values;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The {@code check} of a step (scenario-format.md, "Step"): numbers compare as unsigned 64-bit;
 * arrays element by element with the same length; an object compares only the keys it names; an
 * object whose keys all start with {@code ~} is a predicate ({@code ~ne}, {@code ~min}, {@code ~max}
 * inclusive, {@code ~aligned} a power of two, {@code ~mask} with {@code ~value}).
 */
public final class Checker {
    private static final Set<String> PREDICATES = Set.of("~ne", "~min", "~max", "~aligned", "~mask", "~value");

    private Checker() {
    }

    public static void validate(JsonNode expected, Set<String> scope) throws ValueProblem {
        if (expected.isObject()) {
            if (isPredicate(expected)) {
                validatePredicate(expected, scope);
                return;
            }
            for (Iterator<Map.Entry<String, JsonNode>> it = expected.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                if (e.getKey().startsWith("~")) {
                    throw new ValueProblem("predicate " + e.getKey() + " mixed with plain keys");
                }
                validate(e.getValue(), scope);
            }
        } else if (expected.isArray()) {
            for (JsonNode element : expected) {
                validate(element, scope);
            }
        } else if (expected.isTextual() && isHexBytes(expected.textValue())) {
            return; // a number or a bytes string: which one depends on the output it is compared with
        } else if (expected.isIntegralNumber()
                || (expected.isTextual() && NumberExpr.looksNumeric(expected.textValue()))) {
            NumberExpr expr = NumberExpr.of(expected);
            if (expr.variable() != null && !scope.contains(expr.variable())) {
                throw new ValueProblem("unknown variable $" + expr.variable());
            }
        } else if (expected.isNumber()) {
            throw new ValueProblem("bad number " + expected);
        }
    }

    /** A {@code bytes} string such as {@code "1032547698badcfe"}, which may start with a digit. */
    private static boolean isHexBytes(String text) {
        if (text.isEmpty() || text.length() % 2 != 0 || text.startsWith("0x") || text.startsWith("0X")) {
            return false;
        }
        return text.chars().allMatch(c -> Character.digit(c, 16) >= 0);
    }

    private static boolean isPredicate(JsonNode node) {
        if (node.isEmpty()) {
            return false;
        }
        for (Iterator<String> it = node.fieldNames(); it.hasNext(); ) {
            if (!it.next().startsWith("~")) {
                return false;
            }
        }
        return true;
    }

    private static void validatePredicate(JsonNode predicate, Set<String> scope) throws ValueProblem {
        for (Iterator<Map.Entry<String, JsonNode>> it = predicate.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            if (!PREDICATES.contains(e.getKey())) {
                throw new ValueProblem("unknown predicate " + e.getKey());
            }
            IntegerValues.validate(e.getValue(), NameTable.UAPI, scope);
        }
        if (predicate.has("~mask") != predicate.has("~value")) {
            throw new ValueProblem("~mask and ~value go together");
        }
        JsonNode aligned = predicate.get("~aligned");
        if (aligned != null) {
            NumberExpr a = NumberExpr.of(aligned);
            if (a.variable() == null && Long.bitCount(a.offset()) != 1) {
                throw new ValueProblem("~aligned " + aligned + " is not a power of two");
            }
        }
    }

    /** Null when {@code actual} matches {@code expected}, else why not. */
    public static String mismatch(Object actual, JsonNode expected, Vars vars) {
        try {
            return compare(actual, expected, vars);
        } catch (StepError e) {
            return e.getMessage();
        }
    }

    private static String compare(Object actual, JsonNode expected, Vars vars) throws StepError {
        if (actual == null) {
            return "no such output";
        }
        if (expected.isObject()) {
            return isPredicate(expected) ? predicate(actual, expected, vars) : object(actual, expected, vars);
        }
        if (expected.isArray()) {
            if (!(actual instanceof List<?> list)) {
                return "expected an array";
            }
            if (list.size() != expected.size()) {
                return "expected " + expected.size() + " elements, got " + list.size();
            }
            for (int i = 0; i < list.size(); i++) {
                String m = compare(list.get(i), expected.get(i), vars);
                if (m != null) {
                    return "[" + i + "]: " + m;
                }
            }
            return null;
        }
        if (expected.isBoolean()) {
            return actual.equals(expected.booleanValue()) ? null : "expected " + expected;
        }
        Long number = OutValue.asNumber(actual);
        if (number != null) {
            if (expected.isTextual() && !NumberExpr.looksNumeric(expected.textValue())
                    && NameTable.UAPI.valueOf(expected.textValue()) == null) {
                return "expected " + expected + ", got a number";
            }
            long want = IntegerValues.resolve(expected, NameTable.UAPI, vars);
            return want == number ? null : "expected " + hex(want);
        }
        if (!expected.isTextual()) {
            return "expected " + expected;
        }
        String text = expected.textValue();
        Object want = text;
        if (text.startsWith("$") && text.length() > 1
                && text.substring(1).chars().allMatch(c -> NumberExpr.isNameChar((char) c))) {
            want = vars.get(text.substring(1));
        }
        if (actual instanceof OutValue.Bytes bytes) {
            if (want instanceof String s) {
                try {
                    want = new OutValue.Bytes(HexBytes.parse(s));
                } catch (ValueProblem e) {
                    return e.getMessage();
                }
            }
            return bytes.equals(want) ? null : "expected " + want;
        }
        return actual.equals(want) ? null : "expected \"" + want + "\"";
    }

    private static String object(Object actual, JsonNode expected, Vars vars) throws StepError {
        if (!(actual instanceof Map<?, ?> map)) {
            return "expected an object";
        }
        for (Iterator<Map.Entry<String, JsonNode>> it = expected.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            String m = compare(map.get(e.getKey()), e.getValue(), vars);
            if (m != null) {
                return e.getKey() + ": " + m;
            }
        }
        return null;
    }

    private static String predicate(Object actual, JsonNode predicate, Vars vars) throws StepError {
        Long value = OutValue.asNumber(actual);
        if (value == null) {
            return "a predicate needs a number";
        }
        long v = value;
        for (Iterator<Map.Entry<String, JsonNode>> it = predicate.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            long p = IntegerValues.resolve(e.getValue(), NameTable.UAPI, vars);
            boolean ok = switch (e.getKey()) {
                case "~ne" -> v != p;
                case "~min" -> Long.compareUnsigned(v, p) >= 0;
                case "~max" -> Long.compareUnsigned(v, p) <= 0;
                case "~aligned" -> Long.bitCount(p) == 1 && (v & (p - 1)) == 0;
                case "~mask" -> (v & p) == IntegerValues.resolve(predicate.get("~value"), NameTable.UAPI, vars);
                default -> true; // ~value is checked with ~mask
            };
            if (!ok) {
                return "fails " + e.getKey() + " " + hex(p);
            }
        }
        return null;
    }

    private static String hex(long v) {
        return "0x" + Long.toHexString(v);
    }
}
