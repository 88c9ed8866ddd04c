package io.iommufdsim.scenario.internal.doc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.iommufdsim.api.Errno;
import io.iommufdsim.scenario.internal.ops.OpCatalog;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ScenarioDocumentTest {
    private static final ObjectMapper MAPPER = new ObjectMapper();
    private final OpCatalog catalog = new OpCatalog();

    /** The example of scenario-format.md, word for word. */
    private static final String SPEC_EXAMPLE = """
            {
              "description": "a fixed map over an existing one is refused and changes nothing",
              "params": { "driver": ["intel-vtd", "arm-smmuv3", "amd-vi", "s390"] },
              "steps": [
                { "op": "SIM_MMAP", "args": { "length": "0x400000", "backing": "thp" }, "save": { "buf": "user_va" } },
                { "op": "SIM_DEVICE_ADD", "args": { "iommu": "$driver", "name": "nic0" } },
                { "op": "VFIO_DEVICE_BIND_IOMMUFD", "args": { "device": "nic0" }, "save": { "dev": "out_devid" } },
                { "op": "IOMMU_IOAS_ALLOC", "save": { "ioas": "out_ioas_id" } },
                { "op": "VFIO_DEVICE_ATTACH_IOMMUFD_PT", "args": { "device": "nic0", "pt_id": "$ioas" }, "save": { "hwpt": "pt_id" } },
                { "op": "IOMMU_IOAS_MAP", "args": { "ioas_id": "$ioas", "user_va": "$buf", "length": "0x200000", "iova": "0x100000000",
                    "flags": ["IOMMU_IOAS_MAP_FIXED_IOVA", "IOMMU_IOAS_MAP_READABLE", "IOMMU_IOAS_MAP_WRITEABLE"] } },
                { "op": "IOMMU_IOAS_MAP", "args": { "ioas_id": "$ioas", "user_va": "$buf", "length": "0x1000", "iova": "0x100001000",
                    "flags": ["IOMMU_IOAS_MAP_FIXED_IOVA", "IOMMU_IOAS_MAP_READABLE"] }, "expect": "EEXIST" },
                { "op": "SIM_DMA", "args": { "device": "nic0", "iova": "0x100001000", "length": 8, "dir": "write", "qwords": ["0x1122334455667788"] } },
                { "op": "SIM_MEM_READ", "args": { "user_va": "$buf+0x1000", "length": 8 }, "check": { "qwords": ["0x1122334455667788"] } }
              ]
            }
            """;

    private static ScenarioDocument parse(String json) throws InvalidScenarioException {
        return ScenarioDocument.parse("t.json", json.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void theSpecExampleIsValidWithOneRowPerDriver() throws Exception {
        ScenarioDocument doc = parse(SPEC_EXAMPLE);
        assertEquals("a fixed map over an existing one is refused and changes nothing", doc.description());
        List<ParamRow> rows = doc.rows(catalog);
        assertEquals(4, rows.size());
        assertEquals("arm-smmuv3", rows.get(1).steps().get(1).args().get("iommu").textValue());
        Step refused = rows.get(0).steps().get(6);
        assertEquals(Errno.EEXIST, refused.expect());
        assertEquals("default", refused.ctx());
        assertNull(rows.get(0).steps().get(0).expect());
        assertEquals(Map.of("buf", "user_va"), rows.get(0).steps().get(0).save());
    }

    @Test
    void paramsAreSubstitutedWholeOrInsideText() throws Exception {
        Map<String, JsonNode> row = Map.of("n", MAPPER.readTree("4096"), "d", MAPPER.readTree("\"vtd\""),
                "dx", MAPPER.readTree("\"other\""));
        JsonNode step = MAPPER.readTree("{\"a\": \"$n\", \"b\": \"$n+0x10\", \"c\": \"nic-$d\", \"e\": \"$dx\","
                + " \"f\": [\"$unknown\"], \"$n\": \"keys stay\"}");
        JsonNode out = ScenarioDocument.substitute(step, row);
        assertTrue(out.get("a").isInt());
        assertEquals(4096, out.get("a").intValue());
        assertEquals("0x1010", out.get("b").textValue());
        assertEquals("nic-vtd", out.get("c").textValue());
        assertEquals("other", out.get("e").textValue());
        assertEquals("$unknown", out.get("f").get(0).textValue());
        assertEquals("keys stay", out.get("$n").textValue());
    }

    @Test
    void aVariableIsKnownOnlyAfterTheStepThatSavesIt() {
        InvalidScenarioException e = assertThrows(InvalidScenarioException.class, () -> parse(
                "{\"steps\": [{\"op\": \"IOMMU_IOAS_ALLOC\", \"args\": {\"flags\": \"$ioas\"}, \"save\": {\"ioas\": \"out_ioas_id\"}}]}")
                .rows(catalog));
        assertEquals(0, e.step());
        assertEquals("args.flags", e.field());
        assertEquals("t.json", e.file());
    }

    @Test
    void aParamsFileWithEmptyListsHasNoRowsAndOneWithoutParamsHasOne() throws Exception {
        assertEquals(0, parse("{\"params\": {\"d\": []}, \"steps\": []}").rows(catalog).size());
        assertEquals(1, parse("{\"steps\": []}").rows(catalog).size());
    }

    @Test
    void duplicateKeysAndTrailingGarbageAreSyntaxErrors() {
        assertThrows(InvalidScenarioException.class, () -> parse("{\"steps\": [], \"steps\": []}"));
        assertThrows(InvalidScenarioException.class, () -> parse("{\"steps\": []} x"));
        assertThrows(InvalidScenarioException.class, () -> parse("[]"));
    }

    @Test
    void everyRowIsValidatedBeforeAnythingRuns() {
        InvalidScenarioException e = assertThrows(InvalidScenarioException.class, () -> parse(
                "{\"params\": {\"id\": [1, \"0xfffffffff\"]}, \"steps\": [{\"op\": \"IOMMU_DESTROY\", \"args\": {\"id\": \"$id\"}}]}")
                .rows(catalog));
        assertEquals("args.id", e.field());
        assertTrue(e.problem().endsWith("(parameter row 1)"), e.problem());
    }

    @Test
    void aListIsRefusedForAnIoctlFieldThatIsNotFlags() throws Exception {
        InvalidScenarioException e = assertThrows(InvalidScenarioException.class, () -> parse(
                "{\"steps\": [{\"op\": \"IOMMU_HWPT_INVALIDATE\", \"args\": {\"data_uptr\": [1, 2]}}]}")
                .rows(catalog));
        assertEquals(0, e.step());
        assertEquals("args.data_uptr", e.field());
        assertEquals(1, parse("{\"steps\": [{\"op\": \"IOMMU_IOAS_MAP\", \"args\": {\"flags\":"
                + " [\"IOMMU_IOAS_MAP_READABLE\", 2]}}]}").rows(catalog).size());
    }

    @Test
    void aParameterTakesPlusAndMinusNLikeAVariable() throws Exception {
        List<ParamRow> rows = parse("{\"params\": {\"base\": [\"0x100000000\", 4096], \"id\": [1, \"2\"]},"
                + " \"steps\": [{\"op\": \"IOMMU_IOAS_UNMAP\", \"args\": {\"iova\": \"$base+0x1000\","
                + " \"ioas_id\": \"$id-1\", \"length\": \"$base-1\"}}]}").rows(catalog);
        JsonNode first = rows.get(0).steps().get(0).args();
        assertEquals("0x100001000", first.get("iova").textValue());
        assertEquals("0x0", first.get("ioas_id").textValue());
        assertEquals("0xffffffff", first.get("length").textValue());
        JsonNode second = rows.get(1).steps().get(0).args();
        assertEquals("0x2000", second.get("iova").textValue());
        assertEquals("0x1", second.get("ioas_id").textValue());
    }
}
