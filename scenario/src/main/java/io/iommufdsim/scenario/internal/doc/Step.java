package io.iommufdsim.scenario.internal.doc;

import com.fasterxml.jackson.databind.JsonNode;
import io.iommufdsim.api.Errno;
import io.iommufdsim.scenario.internal.ops.Op;
import java.util.Map;

/**
 * A validated step of one parameter row ({@code $key} of the params already substituted).
 *
 * @param expect null for {@code "OK"}
 * @param save   variable name to output field
 * @param check  output field to expected value (an empty object when the step has none)
 */
public record Step(int index, Op op, JsonNode args, Errno expect, Map<String, String> save, JsonNode check,
                   String ctx) {
}
