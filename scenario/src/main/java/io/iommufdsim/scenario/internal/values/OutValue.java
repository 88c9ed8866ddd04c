package io.iommufdsim.scenario.internal.values;

import java.util.Arrays;

/**
 * The kinds of value a step outputs. Unsigned 64-bit numbers are {@link Long}; values of signed uAPI
 * fields are {@link Integer}; {@link HexNumber} is a number the format prints as a hex string
 * (SIM_PT_DUMP's leaves); {@link Bytes} is a byte string; text is {@link String}; arrays are
 * {@code List<Object>}, objects {@code Map<String, Object>}.
 */
public final class OutValue {
    private OutValue() {
    }

    /** A number that is always rendered as a {@code "0x..."} string. */
    public record HexNumber(long value) {
    }

    /** A byte string, rendered as lowercase hex without {@code 0x}. */
    public record Bytes(byte[] data) {
        @Override
        public boolean equals(Object o) {
            return o instanceof Bytes b && Arrays.equals(data, b.data);
        }

        @Override
        public int hashCode() {
            return Arrays.hashCode(data);
        }

        @Override
        public String toString() {
            return HexBytes.format(data);
        }
    }

    /** The 64-bit value of a numeric output (signed values sign-extended), or null for other kinds. */
    public static Long asNumber(Object v) {
        if (v instanceof Long l) {
            return l;
        }
        if (v instanceof Integer i) {
            return (long) i;
        }
        if (v instanceof HexNumber h) {
            return h.value();
        }
        return null;
    }
}
