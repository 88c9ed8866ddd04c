package io.iommufdsim.scenario.internal;

import static io.iommufdsim.scenario.internal.RunHarness.doc;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.iommufdsim.api.uapi.UapiConstants;
import io.iommufdsim.api.uapi.UapiStruct;
import io.iommufdsim.api.uapi.VendorStructs;
import io.iommufdsim.scenario.ScenarioRunner;
import io.iommufdsim.scenario.internal.fake.FakeFile;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Vendor structs passed by pointer: HWPT_ALLOC's data as an object, GET_HW_INFO's data as an output. */
class VendorDataTest {
    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final String VTD_DEVICE = doc("{\"op\": \"SIM_DEVICE_ADD\", \"args\": {\"iommu\": \"intel-vtd\", \"name\": \"d\"}}",
            "{\"op\": \"VFIO_DEVICE_BIND_IOMMUFD\", \"args\": {\"device\": \"d\"}, \"save\": {\"dev\": \"out_devid\"}}")
            .replaceAll("]}$", "");

    @TempDir
    Path dir;

    /** Runs steps after binding a device of the default VT-d instance on the real core; the steps' JSON lines. */
    private List<JsonNode> onVtd(String... steps) throws Exception {
        Path file = dir.resolve("s.json");
        Files.writeString(file, VTD_DEVICE + ",\n" + String.join(",\n", steps) + "]}");
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8);
        int exit = new ScenarioRunnerComponent(RealCore.factory()).run(List.of(file), true, Map.of(), out);
        String text = bytes.toString(StandardCharsets.UTF_8);
        assertEquals(ScenarioRunner.EXIT_PASSED, exit, text);
        List<JsonNode> lines = new ArrayList<>();
        for (String l : text.split("\n")) {
            JsonNode n = MAPPER.readTree(l);
            if (n.has("out")) {
                lines.add(n);
            }
        }
        return lines.subList(2, lines.size());
    }

    private static List<String> keys(JsonNode object) {
        List<String> keys = new ArrayList<>();
        object.fieldNames().forEachRemaining(keys::add);
        return keys;
    }

    @Test
    void getHwInfoWithTheDefaultLengthOutputsTheWholeVtdStructAndTheKernelsLength() throws Exception {
        JsonNode out = onVtd("{\"op\": \"IOMMU_GET_HW_INFO\", \"args\": {\"dev_id\": \"$dev\"}}").get(0).get("out");
        assertEquals(24, out.get("data_len").asInt());
        assertEquals(UapiConstants.IOMMU_HW_INFO_TYPE_INTEL_VTD, out.get("out_data_type").asInt());
        JsonNode data = out.get("data");
        assertEquals(List.of("flags", "cap_reg", "ecap_reg"), keys(data), "no __reserved");
        assertEquals(1, data.get("flags").asLong());
        assertEquals("0x9ed008c406f0466", data.get("cap_reg").asText(), "2^53 and above are hex strings");
        assertEquals(0x0003ef9ea6f050dfL, data.get("ecap_reg").asLong());
    }

    @Test
    void aShortDataLenOutputsOnlyTheFieldsThatLieWhollyInIt() throws Exception {
        List<JsonNode> steps = onVtd(
                "{\"op\": \"IOMMU_GET_HW_INFO\", \"args\": {\"dev_id\": \"$dev\", \"data_len\": 8}}",
                "{\"op\": \"IOMMU_GET_HW_INFO\", \"args\": {\"dev_id\": \"$dev\", \"data_len\": 20}}",
                "{\"op\": \"IOMMU_GET_HW_INFO\", \"args\": {\"dev_id\": \"$dev\", \"data_len\": 0}}");
        assertEquals(List.of("flags"), keys(steps.get(0).get("out").get("data")));
        assertEquals(24, steps.get(0).get("out").get("data_len").asInt(), "the kernel's length, not the caller's");
        assertEquals(List.of("flags", "cap_reg"), keys(steps.get(1).get("out").get("data")));
        assertEquals(List.of(), keys(steps.get(2).get("out").get("data")));
        assertEquals(24, steps.get(2).get("out").get("data_len").asInt());
    }

    @Test
    void aNumericDataUptrIsPassedAsItIsAndNoDataIsOutput() throws Exception {
        JsonNode out = onVtd("{\"op\": \"IOMMU_GET_HW_INFO\", \"args\": {\"dev_id\": \"$dev\", \"data_uptr\": 0}}")
                .get(0).get("out");
        assertEquals(24, out.get("data_len").asInt());
        assertFalse(out.has("data"), out.toString());
    }

    @Test
    void aFailedGetHwInfoOutputsNoData() throws Exception {
        JsonNode step = onVtd("{\"op\": \"IOMMU_GET_HW_INFO\", \"args\": {\"dev_id\": \"$dev\", \"flags\": 1,"
                + " \"out_data_type\": \"IOMMU_HW_INFO_TYPE_AMD\"}, \"expect\": \"EOPNOTSUPP\"}").get(0);
        assertFalse(step.get("out").has("data"), step.toString());
    }

    private RunHarness runFake(String... steps) throws Exception {
        RunHarness h = new RunHarness(dir);
        return h.run(h.file("f.json", doc(steps)));
    }

    private static long u64(byte[] b, int offset) {
        return ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).getLong(offset);
    }

    @Test
    void hwptAllocEncodesTheObjectWithTheLayoutItsDataTypeNamesAndDataLenDefaultsToItsSize() throws Exception {
        RunHarness h = runFake("{\"op\": \"IOMMU_HWPT_ALLOC\", \"args\": {\"data_type\": \"IOMMU_HWPT_DATA_VTD_S1\","
                + " \"data_uptr\": {\"flags\": 1, \"pgtbl_addr\": \"0x200000\", \"addr_width\": 48}}}");
        assertEquals(ScenarioRunner.EXIT_PASSED, h.exit, h.output());
        FakeFile f = h.factory.machines.get(0).files.get(0);
        assertEquals(UapiConstants.IOMMU_HWPT_DATA_VTD_S1, f.hwptDataType);
        assertEquals(24, f.hwptDataLen);
        assertEquals(1, u64(f.hwptData, 0));
        assertEquals(0x200000, u64(f.hwptData, 8));
        assertEquals(48, u64(f.hwptData, 16), "addr_width, then __reserved 0");
    }

    @Test
    void arrayFieldsAreJsonArraysWhoseMissingElementsAreZero() throws Exception {
        RunHarness h = runFake("{\"op\": \"IOMMU_HWPT_ALLOC\", \"args\": {\"data_type\": \"IOMMU_HWPT_DATA_ARM_SMMUV3\","
                + " \"data_uptr\": {\"ste\": [\"0x8000000000000001\"]}}}");
        assertEquals(ScenarioRunner.EXIT_PASSED, h.exit, h.output());
        FakeFile f = h.factory.machines.get(0).files.get(0);
        assertEquals(16, f.hwptDataLen);
        assertEquals(0x8000000000000001L, u64(f.hwptData, 0));
        assertEquals(0, u64(f.hwptData, 8));

        h = runFake("{\"op\": \"IOMMU_HWPT_ALLOC\", \"args\": {\"data_type\": 3, \"data_len\": 16,"
                + " \"data_uptr\": {\"dte\": [1, 2, 3, 4]}}}");
        f = h.factory.machines.get(0).files.get(0);
        assertEquals(16, f.hwptDataLen, "a given data_len is kept");
        assertArrayEquals(new long[] {1, 2}, new long[] {u64(f.hwptData, 0), u64(f.hwptData, 8)});
    }

    @Test
    void aBadVendorObjectIsAnInvalidFileNamingTheField() throws Exception {
        String[][] cases = {
                {"{\"data_type\": \"IOMMU_HWPT_DATA_VTD_S1\", \"data_uptr\": {\"pgd\": 1}}",
                        "field args.data_uptr: unknown field pgd of iommu_hwpt_vtd_s1"},
                {"{\"data_type\": \"IOMMU_HWPT_DATA_ARM_SMMUV3\", \"data_uptr\": {\"ste\": [1, 2, 3]}}",
                        "field args.data_uptr: ste of iommu_hwpt_arm_smmuv3 is an array of at most 2 numbers"},
                {"{\"data_type\": \"IOMMU_HWPT_DATA_VTD_S1\", \"data_uptr\": {\"addr_width\": \"0x100000000\"}}",
                        "field args.data_uptr: bad number"},
                {"{\"data_uptr\": {\"flags\": 0}}", "field args.data_uptr: an object needs data_type"},
                {"{\"data_type\": 9, \"data_uptr\": {\"flags\": 0}}", "field args.data_uptr: data_type 9 names no vendor struct"},
        };
        for (String[] c : cases) {
            RunHarness h = runFake("{\"op\": \"IOMMU_HWPT_ALLOC\", \"args\": " + c[0] + "}");
            assertEquals(ScenarioRunner.EXIT_INVALID, h.exit, c[0]);
            assertTrue(h.step(0).contains(c[1]), c[0] + " -> " + h.step(0));
            assertTrue(h.factory.machines.isEmpty());
        }
        RunHarness h = runFake("{\"op\": \"IOMMU_GET_HW_INFO\", \"args\": {\"data_uptr\": {\"flags\": 0}}}");
        assertEquals(ScenarioRunner.EXIT_INVALID, h.exit);
        assertTrue(h.step(0).contains("field args.data_uptr: the kernel writes this struct"), h.step(0));
    }

    @Test
    void vendorLayoutsHaveTheHeadersSizesAndOffsets() {
        assertEquals(24, VendorStructs.HW_INFO_VTD.size());
        assertEquals(8, VendorStructs.HW_INFO_VTD.require("cap_reg").offset());
        assertEquals(16, VendorStructs.HW_INFO_VTD.require("ecap_reg").offset());
        UapiStruct smmu = VendorStructs.HW_INFO_ARM_SMMUV3;
        assertEquals(40, smmu.size());
        assertEquals(8, smmu.require("idr[0]").offset());
        assertEquals(28, smmu.require("idr[5]").offset());
        assertEquals(32, smmu.require("iidr").offset());
        assertEquals(36, smmu.require("aidr").offset());
        assertEquals(8, VendorStructs.HW_INFO_TEGRA241_CMDQV.size());
        assertEquals(16, VendorStructs.HW_INFO_AMD.size());
        assertEquals(24, VendorStructs.HWPT_VTD_S1.size());
        assertEquals(16, VendorStructs.HWPT_VTD_S1.require("addr_width").offset());
        assertEquals(16, VendorStructs.HWPT_ARM_SMMUV3.size());
        assertEquals(32, VendorStructs.HWPT_AMD_GUEST.size());
        assertEquals(40, VendorStructs.Kind.HW_INFO.largestSize(), "the default GET_HW_INFO buffer");
        assertEquals(VendorStructs.HW_INFO_AMD, VendorStructs.Kind.HW_INFO.layout(UapiConstants.IOMMU_HW_INFO_TYPE_AMD));
        assertEquals(null, VendorStructs.Kind.HWPT_DATA.layout(UapiConstants.IOMMU_HWPT_DATA_NONE));
    }
}
