package io.iommufdsim.scenario.internal.ops;

import com.fasterxml.jackson.databind.JsonNode;
import io.iommufdsim.api.IommufdException;
import io.iommufdsim.api.SimProcess;
import io.iommufdsim.api.uapi.IoctlCommand;
import io.iommufdsim.api.uapi.UapiField;
import io.iommufdsim.api.uapi.UapiStruct;
import io.iommufdsim.api.uapi.VendorPayload;
import io.iommufdsim.api.uapi.VfioInfoCap;
import io.iommufdsim.scenario.internal.values.IntegerValues;
import io.iommufdsim.scenario.internal.values.NameTable;
import io.iommufdsim.scenario.internal.values.StepError;
import io.iommufdsim.scenario.internal.values.ValueProblem;
import io.iommufdsim.scenario.internal.values.Vars;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A named ioctl op, driven only by the struct layout in {@link IoctlCommand}: the args are the struct's
 * fields by their uAPI names (omitted fields 0, {@code size}/{@code argsz} the struct's size), arrays
 * reached by a user pointer are JSON arrays (their count field defaults to the array's length), and
 * the outputs are the fields and arrays the kernel wrote back, plus {@code ret} on success.
 * VFIO device ioctls also take {@code device}, and the bind's {@code iommufd} defaults to the ctx's fd.
 * A vendor struct reached by {@code data_uptr} ({@link IoctlCommand#vendorPayload()}) is a JSON object
 * when the kernel reads it, and comes back as the output {@code data} when the kernel writes it.
 */
final class IoctlOp implements Op {
    /** The first field of every iommufd / VFIO struct: the size the caller passes. */
    private static final Set<String> SIZE_FIELDS = Set.of("size", "argsz");
    /** Above this a given size is not backed by memory: the bytes past the struct then fault. */
    private static final long MAX_STAGED_SIZE = 1 << 20;
    private static final String DEVICE = "device";
    private static final String PLAIN_ARG = "arg";
    /** The output holding an INFO ioctl's capability chain. */
    private static final String CAPS = "caps";
    /** The INFO struct field that gives the first capability's offset. */
    private static final String CAP_OFFSET = "cap_offset";
    /** The output holding a vendor struct the kernel wrote (IOMMU_GET_HW_INFO). */
    private static final String DATA = "data";

    private final IoctlCommand command;
    private final Set<String> outputs = new HashSet<>();

    IoctlOp(IoctlCommand command) {
        this.command = command;
        outputs.add("ret");
        if (!takesPlainValue()) {
            for (UapiField f : command.struct().fields()) {
                if (f.isOutput()) {
                    outputs.add(f.name());
                }
            }
        }
        if (!command.capabilities().isEmpty()) {
            outputs.add(CAPS);
        }
        if (command.vendorPayload() != null && command.vendorPayload().writtenByKernel()) {
            outputs.add(DATA);
        }
    }

    @Override
    public String name() {
        return command.name();
    }

    /** An ioctl whose argument is a value rather than a pointer to a struct (VFIO_CHECK_EXTENSION). */
    private boolean takesPlainValue() {
        return command.takesPlainValue();
    }

    private boolean onDevice() {
        return command.target() == IoctlCommand.Target.VFIO_DEVICE;
    }

    @Override
    public boolean hasOutput(String name) {
        return outputs.contains(name);
    }

    @Override
    public void validateArgs(JsonNode args, Set<String> scope) throws ArgProblem {
        for (Iterator<Map.Entry<String, JsonNode>> it = args.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            String name = e.getKey();
            try {
                if (onDevice() && name.equals(DEVICE)) {
                    ArgKind.STRING.validate(e.getValue(), scope);
                } else if (takesPlainValue() && name.equals(PLAIN_ARG)) {
                    if (e.getValue().isArray()) {
                        throw new ValueProblem("bad number " + e.getValue());
                    }
                    IntegerValues.validate(e.getValue(), NameTable.UAPI, scope);
                } else {
                    UapiField f = takesPlainValue() ? null : command.struct().field(name);
                    if (f == null) {
                        throw new ArgProblem(name, "unknown field for " + command.name());
                    }
                    if (isVendorObject(f, e.getValue())) {
                        validateVendorObject(args, e.getValue(), scope);
                    } else {
                        validateField(f, e.getValue(), scope);
                    }
                }
            } catch (ValueProblem p) {
                throw new ArgProblem(name, p.getMessage());
            }
        }
        if (onDevice() && !args.has(DEVICE)) {
            throw new ArgProblem(DEVICE, "missing; " + command.name() + " is issued on a device");
        }
    }

    /** A JSON object given for the pointer to this ioctl's vendor struct. */
    private boolean isVendorObject(UapiField f, JsonNode v) {
        VendorPayload p = command.vendorPayload();
        return p != null && f.name().equals(p.pointerField()) && v.isObject();
    }

    /**
     * A vendor struct the kernel reads: its fields are checked against the layout {@code data_type}
     * names, unless that comes from a variable (then when the step runs).
     */
    private void validateVendorObject(JsonNode args, JsonNode object, Set<String> scope) throws ValueProblem {
        VendorPayload p = command.vendorPayload();
        if (p.writtenByKernel()) {
            throw new ValueProblem("the kernel writes this struct: leave " + p.pointerField()
                    + " out (the runner provides " + p.lengthField() + " bytes) or give a number");
        }
        JsonNode type = args.get(p.typeField());
        if (type == null) {
            throw new ValueProblem("an object needs " + p.typeField() + " naming its struct");
        }
        if (mentionsVariable(type)) {
            return;
        }
        IntegerValues.validate(type, NameTable.UAPI, scope);
        UapiStruct layout;
        try {
            layout = p.kind().layout(IntegerValues.resolve(type, NameTable.UAPI, new Vars()));
        } catch (StepError e) {
            throw new ValueProblem(e.getMessage());
        }
        if (layout == null) {
            throw new ValueProblem(p.typeField() + " " + type + " names no vendor struct");
        }
        VendorData.validate(layout, object, scope);
    }

    private static void validateField(UapiField f, JsonNode v, Set<String> scope) throws ValueProblem {
        if (f.isArrayPointer() && v.isArray()) {
            UapiStruct element = f.arrayElement();
            for (JsonNode e : v) {
                if (e.isObject()) {
                    for (Iterator<Map.Entry<String, JsonNode>> it = e.fields(); it.hasNext(); ) {
                        Map.Entry<String, JsonNode> ef = it.next();
                        UapiField sub = element.field(ef.getKey());
                        if (sub == null) {
                            throw new ValueProblem("unknown field " + ef.getKey() + " of " + element.name());
                        }
                        validateScalar(sub, ef.getValue(), scope);
                    }
                } else if (element.fields().size() == 1) {
                    validateScalar(element.fields().get(0), e, scope);
                } else {
                    throw new ValueProblem("expected an object with the fields of " + element.name() + ", got " + e);
                }
            }
            return;
        }
        validateScalar(f, v, scope);
    }

    static void validateScalar(UapiField f, JsonNode v, Set<String> scope) throws ValueProblem {
        // scenario-format.md, "Step": only flags-like fields take a list (of names, OR-ed); a list for
        // any other field, e.g. a data_uptr array, would otherwise be OR-ed into a bogus number
        if (v.isArray() && !isFlags(f)) {
            throw new ValueProblem("bad number " + v + ": only a flags field takes a list");
        }
        IntegerValues.validate(v, NameTable.UAPI, scope);
        if (!mentionsVariable(v)) {
            try {
                checkWidth(f, IntegerValues.resolve(v, NameTable.UAPI, new Vars()));
            } catch (StepError e) {
                throw new ValueProblem(e.getMessage());
            }
        }
    }

    private static boolean isFlags(UapiField f) {
        return f.name().endsWith("flags");
    }

    private static boolean mentionsVariable(JsonNode v) {
        if (v.isArray()) {
            for (JsonNode e : v) {
                if (mentionsVariable(e)) {
                    return true;
                }
            }
            return false;
        }
        return v.isTextual() && v.textValue().startsWith("$");
    }

    /** A value fits a field of {@code width} bytes as unsigned or as two's complement (-1 for an fd). */
    private static void checkWidth(UapiField f, long v) throws StepError {
        int bits = 8 * f.width();
        if (bits < 64 && (v >= 1L << bits || v < -(1L << (bits - 1)))) {
            throw new StepError("bad number 0x" + Long.toHexString(v) + ": " + f.name() + " has " + bits + " bits");
        }
    }

    /** An array placed in staging memory by the runner. */
    private record StagedArray(UapiField pointer, long address, long capacity) {
    }

    @Override
    public void run(StepCall call) throws IommufdException, StepError {
        SimProcess caller = call.ctx().process();
        StagingMemory memory = new StagingMemory();
        if (takesPlainValue()) {
            JsonNode arg = call.arg(PLAIN_ARG);
            long value = arg == null ? 0 : IntegerValues.resolve(arg, NameTable.UAPI, call.vars());
            call.out("ret", issue(call, caller, value, memory));
            return;
        }
        UapiStruct struct = command.struct();
        byte[] image = new byte[struct.size()];
        for (UapiField f : struct.fields()) {
            JsonNode v = call.arg(f.name());
            if (v != null && !(f.isArrayPointer() && v.isArray()) && !isVendorObject(f, v)) {
                f.set(image, value(f, v, call.vars()));
            } else if (v == null && f.offset() == 0 && SIZE_FIELDS.contains(f.name())) {
                f.set(image, struct.size());
            } else if (v == null && onDevice() && f.name().equals("iommufd")) {
                f.set(image, call.ctx().file().fd());
            }
        }
        List<StagedArray> arrays = stageArrays(call, struct, image, memory);
        StagedArray vendor = stageVendorData(call, image, memory);
        long size = SIZE_FIELDS.contains(struct.fields().get(0).name()) ? struct.fields().get(0).get(image) & 0xffff_ffffL
                : struct.size();
        int staged = (int) Math.max(struct.size(), size <= MAX_STAGED_SIZE ? size : 0);
        byte[] buffer = new byte[staged];
        System.arraycopy(image, 0, buffer, 0, image.length);
        long address = memory.place(buffer);
        try {
            long ret = issue(call, caller, address, memory);
            decode(call, struct, address, arrays, memory, true);
            decodeCapabilities(call, struct, address, buffer.length, memory);
            decodeVendorData(call, address, vendor, memory);
            call.out("ret", ret);
        } catch (IommufdException e) {
            decode(call, struct, address, arrays, memory, false);
            decodeCapabilities(call, struct, address, buffer.length, memory);
            decodeVendorData(call, address, vendor, memory);
            throw e;
        }
    }

    private long issue(StepCall call, SimProcess caller, long arg, StagingMemory memory)
            throws IommufdException, StepError {
        if (onDevice()) {
            return call.session().device(call.string(DEVICE, null)).ioctl(caller, command.number(), arg, memory);
        }
        return call.ctx().file().ioctl(caller, command.number(), arg, memory);
    }

    static long value(UapiField f, JsonNode v, Vars vars) throws StepError {
        long x = IntegerValues.resolve(v, NameTable.UAPI, vars);
        checkWidth(f, x);
        return x;
    }

    /**
     * Places every array given as JSON (setting its count field unless given), and a zeroed buffer of
     * {@code count} elements for an array pointer left out whose count is nonzero.
     */
    private static List<StagedArray> stageArrays(StepCall call, UapiStruct struct, byte[] image, StagingMemory memory)
            throws StepError {
        List<StagedArray> staged = new ArrayList<>();
        for (UapiField f : struct.fields()) {
            if (!f.isArrayPointer()) {
                continue;
            }
            UapiStruct element = f.arrayElement();
            UapiField count = struct.field(f.countField());
            JsonNode v = call.arg(f.name());
            if (v != null && v.isArray()) {
                byte[] bytes = new byte[Math.max(1, v.size() * element.size())];
                for (int i = 0; i < v.size(); i++) {
                    encodeElement(element, v.get(i), bytes, i * element.size(), call.vars());
                }
                long address = memory.place(bytes);
                f.set(image, address);
                if (count != null && !call.has(count.name())) {
                    count.set(image, v.size());
                }
                long capacity = count != null ? Math.min(count.get(image) & 0xffff_ffffL, v.size()) : v.size();
                staged.add(new StagedArray(f, address, capacity));
            } else if (v == null && count != null) {
                long n = count.get(image) & 0xffff_ffffL;
                if (n == 0) {
                    // a NULL pointer with no room: an output array comes back empty (EMSGSIZE probing)
                    staged.add(new StagedArray(f, 0, 0));
                } else if (n * element.size() <= MAX_STAGED_SIZE) {
                    long address = memory.place(new byte[(int) n * element.size()]);
                    f.set(image, address);
                    staged.add(new StagedArray(f, address, n));
                }
            }
        }
        return staged;
    }

    /**
     * The vendor struct of {@link IoctlCommand#vendorPayload()}. One the kernel reads, given as an
     * object, is encoded with the layout its type field names, its length field defaulting to that
     * struct's size. For one the kernel writes (IOMMU_GET_HW_INFO), when the pointer is left out, a
     * zeroed buffer of the length field's bytes is placed: that defaults to the largest struct of the
     * kind, since the device's vendor is known only once the kernel answers (it writes back its own
     * length and type). Returns that buffer (capacity in bytes), or null.
     */
    private StagedArray stageVendorData(StepCall call, byte[] image, StagingMemory memory) throws StepError {
        VendorPayload p = command.vendorPayload();
        if (p == null) {
            return null;
        }
        UapiStruct struct = command.struct();
        UapiField pointer = struct.require(p.pointerField());
        UapiField length = struct.require(p.lengthField());
        JsonNode v = call.arg(p.pointerField());
        if (!p.writtenByKernel()) {
            if (v != null && v.isObject()) {
                long type = struct.require(p.typeField()).get(image) & 0xffff_ffffL;
                UapiStruct layout = p.kind().layout(type);
                if (layout == null) {
                    throw new StepError(p.typeField() + " " + type + " names no vendor struct");
                }
                pointer.set(image, memory.place(VendorData.encode(layout, v, call.vars())));
                if (!call.has(p.lengthField())) {
                    length.set(image, layout.size());
                }
            }
            return null;
        }
        if (v != null) {
            return null;
        }
        long capacity = call.has(p.lengthField()) ? length.get(image) & 0xffff_ffffL : p.kind().largestSize();
        length.set(image, capacity);
        if (capacity == 0 || capacity > MAX_STAGED_SIZE) {
            // a NULL pointer: with data_len 0 the kernel copies nothing; a huge length faults
            return new StagedArray(pointer, 0, capacity == 0 ? 0 : -1);
        }
        long address = memory.place(new byte[(int) capacity]);
        pointer.set(image, address);
        return new StagedArray(pointer, address, capacity);
    }

    /**
     * The vendor struct the kernel wrote, as {@code data}: once the struct came back with the length
     * and type, the first min(length in, length out) bytes decoded with the layout the type names
     * (nothing for a type without a struct, e.g. IOMMU_HW_INFO_TYPE_NONE).
     */
    private void decodeVendorData(StepCall call, long address, StagedArray vendor, StagingMemory memory) {
        if (vendor == null || vendor.capacity() < 0) {
            return;
        }
        VendorPayload p = command.vendorPayload();
        UapiStruct struct = command.struct();
        UapiField length = struct.require(p.lengthField());
        UapiField type = struct.require(p.typeField());
        if (!memory.written(address + length.offset(), length.width())
                || !memory.written(address + type.offset(), type.width())) {
            return;
        }
        byte[] out = memory.peek(address, struct.size());
        UapiStruct layout = p.kind().layout(type.get(out) & 0xffff_ffffL);
        if (layout == null) {
            return;
        }
        int n = (int) Math.min(vendor.capacity(), Math.min(length.get(out) & 0xffff_ffffL, layout.size()));
        byte[] bytes = new byte[layout.size()];
        if (n > 0) {
            System.arraycopy(memory.peek(vendor.address(), n), 0, bytes, 0, n);
        }
        call.out(DATA, VendorData.decode(layout, bytes, n));
    }

    private static void encodeElement(UapiStruct element, JsonNode v, byte[] bytes, int offset, Vars vars)
            throws StepError {
        byte[] one = new byte[element.size()];
        if (v.isObject()) {
            for (Iterator<Map.Entry<String, JsonNode>> it = v.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                UapiField sub = element.field(e.getKey());
                sub.set(one, value(sub, e.getValue(), vars));
            }
        } else {
            UapiField only = element.fields().get(0);
            only.set(one, value(only, v, vars));
        }
        System.arraycopy(one, 0, bytes, offset, one.length);
    }

    /**
     * The outputs the kernel wrote: each output field whose bytes were all copied back, and each output
     * array with min(count in, count out) elements once the struct came back. An array without a count
     * field (the GET_DIRTY_BITMAP bitmap, which the kernel ORs bits into and never copies the struct
     * back for) is output whole after a successful call, or after a failed one that wrote into it.
     */
    private static void decode(StepCall call, UapiStruct struct, long address,
                               List<StagedArray> arrays, StagingMemory memory, boolean succeeded) {
        for (StagedArray a : arrays) {
            UapiField f = a.pointer();
            int bytes = (int) a.capacity() * f.arrayElement().size();
            if (f.isOutput() && f.countField() == null && a.capacity() > 0
                    && (succeeded || memory.anyWritten(a.address(), bytes))) {
                call.out(f.name(), elements(f.arrayElement(), memory.peek(a.address(), bytes), (int) a.capacity()));
            }
        }
        if (!memory.anyWritten(address, struct.size())) {
            return;
        }
        byte[] out = memory.peek(address, struct.size());
        for (UapiField f : struct.fields()) {
            if (f.isOutput() && !f.isArrayPointer() && memory.written(address + f.offset(), f.width())) {
                call.out(f.name(), number(f, out));
            }
        }
        for (StagedArray a : arrays) {
            UapiField f = a.pointer();
            if (!f.isOutput() || f.countField() == null) {
                continue;
            }
            long entries = a.capacity();
            UapiField count = struct.field(f.countField());
            if (count != null && count.isOutput() && memory.written(address + count.offset(), count.width())) {
                entries = Math.min(entries, count.get(out) & 0xffff_ffffL);
            }
            byte[] bytes = entries == 0 ? new byte[0] : memory.peek(a.address(), (int) entries * f.arrayElement().size());
            call.out(f.name(), elements(f.arrayElement(), bytes, (int) entries));
        }
    }

    /**
     * An INFO ioctl's capability chain as Linux wrote it into the argsz-byte buffer: from
     * {@code cap_offset} along each header's {@code next}, each capability as an object of its vfio.h
     * fields (a flexible array as a list of element objects, its count field bounding it). Output only
     * if {@code cap_offset} was written back; empty when it is 0 (the chain did not fit).
     */
    private void decodeCapabilities(StepCall call, UapiStruct struct, long address, int bufferSize,
                                    StagingMemory memory) {
        UapiField capOffset = struct.field(CAP_OFFSET);
        if (command.capabilities().isEmpty() || capOffset == null
                || !memory.written(address + capOffset.offset(), capOffset.width())) {
            return;
        }
        byte[] buffer = memory.peek(address, bufferSize);
        UapiStruct header = VfioInfoCap.HEADER;
        List<Object> caps = new ArrayList<>();
        long at = capOffset.get(buffer);
        // the kernel places each capability after the previous one; anything else ends the walk
        long min = struct.size();
        while (at != 0 && at >= min && at + header.size() <= bufferSize) {
            byte[] head = Arrays.copyOfRange(buffer, (int) at, (int) at + header.size());
            int id = (int) header.require("id").get(head);
            VfioInfoCap cap = VfioInfoCap.byId(command.capabilities(), id);
            UapiStruct fixed = cap != null && at + cap.fixed().size() <= bufferSize ? cap.fixed() : header;
            byte[] image = Arrays.copyOfRange(buffer, (int) at, (int) at + fixed.size());
            Map<String, Object> m = new LinkedHashMap<>();
            for (UapiField f : fixed.fields()) {
                if (!f.name().equals("reserved")) {
                    m.put(f.name(), number(f, image));
                }
            }
            if (fixed != header && cap.arrayElement() != null) {
                long count = cap.fixed().require(cap.countField()).get(image);
                long room = (bufferSize - at - fixed.size()) / cap.arrayElement().size();
                int n = (int) Math.min(count, room);
                byte[] elements = Arrays.copyOfRange(buffer, (int) (at + fixed.size()),
                        (int) (at + fixed.size()) + n * cap.arrayElement().size());
                m.put(cap.arrayField(), elements(cap.arrayElement(), elements, n));
            }
            caps.add(m);
            long next = header.require("next").get(head);
            min = at + header.size();
            at = next;
        }
        call.out(CAPS, caps);
    }

    private static List<Object> elements(UapiStruct element, byte[] bytes, int n) {
        List<Object> list = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            byte[] one = new byte[element.size()];
            System.arraycopy(bytes, i * element.size(), one, 0, one.length);
            if (element.fields().size() == 1) {
                list.add(number(element.fields().get(0), one));
            } else {
                Map<String, Object> m = new LinkedHashMap<>();
                for (UapiField sub : element.fields()) {
                    m.put(sub.name(), number(sub, one));
                }
                list.add(m);
            }
        }
        return list;
    }

    /** A field's value: signed fields as {@link Integer}, unsigned ones as {@link Long}. */
    private static Object number(UapiField f, byte[] image) {
        long v = f.get(image);
        return f.signed() && f.width() <= 4 ? (Object) (int) v : (Object) v;
    }
}
