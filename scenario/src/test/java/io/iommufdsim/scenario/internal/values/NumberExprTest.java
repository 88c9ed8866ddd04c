package io.iommufdsim.scenario.internal.values;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

class NumberExprTest {
    private static final ObjectMapper MAPPER = new ObjectMapper();

    private static long value(String json) throws Exception {
        JsonNode node = MAPPER.readTree(json);
        Vars vars = new Vars();
        vars.bind("buf", 0x1000L);
        return NumberExpr.of(node).eval(vars);
    }

    @Test
    void decimalHexAndU64MaxAreUnsigned64BitNumbers() throws Exception {
        assertEquals(4096, value("4096"));
        assertEquals(4096, value("\"4096\""));
        assertEquals(0x100000000L, value("\"0x100000000\""));
        assertEquals(-1L, value("\"U64_MAX\""));
        assertEquals(-1L, value("\"0xffffffffffffffff\""));
        assertEquals(-1L, value("18446744073709551615"));
        assertEquals(-1L, value("-1"));
    }

    @Test
    void variableExpressionsAddOrSubtractDecimalOrHex() throws Exception {
        assertEquals(0x1000, value("\"$buf\""));
        assertEquals(0x2000, value("\"$buf+0x1000\""));
        assertEquals(0x0fff, value("\"$buf-1\""));
    }

    @Test
    void badNumbersAreValueProblems() {
        for (String bad : new String[] {"\"0x\"", "\"0xZZ\"", "\"12abc\"", "\"0x10000000000000000\"", "1.5",
                "18446744073709551616", "\"$\"", "\"$buf*2\"", "\"$buf+\"", "\"+5\"", "true"}) {
            assertThrows(ValueProblem.class, () -> NumberExpr.of(MAPPER.readTree(bad)), bad);
        }
    }

    @Test
    void anUnboundVariableIsAStepError() {
        assertThrows(StepError.class, () -> NumberExpr.parse("$nothing").eval(new Vars()));
    }

    @Test
    void flagListsAreOredAndUnknownNamesRejected() throws Exception {
        JsonNode flags = MAPPER.readTree("[\"IOMMU_IOAS_MAP_FIXED_IOVA\", \"IOMMU_IOAS_MAP_READABLE\", 8]");
        IntegerValues.validate(flags, NameTable.UAPI, java.util.Set.of());
        assertEquals(1 | 4 | 8, IntegerValues.resolve(flags, NameTable.UAPI, new Vars()));
        ValueProblem p = assertThrows(ValueProblem.class,
                () -> IntegerValues.validate(MAPPER.readTree("[\"IOMMU_NO_SUCH_FLAG\"]"), NameTable.UAPI, java.util.Set.of()));
        assertEquals("unknown name \"IOMMU_NO_SUCH_FLAG\"", p.getMessage());
        assertThrows(ValueProblem.class,
                () -> IntegerValues.validate(MAPPER.readTree("\"$later\""), NameTable.UAPI, java.util.Set.of()));
    }

    @Test
    void qwordsAreLittleEndian() throws Exception {
        byte[] b = HexBytes.fromQwords(new long[] {0x1122334455667788L});
        assertEquals("8877665544332211", HexBytes.format(b));
        assertEquals(0x1122334455667788L, HexBytes.toQwords(HexBytes.parse("8877665544332211"))[0]);
        assertEquals("abcd", HexBytes.format(HexBytes.parse("ABcd")));
        assertThrows(ValueProblem.class, () -> HexBytes.parse("abc"));
        assertThrows(ValueProblem.class, () -> HexBytes.parse("zz"));
    }
}
