package io.iommufdsim.scenario.internal.ops;

import com.fasterxml.jackson.databind.JsonNode;
import io.iommufdsim.scenario.internal.values.NumberExpr;
import io.iommufdsim.scenario.internal.values.OutValue;
import io.iommufdsim.scenario.internal.values.StepError;
import io.iommufdsim.scenario.internal.values.ValueProblem;
import io.iommufdsim.scenario.internal.values.Vars;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Converts free-form JSON (SIM_IOMMU_ADD's config, SIM_FD_WRITE's records) to the maps the API takes:
 * numbers (and strings that hold one, {@code $var} included) become {@link Long}, booleans
 * {@link Boolean}, other strings {@link String}, arrays {@link List}, objects {@link Map}.
 */
final class JsonToJava {
    private JsonToJava() {
    }

    static Object convert(JsonNode v, Vars vars) throws StepError {
        if (v.isObject()) {
            Map<String, Object> m = new LinkedHashMap<>();
            for (Iterator<Map.Entry<String, JsonNode>> it = v.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                m.put(e.getKey(), convert(e.getValue(), vars));
            }
            return m;
        }
        if (v.isArray()) {
            List<Object> l = new ArrayList<>();
            for (JsonNode e : v) {
                l.add(convert(e, vars));
            }
            return l;
        }
        if (v.isBoolean()) {
            return v.booleanValue();
        }
        if (v.isNull()) {
            return null;
        }
        if (v.isTextual() && v.textValue().startsWith("$") && v.textValue().length() > 1
                && v.textValue().substring(1).chars().allMatch(c -> NumberExpr.isNameChar((char) c))) {
            Object bound = vars.get(v.textValue().substring(1));
            Long number = OutValue.asNumber(bound);
            return number != null ? number : bound;
        }
        if (v.isIntegralNumber() || (v.isTextual() && NumberExpr.looksNumeric(v.textValue()))) {
            try {
                return NumberExpr.of(v).eval(vars);
            } catch (ValueProblem e) {
                if (v.isTextual()) {
                    return v.textValue();
                }
                throw new StepError(e.getMessage());
            }
        }
        return v.asText();
    }

    /** Converts an object argument; an absent one is an empty map. */
    @SuppressWarnings("unchecked")
    static Map<String, Object> map(JsonNode v, Vars vars) throws StepError {
        return v == null ? new LinkedHashMap<>() : (Map<String, Object>) convert(v, vars);
    }
}
