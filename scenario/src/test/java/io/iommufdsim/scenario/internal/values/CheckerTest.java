package io.iommufdsim.scenario.internal.values;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class CheckerTest {
    private static final ObjectMapper MAPPER = new ObjectMapper();
    private final Vars vars = new Vars();

    private String mismatch(Object actual, String expectedJson) throws Exception {
        JsonNode expected = MAPPER.readTree(expectedJson);
        Checker.validate(expected, Set.of("x"));
        return Checker.mismatch(actual, expected, vars);
    }

    @Test
    void numbersCompareAsUnsigned64Bit() throws Exception {
        assertNull(mismatch(-1L, "\"U64_MAX\""));
        assertNull(mismatch(-1L, "18446744073709551615"));
        assertNull(mismatch(0x1000L, "4096"));
        assertNotNull(mismatch(0x1000L, "4097"));
        assertNull(mismatch(-1, "-1"));
        vars.bind("x", 0x1000L);
        assertNull(mismatch(0x1010L, "\"$x+16\""));
    }

    @Test
    void arraysCompareElementByElementWithTheSameLength() throws Exception {
        assertNull(mismatch(List.of(1L, 2L), "[1, \"0x2\"]"));
        assertEquals("expected 1 elements, got 2", mismatch(List.of(1L, 2L), "[1]"));
        assertEquals("[1]: expected 0x3", mismatch(List.of(1L, 2L), "[1, 3]"));
    }

    @Test
    void anObjectComparesOnlyTheKeysItNames() throws Exception {
        Map<String, Object> range = Map.of("start", 0L, "last", 0xfedfffffL);
        assertNull(mismatch(List.of(range), "[{\"last\": \"0xfedfffff\"}]"));
        assertEquals("[0]: start: expected 0x1", mismatch(List.of(range), "[{\"start\": 1}]"));
        assertEquals("nope: no such output", mismatch(range, "{\"nope\": 1}"));
    }

    @Test
    void predicatesCompareUnsigned() throws Exception {
        assertNull(mismatch(5L, "{\"~ne\": 4}"));
        assertNotNull(mismatch(4L, "{\"~ne\": 4}"));
        assertNull(mismatch(-1L, "{\"~min\": 1}"));
        assertNotNull(mismatch(1L, "{\"~max\": 0}"));
        assertNull(mismatch(0x200000L, "{\"~min\": \"0x200000\", \"~max\": \"0x200000\"}"));
        assertNull(mismatch(0x40000000L, "{\"~aligned\": \"0x200000\"}"));
        assertNotNull(mismatch(0x40001000L, "{\"~aligned\": \"0x200000\"}"));
        assertNull(mismatch(0xf3L, "{\"~mask\": \"0x3\", \"~value\": 3}"));
        assertNotNull(mismatch(0xf1L, "{\"~mask\": \"0x3\", \"~value\": 3}"));
        assertNotNull(mismatch("text", "{\"~min\": 0}"));
    }

    @Test
    void bytesCompareInEitherCaseAndTextExactly() throws Exception {
        assertNull(mismatch(new OutValue.Bytes(new byte[] {(byte) 0xab, 1}), "\"AB01\""));
        assertNotNull(mismatch(new OutValue.Bytes(new byte[] {0, 0x11}), "\"11\""));
        assertNull(mismatch("not-present", "\"not-present\""));
        assertNotNull(mismatch("permission", "\"not-present\""));
        assertNull(mismatch(new OutValue.HexNumber(0x1000), "4096"));
        assertNull(mismatch(new OutValue.Bytes(new byte[] {0x10, 0x32, 0x54, 0x76, (byte) 0x98, (byte) 0xba}),
                "\"1032547698ba\""), "a bytes string may start with a digit");
        assertNotNull(mismatch(0x1032L, "\"1032ab\""), "but it is no number");
    }

    @Test
    void malformedPredicatesAreRejectedBeforeRunning() {
        for (String bad : new String[] {"{\"~aligned\": 3}", "{\"~mask\": 3}", "{\"~value\": 3}", "{\"~eq\": 1}",
                "{\"~min\": 1, \"x\": 2}", "{\"~min\": \"0xZ\"}", "\"$unknown\"", "1.5"}) {
            assertThrows(ValueProblem.class, () -> Checker.validate(MAPPER.readTree(bad), Set.of()), bad);
        }
    }
}
