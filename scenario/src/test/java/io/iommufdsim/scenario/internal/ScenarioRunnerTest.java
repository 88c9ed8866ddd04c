package io.iommufdsim.scenario.internal;

import static io.iommufdsim.scenario.internal.RunHarness.doc;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.iommufdsim.scenario.ScenarioRunner;
import io.iommufdsim.scenario.internal.fake.FakeDevice;
import io.iommufdsim.scenario.internal.fake.FakeFile;
import io.iommufdsim.scenario.internal.fake.FakeMachine;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ScenarioRunnerTest {
    private static final ObjectMapper MAPPER = new ObjectMapper();

    @TempDir
    Path dir;

    private RunHarness run(String json) throws Exception {
        RunHarness h = new RunHarness(dir);
        return h.run(h.file("s.json", json));
    }

    private List<JsonNode> runJson(String json) throws Exception {
        RunHarness h = new RunHarness(dir);
        h.run(true, Map.of(), h.file("s.json", json));
        assertEquals(ScenarioRunner.EXIT_PASSED, h.exit, h.output());
        return h.lines.subList(0, h.lines.size() - 1).stream().map(l -> {
            try {
                return MAPPER.readTree(l);
            } catch (Exception e) {
                throw new AssertionError(l, e);
            }
        }).toList();
    }

    @Test
    void aPassingScenarioPrintsOneLinePerStepThenTheSummaryAndExitsZero() throws Exception {
        RunHarness h = run(doc(
                "{\"op\": \"IOMMU_IOAS_ALLOC\", \"save\": {\"ioas\": \"out_ioas_id\"}, \"check\": {\"out_ioas_id\": 1}}",
                "{\"op\": \"IOMMU_DESTROY\", \"args\": {\"id\": \"$ioas\"}}",
                "{\"op\": \"IOMMU_DESTROY\", \"args\": {\"id\": \"$ioas\"}, \"expect\": \"ENOENT\"}"));
        assertEquals(0, h.exit, h.output());
        assertEquals(5, h.lines.size(), h.output());
        assertTrue(h.lines.get(0).startsWith("# ") && h.lines.get(0).endsWith("s.json row 0"), h.lines.get(0));
        assertTrue(h.step(0).startsWith("0 IOMMU_IOAS_ALLOC OK OK "), h.step(0));
        assertTrue(h.step(0).contains("out_ioas_id=0x1"), h.step(0));
        assertTrue(h.step(0).contains("ret=0x0"), h.step(0));
        assertTrue(h.step(2).startsWith("2 IOMMU_DESTROY ENOENT ENOENT"), h.step(2));
        assertEquals("3 passed, 0 failed", h.last());
    }

    @Test
    void aFailedExpectationIsReportedAndTheRowGoesOn() throws Exception {
        RunHarness h = run(doc(
                "{\"op\": \"IOMMU_DESTROY\", \"args\": {\"id\": 5}}",
                "{\"op\": \"IOMMU_IOAS_ALLOC\", \"check\": {\"out_ioas_id\": 2}}",
                "{\"op\": \"IOMMU_IOAS_ALLOC\", \"check\": {\"out_ioas_id\": 2}}"));
        assertEquals(ScenarioRunner.EXIT_FAILED, h.exit);
        assertTrue(h.step(0).contains("IOMMU_DESTROY ENOENT OK"), h.step(0));
        assertTrue(h.step(0).contains("FAIL: expected OK, got ENOENT"), h.step(0));
        assertTrue(h.step(1).contains("FAIL: check out_ioas_id: expected 0x2"), h.step(1));
        assertFalse(h.step(2).contains("FAIL"), h.step(2));
        assertEquals("1 passed, 2 failed", h.last());
    }

    @Test
    void anInvalidFileRunsNoStepAndExitsTwoNamingFileStepAndField() throws Exception {
        RunHarness h = new RunHarness(dir);
        Path bad = h.file("a-bad.json", doc(
                "{\"op\": \"IOMMU_IOAS_ALLOC\"}",
                "{\"op\": \"IOMMU_IOAS_MAP\", \"args\": {\"ioas_id\": 1, \"lenght\": 4096}}"));
        Path good = h.file("b-good.json", doc("{\"op\": \"IOMMU_IOAS_ALLOC\"}"));
        h.run(dir);
        assertEquals(ScenarioRunner.EXIT_INVALID, h.exit);
        assertEquals("invalid scenario: " + bad + ": step 1: field args.lenght: unknown field for IOMMU_IOAS_MAP",
                h.step(0));
        assertEquals(List.of("# " + good + " row 0"), h.headers());
        assertTrue(h.step(1).startsWith("0 IOMMU_IOAS_ALLOC OK OK"), h.step(1));
        assertEquals("1 passed, 0 failed", h.last());
        assertEquals(1, h.factory.machines.size(), "only the valid file got a machine");
    }

    @Test
    void everyKindOfInvalidityIsExitCodeTwo() throws Exception {
        String[][] cases = {
                {"{\"steps\": [", "JSON syntax error"},
                {doc("{\"op\": \"IOMMU_NO_SUCH\"}"), "step 0: field op: unknown op IOMMU_NO_SUCH"},
                {doc("{\"op\": \"SIM_MMAP\", \"args\": {\"length\": \"0x10g\"}}"), "step 0: field args.length: bad number"},
                {doc("{\"op\": \"SIM_MMAP\", \"args\": {\"length\": 1, \"color\": 2}}"), "field args.color: unknown field"},
                {doc("{\"op\": \"SIM_MMAP\", \"args\": {}}"), "field args.length: missing"},
                {doc("{\"op\": \"IOMMU_IOAS_ALLOC\", \"args\": {\"flags\": [\"NOPE\"]}}"), "field args.flags: unknown name"},
                {doc("{\"op\": \"IOMMU_DESTROY\", \"args\": {\"id\": \"0x100000000\"}}"), "field args.id: bad number"},
                {doc("{\"op\": \"IOMMU_DESTROY\", \"args\": {\"id\": \"$x\"}}"), "field args.id: unknown variable $x"},
                {doc("{\"op\": \"IOMMU_IOAS_ALLOC\", \"expect\": \"EWHAT\"}"), "field expect: unknown errno"},
                {doc("{\"op\": \"IOMMU_IOAS_ALLOC\", \"save\": {\"a\": \"ioas\"}}"), "field save.a: unknown field"},
                {doc("{\"op\": \"IOMMU_IOAS_ALLOC\", \"check\": {\"flags\": 0}}"), "field check.flags: unknown field"},
                {doc("{\"op\": \"IOMMU_IOAS_ALLOC\", \"comment\": \"x\"}"), "step 0: field comment: unknown field"},
                {doc("{\"op\": \"SIM_DMA\", \"args\": {\"device\": \"d\", \"iova\": 0, \"dir\": \"write\"}}"), "field args.bytes"},
                {doc("{\"op\": \"SIM_MMAP\", \"args\": {\"length\": 1, \"backing\": \"2m\"}}"), "unknown backing"},
                {"{\"params\": {\"a\": [1, 2], \"b\": [1]}, \"steps\": []}", "field params.b: has 1 values"},
                {"{\"steps\": [], \"extra\": 1}", "field extra: unknown field"},
                {"{\"params\": {\"d\": [\"x\", 3]}, \"steps\": [{\"op\": \"IOMMU_DESTROY\", \"args\": {\"id\": \"$d\"}}]}",
                        "step 0: field args.id: unknown name \"x\" (parameter row 0)"},
        };
        for (String[] c : cases) {
            RunHarness h = run(c[0]);
            assertEquals(ScenarioRunner.EXIT_INVALID, h.exit, c[0]);
            assertTrue(h.step(0).contains(c[1]), c[0] + " -> " + h.step(0));
            assertEquals("0 passed, 0 failed", h.last());
            assertTrue(h.factory.machines.isEmpty());
        }
    }

    @Test
    void eachParameterRowRunsOnAFreshMachineWithItsValuesSubstituted() throws Exception {
        RunHarness h = run("{\"params\": {\"iommu\": [\"intel-vtd\", \"missing\"], \"n\": [1, 2]},"
                + "\"steps\": [{\"op\": \"SIM_DEVICE_ADD\", \"args\": {\"iommu\": \"$iommu\", \"name\": \"nic$n\"}}]}");
        assertEquals(2, h.factory.machines.size());
        assertTrue(h.factory.machines.get(0).devices.containsKey("nic1"));
        assertTrue(h.factory.machines.get(1).devices.isEmpty());
        assertTrue(h.factory.machines.get(0).closed && h.factory.machines.get(1).closed);
        assertEquals(List.of("# " + dir.resolve("s.json") + " row 0 iommu=intel-vtd n=1",
                "# " + dir.resolve("s.json") + " row 1 iommu=missing n=2"), h.headers());
        assertTrue(h.step(1).startsWith("0 SIM_DEVICE_ADD ENOENT OK"), h.step(1));
        assertEquals("1 passed, 1 failed", h.last());
    }

    @Test
    void onlyRunsMatchingRowsAndFilesWithoutTheKeyRunWhole() throws Exception {
        RunHarness h = new RunHarness(dir);
        Path withKey = h.file("a.json", "{\"params\": {\"driver\": [\"intel-vtd\", \"amd-vi\", \"intel-vtd\"]},"
                + "\"steps\": [{\"op\": \"IOMMU_IOAS_ALLOC\"}]}");
        Path without = h.file("b.json", doc("{\"op\": \"IOMMU_IOAS_ALLOC\"}", "{\"op\": \"IOMMU_IOAS_ALLOC\"}"));
        h.run(false, Map.of("driver", "intel-vtd"), withKey, without);
        assertEquals(0, h.exit);
        assertEquals(List.of("# " + withKey + " row 0 driver=intel-vtd", "# " + withKey + " row 2 driver=intel-vtd",
                "# " + without + " row 0"), h.headers());
        assertEquals("4 passed, 0 failed", h.last());
        h.run(false, Map.of("driver", "s390"), withKey);
        assertEquals("0 passed, 0 failed", h.last());
    }

    @Test
    void jsonOutputHasOneObjectPerStepThenTheSummary() throws Exception {
        List<JsonNode> steps = runJson(doc(
                "{\"op\": \"IOMMU_IOAS_ALLOC\", \"save\": {\"ioas\": \"out_ioas_id\"}}",
                "{\"op\": \"IOMMU_IOAS_IOVA_RANGES\", \"args\": {\"ioas_id\": \"$ioas\"}, \"expect\": \"EMSGSIZE\","
                        + " \"check\": {\"num_iovas\": 2, \"allowed_iovas\": []}}"));
        JsonNode first = steps.get(0);
        assertTrue(first.get("file").asText().endsWith("s.json"));
        assertEquals(0, first.get("row").asInt());
        assertEquals(0, first.get("step").asInt());
        assertEquals("IOMMU_IOAS_ALLOC", first.get("op").asText());
        assertEquals("OK", first.get("status").asText());
        assertEquals("OK", first.get("expect").asText());
        assertTrue(first.get("ok").asBoolean());
        assertEquals(1, first.get("out").get("out_ioas_id").asInt());
        JsonNode second = steps.get(1);
        assertEquals("EMSGSIZE", second.get("status").asText());
        assertEquals(2, second.get("out").get("num_iovas").asInt());
        assertEquals(4096, second.get("out").get("out_iova_alignment").asInt());
        assertFalse(second.get("out").has("ret"), "no ret on an error");
    }

    @Test
    void jsonStepObjectsHaveExactlyTheKeysOfTheFormatEvenOnAFailedStep() throws Exception {
        RunHarness h = new RunHarness(dir);
        h.run(true, Map.of(), h.file("s.json", doc(
                "{\"op\": \"IOMMU_IOAS_ALLOC\", \"check\": {\"out_ioas_id\": 2}}",
                "{\"op\": \"IOMMU_DESTROY\", \"args\": {\"id\": 9}}")));
        assertEquals(ScenarioRunner.EXIT_FAILED, h.exit, h.output());
        assertEquals(3, h.lines.size(), h.output());
        for (String line : h.lines.subList(0, 2)) {
            JsonNode step = MAPPER.readTree(line);
            List<String> keys = new java.util.ArrayList<>();
            step.fieldNames().forEachRemaining(keys::add);
            assertEquals(List.of("file", "row", "step", "op", "status", "expect", "ok", "out"), keys, line);
            assertFalse(step.get("ok").asBoolean(), line);
        }
        assertEquals("0 passed, 2 failed", h.last());
    }

    @Test
    void arraysTheKernelWroteBackAreDecodedUpToMinOfCountInAndOut() throws Exception {
        List<JsonNode> steps = runJson(doc(
                "{\"op\": \"IOMMU_IOAS_ALLOC\", \"save\": {\"ioas\": \"out_ioas_id\"}}",
                "{\"op\": \"IOMMU_IOAS_IOVA_RANGES\", \"args\": {\"ioas_id\": \"$ioas\", \"num_iovas\": 1},"
                        + " \"expect\": \"EMSGSIZE\", \"check\": {\"allowed_iovas\": [{\"start\": 0, \"last\": \"0xfedfffff\"}]}}",
                "{\"op\": \"IOMMU_IOAS_IOVA_RANGES\", \"args\": {\"ioas_id\": \"$ioas\", \"allowed_iovas\": [{}, {}, {}]},"
                        + " \"check\": {\"num_iovas\": 2, \"allowed_iovas\": [{\"start\": 0}, {\"last\": \"U64_MAX\"}]}}"));
        JsonNode ranges = steps.get(2).get("out").get("allowed_iovas");
        assertEquals("0xfef00000", "0x" + Long.toHexString(ranges.get(1).get("start").asLong()));
        assertEquals("0xffffffffffffffff", ranges.get(1).get("last").asText(), "2^53 and above are hex strings");
    }

    @Test
    void inputArraysArePlacedWithTheirCountDefaultingToTheLength() throws Exception {
        RunHarness h = run(doc("{\"op\": \"IOMMU_IOAS_ALLOW_IOVAS\", \"args\": {\"ioas_id\": 1, \"allowed_iovas\": "
                + "[{\"start\": \"0x100000\", \"last\": \"0x1fffff\"}, {\"start\": \"0x400000\", \"last\": \"0x4fffff\"}]},"
                + " \"check\": {\"ret\": 0}}"));
        assertEquals(0, h.exit, h.output());
        FakeFile f = h.factory.machines.get(0).files.get(0);
        assertEquals(List.of(0x100000L, 0x1fffffL, 0x400000L, 0x4fffffL),
                java.util.Arrays.stream(f.allowed).boxed().toList());
    }

    @Test
    void sizeDefaultsToTheStructSizeAndMayBeGivenToTestBadSizes() throws Exception {
        RunHarness h = run(doc(
                "{\"op\": \"IOMMU_IOAS_ALLOC\", \"args\": {\"size\": 8}, \"expect\": \"EINVAL\", \"check\": {}}",
                "{\"op\": \"IOMMU_IOAS_ALLOC\", \"args\": {\"flags\": 1}, \"expect\": \"EOPNOTSUPP\"}"));
        assertEquals(0, h.exit, h.output());
        assertTrue(h.step(0).endsWith("EINVAL EINVAL"), "no outputs when nothing was written back: " + h.step(0));
    }

    @Test
    void aCtxIsItsOwnIommufdAndSimCloseMakesTheNextUseOpenANewOne() throws Exception {
        RunHarness h = run(doc(
                "{\"op\": \"IOMMU_IOAS_ALLOC\", \"check\": {\"out_ioas_id\": 1}}",
                "{\"op\": \"IOMMU_IOAS_ALLOC\", \"ctx\": \"other\", \"check\": {\"out_ioas_id\": 1}}",
                "{\"op\": \"IOMMU_IOAS_ALLOC\", \"check\": {\"out_ioas_id\": 2}}",
                "{\"op\": \"SIM_CLOSE\"}",
                "{\"op\": \"SIM_CLOSE\", \"ctx\": \"never-used\"}",
                "{\"op\": \"IOMMU_IOAS_ALLOC\", \"check\": {\"out_ioas_id\": 1}}"));
        assertEquals(0, h.exit, h.output());
        FakeMachine m = h.factory.machines.get(0);
        assertEquals(3, m.files.size());
        assertTrue(m.files.get(0).closed);
        assertFalse(m.files.get(1).closed);
    }

    @Test
    void simProcessSwitchesTheCtxCallerAndRefusesOtherCredentials() throws Exception {
        RunHarness h = run(doc(
                "{\"op\": \"SIM_PROCESS\", \"args\": {\"name\": \"p2\", \"uid\": 2000, \"caps\": [\"CAP_IPC_LOCK\"]}}",
                "{\"op\": \"IOMMU_IOAS_ALLOC\"}",
                "{\"op\": \"SIM_PROCESS\", \"args\": {\"name\": \"main\", \"uid\": 0}, \"expect\": \"EINVAL\"}",
                "{\"op\": \"SIM_PROCESS\", \"args\": {\"name\": \"main\", \"caps\": []}, \"expect\": \"EINVAL\"}",
                "{\"op\": \"SIM_PROCESS\", \"args\": {\"name\": \"main\", \"uid\": 1000, \"caps\": [\"CAP_SYS_RESOURCE\"]}}",
                "{\"op\": \"IOMMU_IOAS_ALLOC\"}",
                "{\"op\": \"SIM_PROCESS_STATS\", \"args\": {\"process\": \"nobody\"}, \"expect\": \"ESRCH\"}"));
        assertEquals(0, h.exit, h.output());
        FakeMachine m = h.factory.machines.get(0);
        FakeFile f = m.files.get(0);
        assertEquals("p2", f.opener().name());
        assertEquals("main", f.lastCaller.name());
        assertEquals(2000, m.processes.get("p2").uid());
    }

    @Test
    void vfioDeviceOpsGoToTheDeviceWithTheBindTakingTheCtxFd() throws Exception {
        RunHarness h = run(doc(
                "{\"op\": \"SIM_DEVICE_ADD\", \"args\": {\"iommu\": \"intel-vtd\", \"name\": \"nic0\", \"pasid_bits\": 8,"
                        + " \"pri\": true, \"reserved\": [{\"start\": 0, \"last\": \"0xfff\"}]}}",
                "{\"op\": \"IOMMU_IOAS_ALLOC\"}",
                "{\"op\": \"VFIO_DEVICE_BIND_IOMMUFD\", \"args\": {\"device\": \"nic0\"}, \"check\": {\"out_devid\": 103}}",
                "{\"op\": \"VFIO_DEVICE_BIND_IOMMUFD\", \"args\": {\"device\": \"nic0\", \"iommufd\": -1},"
                        + " \"check\": {\"out_devid\": 99}}",
                "{\"op\": \"VFIO_DEVICE_BIND_IOMMUFD\", \"args\": {\"device\": \"nic9\"}, \"expect\": \"ENOENT\"}",
                "{\"op\": \"SIM_DEVICE_CLOSE\", \"args\": {\"device\": \"nic0\"}}",
                "{\"op\": \"SIM_DEVICE_CLOSE\", \"args\": {\"device\": \"nic9\"}, \"expect\": \"ENOENT\"}"));
        assertEquals(0, h.exit, h.output());
        FakeDevice d = h.factory.machines.get(0).devices.get("nic0");
        assertEquals(8, d.config.pasidBits());
        assertTrue(d.config.pri());
        assertEquals(0xfffL, d.config.reserved().get(0).last());
        assertTrue(d.closed);
    }

    @Test
    void dmaFaultsAreEfaultWithTheFaultOutputs() throws Exception {
        RunHarness h = run(doc(
                "{\"op\": \"SIM_DEVICE_ADD\", \"args\": {\"iommu\": \"intel-vtd\", \"name\": \"d\"}}",
                "{\"op\": \"SIM_DMA\", \"args\": {\"device\": \"d\", \"iova\": \"0xdead000\", \"length\": 8, \"dir\": \"read\"},"
                        + " \"expect\": \"EFAULT\", \"check\": {\"fault_iova\": \"0xdead000\", \"fault_reason\": \"not-present\"}}",
                "{\"op\": \"SIM_DMA\", \"args\": {\"device\": \"d\", \"iova\": \"0x10\", \"length\": 8, \"dir\": \"read\"},"
                        + " \"check\": {\"bytes\": \"1011121314151617\", \"qwords\": [\"0x1716151413121110\"]}}",
                "{\"op\": \"SIM_DMA\", \"args\": {\"device\": \"d\", \"iova\": 0, \"dir\": \"write\", \"qwords\": [1]}}",
                "{\"op\": \"SIM_DMA\", \"args\": {\"device\": \"d\", \"iova\": 0, \"length\": 4, \"dir\": \"write\", \"qwords\": [1]},"
                        + " \"expect\": \"OK\"}"));
        assertEquals(1, h.exit, h.output());
        assertTrue(h.step(1).contains("fault_reason=not-present"), h.step(1));
        assertTrue(h.step(4).contains(" ERROR OK FAIL: length 4 differs from the 8 bytes given"), h.step(4));
        assertEquals("4 passed, 1 failed", h.last());
    }

    @Test
    void memoryWritesAndReadsAreLittleEndianThroughTheProcess() throws Exception {
        RunHarness h = run(doc(
                "{\"op\": \"SIM_MMAP\", \"args\": {\"length\": \"0x4000\", \"backing\": \"thp\", \"prot\": [\"READ\"]},"
                        + " \"save\": {\"buf\": \"user_va\"}, \"check\": {\"user_va\": {\"~aligned\": \"0x200000\"}}}",
                "{\"op\": \"SIM_MEM_WRITE\", \"args\": {\"user_va\": \"$buf+0x1000\", \"qwords\": [\"0x1122334455667788\"]}}",
                "{\"op\": \"SIM_MEM_READ\", \"args\": {\"user_va\": \"$buf+0x1000\", \"length\": 8},"
                        + " \"check\": {\"bytes\": \"8877665544332211\", \"qwords\": [\"0x1122334455667788\"]}, \"save\": {\"b\": \"bytes\"}}",
                "{\"op\": \"SIM_MEM_WRITE\", \"args\": {\"user_va\": \"$buf\", \"bytes\": \"$b\"}}",
                "{\"op\": \"SIM_MEM_READ\", \"args\": {\"user_va\": \"$buf\", \"length\": 3}, \"check\": {\"bytes\": \"887766\"}}",
                "{\"op\": \"SIM_MEM_READ\", \"args\": {\"user_va\": 0, \"length\": 8}, \"expect\": \"EFAULT\"}",
                "{\"op\": \"SIM_PIN_COUNT\", \"args\": {\"user_va\": \"$buf\", \"length\": 4096}, \"check\": {\"min\": 0, \"max\": 1}}",
                "{\"op\": \"SIM_PROCESS_STATS\", \"check\": {\"locked_vm\": 1, \"pinned_vm\": 2, \"user_locked_vm\": 3}}",
                "{\"op\": \"SIM_MUNMAP\", \"args\": {\"user_va\": \"$buf\", \"length\": \"0x4000\"}}"));
        assertEquals(0, h.exit, h.output());
        assertEquals(io.iommufdsim.api.SimProcess.PROT_READ,
                h.factory.machines.get(0).processes.get("main").lastProt);
        assertTrue(h.step(2).contains("bytes=8877665544332211 qwords=[\"0x1122334455667788\"]"), h.step(2));
    }

    @Test
    void theRawIoctlPathUsesTheProcessMemory() throws Exception {
        RunHarness h = run(doc(
                "{\"op\": \"SIM_MMAP\", \"args\": {\"length\": 4096}, \"save\": {\"buf\": \"user_va\"}}",
                "{\"op\": \"SIM_MEM_WRITE\", \"args\": {\"user_va\": \"$buf\", \"bytes\": \"0c000000000000000000000000\"}}",
                "{\"op\": \"SIM_IOCTL\", \"args\": {\"cmd\": \"IOMMU_IOAS_ALLOC\", \"arg\": \"$buf\"}, \"check\": {\"ret\": 0}}",
                "{\"op\": \"SIM_MEM_READ\", \"args\": {\"user_va\": \"$buf+8\", \"length\": 4}, \"check\": {\"bytes\": \"01000000\"}}",
                "{\"op\": \"SIM_IOCTL\", \"args\": {\"cmd\": \"0x3b81\", \"arg\": 0}, \"expect\": \"EFAULT\"}",
                "{\"op\": \"SIM_IOCTL\", \"args\": {\"cmd\": 15232, \"arg\": \"$buf\"}, \"expect\": \"ENOENT\"}"));
        assertEquals(0, h.exit, h.output());
    }

    @Test
    void accessFdAndMachineActionsGoThroughTheApi() throws Exception {
        RunHarness h = run(doc(
                "{\"op\": \"IOMMU_IOAS_ALLOC\", \"save\": {\"ioas\": \"out_ioas_id\"}}",
                "{\"op\": \"SIM_ACCESS_CREATE\", \"args\": {\"ioas_id\": \"$ioas\", \"flags\": [\"NEEDS_PIN_PAGES\"]},"
                        + " \"save\": {\"acc\": \"access_id\"}, \"check\": {\"access_id\": 2}}",
                "{\"op\": \"SIM_ACCESS_PIN\", \"args\": {\"access_id\": \"$acc\", \"iova\": 0, \"length\": 8192,"
                        + " \"flags\": [\"WRITE\"]}, \"check\": {\"pfns\": [\"0x1234\", \"0x5678\"]}}",
                "{\"op\": \"SIM_ACCESS_RW\", \"args\": {\"access_id\": \"$acc\", \"iova\": 0, \"length\": 2},"
                        + " \"check\": {\"bytes\": \"0000\"}}",
                "{\"op\": \"SIM_ACCESS_DESTROY\", \"args\": {\"access_id\": \"$acc\"}}",
                "{\"op\": \"SIM_ACCESS_DESTROY\", \"args\": {\"access_id\": \"$acc\"}, \"expect\": \"ENOENT\"}",
                "{\"op\": \"SIM_MEMFD\", \"args\": {\"length\": 4096}, \"save\": {\"fd\": \"fd\"}}",
                "{\"op\": \"SIM_FTRUNCATE\", \"args\": {\"fd\": \"$fd\", \"length\": 8192}}",
                "{\"op\": \"SIM_FD_READ\", \"args\": {\"fd\": \"$fd\"}, \"check\": {\"records\": [{\"fault_id\": 7}]}}",
                "{\"op\": \"SIM_FD_WRITE\", \"args\": {\"fd\": \"$fd\", \"records\": [{\"code\": 0}, {\"code\": 1}]},"
                        + " \"check\": {\"count\": 2}}",
                "{\"op\": \"SIM_FD_CLOSE\", \"args\": {\"fd\": \"$fd\"}}",
                "{\"op\": \"SIM_FD_CLOSE\", \"args\": {\"fd\": \"$fd\"}, \"expect\": \"EBADF\"}",
                "{\"op\": \"SIM_PT_DUMP\", \"args\": {\"hwpt_id\": 9}, \"check\": {\"table_pages\": 4,"
                        + " \"leaves\": [{\"iova\": \"0x100000000\", \"level\": 1, \"size\": \"0x200000\"}]}}",
                "{\"op\": \"SIM_PT_DUMP\", \"args\": {\"hwpt_id\": 8}, \"expect\": \"ENOENT\"}",
                "{\"op\": \"SIM_IOMMU_ADD\", \"args\": {\"driver\": \"intel-vtd\", \"name\": \"vtd2\","
                        + " \"config\": {\"levels\": 3, \"dirty_tracking\": false, \"cap_reg\": \"0xd2008c40660462\"}}}",
                "{\"op\": \"SIM_IOMMU_ADD\", \"args\": {\"driver\": \"nope\", \"name\": \"x\"}, \"expect\": \"ENODEV\"}",
                "{\"op\": \"SIM_DEVICE_ADD\", \"args\": {\"iommu\": \"vtd2\", \"name\": \"d\"}}",
                "{\"op\": \"SIM_IOTLB_STATS\", \"args\": {\"device\": \"d\"}, \"check\": {\"hits\": 5, \"misses\": 6,"
                        + " \"invalidations\": 7}}",
                "{\"op\": \"SIM_DRIVER_STOP\", \"args\": {\"driver\": \"intel-vtd\"}}",
                "{\"op\": \"SIM_DRIVER_START\", \"args\": {\"driver\": \"amd-vi\"}, \"expect\": \"ENOENT\"}",
                "{\"op\": \"SIM_SET_RLIMIT\", \"args\": {\"memlock\": \"0x100000\"}}",
                "{\"op\": \"SIM_PROCESS_EXIT\", \"args\": {\"name\": \"main\"}}"));
        assertEquals(0, h.exit, h.output());
        FakeMachine m = h.factory.machines.get(0);
        assertEquals(Map.of("levels", 3L, "dirty_tracking", false, "cap_reg", 0xd2008c40660462L), m.iommus.get("vtd2"));
        assertEquals(List.of("stop intel-vtd"), m.driverEvents);
        assertEquals(0x100000L, m.processes.get("main").rlimitMemlock());
        assertTrue(h.step(12).contains("leaves=[{\"iova\":\"0x100000000\",\"size\":\"0x200000\",\"level\":\"0x1\","
                + "\"pte\":\"0x80000000000000e3\"}]"), h.step(12));
    }

    @Test
    void aVariableWhoseStepFailedIsAnErrorOnTheStepThatUsesIt() throws Exception {
        RunHarness h = run(doc(
                "{\"op\": \"IOMMU_IOAS_ALLOC\", \"args\": {\"flags\": 1}, \"save\": {\"ioas\": \"out_ioas_id\"}}",
                "{\"op\": \"IOMMU_DESTROY\", \"args\": {\"id\": \"$ioas\"}}"));
        assertEquals(1, h.exit);
        assertTrue(h.step(1).contains("IOMMU_DESTROY ERROR OK FAIL: variable $ioas is not bound"), h.step(1));
    }
}
