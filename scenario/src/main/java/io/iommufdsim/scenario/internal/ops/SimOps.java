package io.iommufdsim.scenario.internal.ops;

import static io.iommufdsim.scenario.internal.ops.ArgKind.BACKING;
import static io.iommufdsim.scenario.internal.ops.ArgKind.BOOL;
import static io.iommufdsim.scenario.internal.ops.ArgKind.BYTES;
import static io.iommufdsim.scenario.internal.ops.ArgKind.COMMAND;
import static io.iommufdsim.scenario.internal.ops.ArgKind.NUMBER;
import static io.iommufdsim.scenario.internal.ops.ArgKind.OBJECT;
import static io.iommufdsim.scenario.internal.ops.ArgKind.QWORDS;
import static io.iommufdsim.scenario.internal.ops.ArgKind.RANGES;
import static io.iommufdsim.scenario.internal.ops.ArgKind.RECORDS;
import static io.iommufdsim.scenario.internal.ops.ArgKind.STRING;

import com.fasterxml.jackson.databind.JsonNode;
import io.iommufdsim.api.Backing;
import io.iommufdsim.api.Capability;
import io.iommufdsim.api.DeviceConfig;
import io.iommufdsim.api.DmaFaultException;
import io.iommufdsim.api.EmulatedAccesses;
import io.iommufdsim.api.Errno;
import io.iommufdsim.api.IommufdException;
import io.iommufdsim.api.IotlbStats;
import io.iommufdsim.api.IovaRange;
import io.iommufdsim.api.MemoryStats;
import io.iommufdsim.api.PageTableDump;
import io.iommufdsim.api.SimDevice;
import io.iommufdsim.api.SimMachine;
import io.iommufdsim.api.SimProcess;
import io.iommufdsim.api.uapi.IoctlCommand;
import io.iommufdsim.scenario.internal.values.HexBytes;
import io.iommufdsim.scenario.internal.values.IntegerValues;
import io.iommufdsim.scenario.internal.values.NameTable;
import io.iommufdsim.scenario.internal.values.NumberExpr;
import io.iommufdsim.scenario.internal.values.OutValue;
import io.iommufdsim.scenario.internal.values.StepError;
import io.iommufdsim.scenario.internal.values.ValueProblem;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** The SIM_ actions of scenario-format.md ("Simulation actions"), each carried out through the API. */
final class SimOps {
    private static final Map<String, Long> PROT = Map.of("READ", (long) SimProcess.PROT_READ,
            "WRITE", (long) SimProcess.PROT_WRITE);
    private static final Map<String, Long> ACCESS_CREATE_FLAGS =
            Map.of("NEEDS_PIN_PAGES", (long) EmulatedAccesses.NEEDS_PIN_PAGES);
    private static final Map<String, Long> ACCESS_FLAGS = Map.of("WRITE", (long) EmulatedAccesses.WRITE);
    private static final ArgKind CAPS = (v, scope) -> {
        if (!v.isArray()) {
            throw new ValueProblem("expected a list of capability names, got " + v);
        }
        for (JsonNode c : v) {
            if (!c.isTextual() || capability(c.textValue()) == null) {
                throw new ValueProblem("unknown capability " + c);
            }
        }
    };
    private static final ArgKind DIR = ArgKind.word(Set.of("read", "write"));

    private SimOps() {
    }

    static Map<String, Op> all() {
        Map<String, Op> ops = new LinkedHashMap<>();
        for (SimOp op : List.of(memoryOps(), processOps(), machineOps(), accessOps(), fileOps()).stream()
                .flatMap(List::stream).toList()) {
            ops.put(op.name(), op);
        }
        return ops;
    }

