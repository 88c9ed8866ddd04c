package io.iommufdsim.scenario.internal.values;

import io.iommufdsim.api.uapi.UapiConstants;
import java.util.Map;

/** The names a field accepts instead of a number (uAPI flag and enum names, or a SIM op's words). */
@FunctionalInterface
public interface NameTable {
    NameTable NONE = name -> null;
    NameTable UAPI = UapiConstants::valueOf;

    /** The value of {@code name}, or null if this table has no such name. */
    Long valueOf(String name);

    static NameTable of(Map<String, Long> names) {
        return names::get;
    }
}
