package io.iommufdsim.scenario.internal.doc;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import java.util.Map;

/** One parameter row of a file: its index in the params lists, its values, and its steps. */
public record ParamRow(int index, Map<String, JsonNode> params, List<Step> steps) {
    /** True if this row passes {@code --only KEY=VALUE} (a key the file has no list for passes). */
    public boolean selectedBy(Map<String, String> only) {
        for (Map.Entry<String, String> filter : only.entrySet()) {
            JsonNode v = params.get(filter.getKey());
            if (v != null && !v.asText().equals(filter.getValue())) {
                return false;
            }
        }
        return true;
    }
}