    private static List<SimOp> memoryOps() {
        return List.of(
                SimOp.named("SIM_MMAP").required("length", NUMBER).optional("backing", BACKING)
                        .optional("prot", ArgKind.flags(PROT)).optional("process", STRING)
                        .optional("fd", NUMBER).optional("offset", NUMBER).outputs("user_va")
                        .body(c -> {
                            int prot = c.has("prot") ? (int) c.flags("prot", NameTable.of(PROT))
                                    : SimProcess.PROT_READ | SimProcess.PROT_WRITE;
                            c.out("user_va", c.process().mmap(c.number("length", 0), backing(c), prot,
                                    c.intNumber("fd", -1), c.number("offset", 0)));
                        }),
                SimOp.named("SIM_MUNMAP").required("user_va", NUMBER).required("length", NUMBER)
                        .optional("process", STRING)
                        .body(c -> c.process().munmap(c.number("user_va", 0), c.number("length", 0))),
                SimOp.named("SIM_MEMFD").required("length", NUMBER).optional("backing", BACKING).outputs("fd")
                        .body(c -> c.out("fd", (long) c.ctx().process().memfdCreate(c.number("length", 0), backing(c)))),
                SimOp.named("SIM_FTRUNCATE").required("fd", NUMBER).required("length", NUMBER)
                        .body(c -> c.ctx().process().ftruncate(c.intNumber("fd", 0), c.number("length", 0))),
                SimOp.named("SIM_MEM_WRITE").required("user_va", NUMBER).optional("qwords", QWORDS)
                        .optional("bytes", BYTES).optional("process", STRING).rule(SimOps::exactlyOneData)
                        .body(c -> c.process().write(c.number("user_va", 0), c.data())),
                SimOp.named("SIM_MEM_READ").required("user_va", NUMBER).required("length", NUMBER)
                        .optional("process", STRING).outputs("bytes", "qwords")
                        .body(c -> outData(c, c.process().read(c.number("user_va", 0), c.intNumber("length", 0)))),
                SimOp.named("SIM_PIN_COUNT").required("user_va", NUMBER).required("length", NUMBER)
                        .optional("process", STRING).outputs("min", "max")
                        .body(c -> {
                            long[] minMax = c.process().pinCount(c.number("user_va", 0), c.number("length", 0));
                            c.out("min", minMax[0]);
                            c.out("max", minMax[1]);
                        }));
    }

    private static List<SimOp> processOps() {
        return List.of(
                SimOp.named("SIM_PROCESS").required("name", STRING).optional("uid", NUMBER).optional("caps", CAPS)
                        .body(SimOps::process),
                SimOp.named("SIM_PROCESS_EXIT").required("name", STRING)
                        .body(c -> c.session().process(c.string("name", null)).exit()),
                SimOp.named("SIM_PROCESS_STATS").optional("process", STRING)
                        .outputs("locked_vm", "pinned_vm", "user_locked_vm")
                        .body(c -> {
                            MemoryStats s = c.process().stats();
                            c.out("locked_vm", s.lockedVm());
                            c.out("pinned_vm", s.pinnedVm());
                            c.out("user_locked_vm", s.userLockedVm());
                        }),
                SimOp.named("SIM_SET_RLIMIT").required("memlock", NUMBER).optional("process", STRING)
                        .body(c -> c.process().setRlimitMemlock(c.number("memlock", 0))));
    }

    private static List<SimOp> machineOps() {
        return List.of(
                SimOp.named("SIM_IOMMU_ADD").required("driver", STRING).required("name", STRING)
                        .optional("config", OBJECT)
                        .body(c -> c.session().machine().addIommu(c.string("driver", null), c.string("name", null),
                                JsonToJava.map(c.arg("config"), c.vars()))),
                SimOp.named("SIM_DEVICE_ADD").required("iommu", STRING).required("name", STRING)
                        .optional("pasid_bits", NUMBER).optional("pri", BOOL).optional("reserved", RANGES)
                        .body(c -> c.session().machine().addDevice(c.string("iommu", null), c.string("name", null),
                                new DeviceConfig(c.intNumber("pasid_bits", -1), c.bool("pri", false), ranges(c)))),
                SimOp.named("SIM_DEVICE_CLOSE").required("device", STRING)
                        .body(c -> c.session().device(c.string("device", null)).close()),
                SimOp.named("SIM_DMA").required("device", STRING).optional("pasid", NUMBER).required("iova", NUMBER)
                        .optional("length", NUMBER).required("dir", DIR).optional("bytes", BYTES)
                        .optional("qwords", QWORDS).outputs("bytes", "qwords", "fault_iova", "fault_reason")
                        .rule(SimOps::dmaData).body(SimOps::dma),
                SimOp.named("SIM_IOTLB_STATS").required("device", STRING).outputs("hits", "misses", "invalidations")
                        .body(c -> {
                            IotlbStats s = c.session().device(c.string("device", null)).iotlbStats();
                            c.out("hits", s.hits());
                            c.out("misses", s.misses());
                            c.out("invalidations", s.invalidations());
                        }),
                SimOp.named("SIM_DRIVER_STOP").required("driver", STRING)
                        .body(c -> c.session().machine().stopDriver(c.string("driver", null))),
                SimOp.named("SIM_DRIVER_START").required("driver", STRING)
                        .body(c -> c.session().machine().startDriver(c.string("driver", null))));
    }

