package io.iommufdsim.scenario.internal.ops;

import com.fasterxml.jackson.databind.JsonNode;
import io.iommufdsim.api.uapi.UapiField;
import io.iommufdsim.api.uapi.UapiStruct;
import io.iommufdsim.api.uapi.VendorStructs;
import io.iommufdsim.scenario.internal.values.StepError;
import io.iommufdsim.scenario.internal.values.ValueProblem;
import io.iommufdsim.scenario.internal.values.Vars;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A vendor struct passed by pointer as a JSON object of its uAPI field names (scenario-format.md,
 * "Step"): a fixed-size array field ({@code idr}, {@code ste}, {@code dte}) is a JSON array of at most
 * its length, the elements left out being 0. Decoding keeps only the fields that lie wholly inside the
 * bytes the kernel wrote, and leaves out {@code __reserved} fields.
 */
final class VendorData {
    private VendorData() {
    }

    /** Checks every key of {@code object} against {@code layout}: an unknown field is a problem naming it. */
    static void validate(UapiStruct layout, JsonNode object, Set<String> scope) throws ValueProblem {
        for (Iterator<Map.Entry<String, JsonNode>> it = object.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            UapiField scalar = layout.field(e.getKey());
            if (scalar != null) {
                IoctlOp.validateScalar(scalar, e.getValue(), scope);
                continue;
            }
            List<UapiField> elements = arrayFields(layout, e.getKey());
            if (elements.isEmpty()) {
                throw new ValueProblem("unknown field " + e.getKey() + " of " + layout.name());
            }
            JsonNode v = e.getValue();
            if (!v.isArray() || v.size() > elements.size()) {
                throw new ValueProblem(e.getKey() + " of " + layout.name() + " is an array of at most "
                        + elements.size() + " numbers, got " + v);
            }
            for (int i = 0; i < v.size(); i++) {
                IoctlOp.validateScalar(elements.get(i), v.get(i), scope);
            }
        }
    }

    /** The struct's bytes ({@code layout.size()} of them) with the object's fields set, the rest 0. */
    static byte[] encode(UapiStruct layout, JsonNode object, Vars vars) throws StepError {
        byte[] image = new byte[layout.size()];
        for (Iterator<Map.Entry<String, JsonNode>> it = object.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            UapiField scalar = layout.field(e.getKey());
            List<UapiField> elements = arrayFields(layout, e.getKey());
            if (scalar != null) {
                scalar.set(image, IoctlOp.value(scalar, e.getValue(), vars));
            } else if (!elements.isEmpty() && e.getValue().isArray() && e.getValue().size() <= elements.size()) {
                for (int i = 0; i < e.getValue().size(); i++) {
                    elements.get(i).set(image, IoctlOp.value(elements.get(i), e.getValue().get(i), vars));
                }
            } else {
                // reached only when the struct was not known before the run (data_type from a variable)
                throw new StepError("bad field " + e.getKey() + " of " + layout.name() + ": " + e.getValue());
            }
        }
        return image;
    }

    /**
     * The fields of {@code layout} that lie wholly in the first {@code length} bytes of {@code bytes},
     * in declaration order; an array holds the elements that do and is left out when none does.
     */
    static Map<String, Object> decode(UapiStruct layout, byte[] bytes, int length) {
        Map<String, Object> m = new LinkedHashMap<>();
        for (UapiField f : layout.fields()) {
            if (f.isReserved() || f.offset() + f.width() > length) {
                continue;
            }
            String base = VendorStructs.arrayBase(f);
            Object v = f.get(bytes);
            if (base == null) {
                m.put(f.name(), v);
            } else {
                @SuppressWarnings("unchecked")
                List<Object> list = (List<Object>) m.computeIfAbsent(base, k -> new ArrayList<>());
                list.add(v);
            }
        }
        return m;
    }

    /** The fields {@code name[0]}, {@code name[1]}, ... of {@code layout}, empty if there are none. */
    private static List<UapiField> arrayFields(UapiStruct layout, String name) {
        List<UapiField> list = new ArrayList<>();
        for (UapiField f = layout.field(name + "[0]"); f != null; f = layout.field(name + "[" + list.size() + "]")) {
            list.add(f);
        }
        return list;
    }
}