    private static List<SimOp> accessOps() {
        return List.of(
                SimOp.named("SIM_ACCESS_CREATE").required("ioas_id", NUMBER)
                        .optional("flags", ArgKind.flags(ACCESS_CREATE_FLAGS)).outputs("access_id")
                        .body(c -> c.out("access_id", (long) c.ctx().file().accesses().create(c.ctx().process(),
                                u32(c, "ioas_id"), (int) c.flags("flags", NameTable.of(ACCESS_CREATE_FLAGS))))),
                SimOp.named("SIM_ACCESS_REPLACE_IOAS").required("access_id", NUMBER).required("ioas_id", NUMBER)
                        .body(c -> c.ctx().file().accesses().replaceIoas(u32(c, "access_id"), u32(c, "ioas_id"))),
                SimOp.named("SIM_ACCESS_PIN").required("access_id", NUMBER).required("iova", NUMBER)
                        .required("length", NUMBER).optional("flags", ArgKind.flags(ACCESS_FLAGS)).outputs("pfns")
                        .body(c -> {
                            long[] pfns = c.ctx().file().accesses().pin(u32(c, "access_id"), c.number("iova", 0),
                                    c.number("length", 0), (int) c.flags("flags", NameTable.of(ACCESS_FLAGS)));
                            List<Object> list = new ArrayList<>(pfns.length);
                            for (long pfn : pfns) {
                                list.add(pfn);
                            }
                            c.out("pfns", list);
                        }),
                SimOp.named("SIM_ACCESS_UNPIN").required("access_id", NUMBER).required("iova", NUMBER)
                        .required("length", NUMBER)
                        .body(c -> c.ctx().file().accesses().unpin(u32(c, "access_id"), c.number("iova", 0),
                                c.number("length", 0))),
                SimOp.named("SIM_ACCESS_RW").required("access_id", NUMBER).required("iova", NUMBER)
                        .optional("length", NUMBER).optional("flags", ArgKind.flags(ACCESS_FLAGS))
                        .optional("bytes", BYTES).outputs("bytes").body(SimOps::accessRw),
                SimOp.named("SIM_ACCESS_DESTROY").required("access_id", NUMBER)
                        .body(c -> c.ctx().file().accesses().destroy(u32(c, "access_id"))));
    }

    private static List<SimOp> fileOps() {
        return List.of(
                SimOp.named("SIM_CLOSE").body(c -> c.ctx().close()),
                SimOp.named("SIM_FD_CLOSE").required("fd", NUMBER)
                        .body(c -> c.ctx().process().closeFd(c.intNumber("fd", 0))),
                SimOp.named("SIM_FD_READ").required("fd", NUMBER).optional("count", NUMBER).outputs("records")
                        .body(c -> c.out("records", fromApi(c.ctx().process().readRecords(c.intNumber("fd", 0),
                                c.intNumber("count", 1))))),
                SimOp.named("SIM_FD_WRITE").required("fd", NUMBER).required("records", RECORDS).outputs("count")
                        .body(SimOps::fdWrite),
                SimOp.named("SIM_IOCTL").required("cmd", COMMAND).optional("arg", NUMBER).outputs("ret")
                        .body(SimOps::rawIoctl),
                SimOp.named("SIM_PT_DUMP").required("hwpt_id", NUMBER).outputs("leaves", "table_pages")
                        .body(SimOps::ptDump));
    }

    private static Backing backing(StepCall c) throws StepError {
        String name = c.string("backing", Backing.FOUR_K.scenarioName());
        Backing b = Backing.byScenarioName(name);
        if (b == null) {
            throw new StepError("unknown backing \"" + name + "\"");
        }
        return b;
    }

    private static int u32(StepCall c, String arg) throws StepError {
        long v = c.number(arg, 0);
        if (v < 0 || v > 0xffff_ffffL) {
            throw new StepError(arg + " does not fit in 32 bits");
        }
        return (int) v;
    }

    private static void exactlyOneData(JsonNode args) throws ArgProblem {
        if (args.has("bytes") == args.has("qwords")) {
            throw new ArgProblem(args.has("bytes") ? "qwords" : "bytes", "give exactly one of bytes and qwords");
        }
    }

    private static void dmaData(JsonNode args) throws ArgProblem {
        JsonNode dir = args.get("dir");
        if ("write".equals(dir.textValue())) {
            exactlyOneData(args);
        } else if ("read".equals(dir.textValue())) {
            if (args.has("bytes") || args.has("qwords")) {
                throw new ArgProblem(args.has("bytes") ? "bytes" : "qwords", "a read takes no data");
            }
            if (!args.has("length")) {
                throw new ArgProblem("length", "missing; a read needs it");
            }
        }
    }

    private static void outData(StepCall c, byte[] data) {
        c.out("bytes", new OutValue.Bytes(data));
        if (data.length % 8 == 0) {
            List<Object> qwords = new ArrayList<>();
            for (long q : HexBytes.toQwords(data)) {
                qwords.add(q);
            }
            c.out("qwords", qwords);
        }
    }

    /** Data to write whose {@code length}, when given, must agree with it. */
    private static byte[] writeData(StepCall c) throws StepError {
        byte[] data = c.data();
        if (c.has("length") && c.number("length", 0) != data.length) {
            throw new StepError("length " + c.number("length", 0) + " differs from the " + data.length
                    + " bytes given");
        }
        return data;
    }

    private static void process(StepCall c) throws IommufdException, StepError {
        SimMachine machine = c.session().machine();
        String name = c.string("name", null);
        Set<Capability> caps = null;
        if (c.has("caps")) {
            caps = EnumSet.noneOf(Capability.class);
            for (JsonNode n : c.arg("caps")) {
                caps.add(capability(n.textValue()));
            }
        }
        SimProcess p = machine.process(name);
        if (p == null) {
            p = machine.createProcess(name, c.has("uid") ? u32(c, "uid") : 1000,
                    caps != null ? caps : EnumSet.of(Capability.CAP_SYS_RESOURCE));
        } else {
            // scenario-format.md SIM_PROCESS: switching to an existing process with other credentials
            if (c.has("uid") && p.uid() != u32(c, "uid")) {
                throw new IommufdException(Errno.EINVAL);
            }
            if (caps != null) {
                for (Capability cap : Capability.values()) {
                    if (p.hasCapability(cap) != caps.contains(cap)) {
                        throw new IommufdException(Errno.EINVAL);
                    }
                }
            }
        }
        c.ctx().switchTo(p);
    }

    private static Capability capability(String name) {
        for (Capability cap : Capability.values()) {
            if (cap.name().equals(name)) {
                return cap;
            }
        }
        return null;
    }

    private static List<IovaRange> ranges(StepCall c) throws StepError {
        List<IovaRange> out = new ArrayList<>();
        JsonNode list = c.arg("reserved");
        if (list != null) {
            for (JsonNode r : list) {
                out.add(new IovaRange(IntegerValues.resolve(r.get("start"), NameTable.NONE, c.vars()),
                        IntegerValues.resolve(r.get("last"), NameTable.NONE, c.vars())));
            }
        }
        return out;
    }

    private static void dma(StepCall c) throws IommufdException, StepError {
        SimDevice device = c.session().device(c.string("device", null));
        long pasid = c.has("pasid") ? c.number("pasid", 0) : SimDevice.NO_PASID;
        long iova = c.number("iova", 0);
        try {
            if ("write".equals(c.string("dir", null))) {
                device.dmaWrite(pasid, iova, writeData(c));
            } else {
                outData(c, device.dmaRead(pasid, iova, c.intNumber("length", 0)));
            }
        } catch (DmaFaultException fault) {
            c.out("fault_iova", fault.faultIova());
            c.out("fault_reason", fault.reason());
            throw fault;
        }
    }

    private static void accessRw(StepCall c) throws IommufdException, StepError {
        EmulatedAccesses accesses = c.ctx().file().accesses();
        int id = u32(c, "access_id");
        long iova = c.number("iova", 0);
        if ((c.flags("flags", NameTable.of(ACCESS_FLAGS)) & EmulatedAccesses.WRITE) != 0) {
            if (!c.has("bytes")) {
                throw new StepError("a write needs bytes");
            }
            accesses.write(c.ctx().process(), id, iova, writeData(c));
        } else {
            if (c.has("bytes")) {
                throw new StepError("bytes given to a read (flags without WRITE)");
            }
            c.out("bytes", new OutValue.Bytes(accesses.read(c.ctx().process(), id, iova, c.number("length", 0))));
        }
    }

    @SuppressWarnings("unchecked")
    private static void fdWrite(StepCall c) throws IommufdException, StepError {
        List<Map<String, Object>> records = new ArrayList<>();
        for (JsonNode r : c.arg("records")) {
            records.add((Map<String, Object>) JsonToJava.convert(r, c.vars()));
        }
        c.out("count", (long) c.ctx().process().writeRecords(c.intNumber("fd", 0), records));
    }

    private static void rawIoctl(StepCall c) throws IommufdException, StepError {
        JsonNode cmdNode = c.arg("cmd");
        long cmd;
        if (cmdNode.isTextual() && !NumberExpr.looksNumeric(cmdNode.textValue())) {
            cmd = IoctlCommand.byName(cmdNode.textValue()).number();
        } else {
            cmd = c.number("cmd", 0);
            if (cmd < 0 || cmd > 0xffff_ffffL) {
                throw new StepError("cmd does not fit in 32 bits (ioctl numbers are unsigned int)");
            }
        }
        SimProcess caller = c.ctx().process();
        c.out("ret", c.ctx().file().ioctl(caller, (int) cmd, c.number("arg", 0), caller.memory()));
    }

    private static void ptDump(StepCall c) throws IommufdException, StepError {
        PageTableDump dump = c.ctx().file().pageTableDump(u32(c, "hwpt_id"));
        List<Object> leaves = new ArrayList<>();
        for (PageTableDump.Leaf leaf : dump.leaves()) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("iova", new OutValue.HexNumber(leaf.iova()));
            m.put("size", new OutValue.HexNumber(leaf.size()));
            m.put("level", new OutValue.HexNumber(leaf.level()));
            m.put("pte", new OutValue.HexNumber(leaf.pte()));
            leaves.add(m);
        }
        c.out("leaves", leaves);
        c.out("table_pages", dump.tablePages());
    }

    /** Values from the API (records) in the runner's output kinds. */
    static Object fromApi(Object v) {
        if (v instanceof Number n && !(v instanceof Double) && !(v instanceof Float)) {
            return n.longValue();
        }
        if (v instanceof byte[] b) {
            return new OutValue.Bytes(b);
        }
        if (v instanceof Map<?, ?> m) {
            Map<String, Object> out = new LinkedHashMap<>();
            for (Map.Entry<?, ?> e : m.entrySet()) {
                out.put(String.valueOf(e.getKey()), fromApi(e.getValue()));
            }
            return out;
        }
        if (v instanceof List<?> l) {
            List<Object> out = new ArrayList<>();
            for (Object e : l) {
                out.add(fromApi(e));
            }
            return out;
        }
        if (v instanceof long[] a) {
            List<Object> out = new ArrayList<>();
            for (long e : a) {
                out.add(e);
            }
            return out;
        }
        return v;
    }
}
