package io.iommufdsim.api.uapi;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The layout of a uAPI struct: its kernel size, the minimum size the kernel accepts
 * (offsetofend of the last mandatory field) and its fields in order.
 */
public final class UapiStruct {
    /** The "layout" of an ioctl whose argument is a plain value, not a pointer: no fields, size 0. */
    public static final UapiStruct PLAIN_VALUE = new UapiStruct("plain value", 0, 0, new ArrayList<>());

    private final String name;
    private final int size;
    private final int minSize;
    private final List<UapiField> fields;
    private final Map<String, UapiField> byName;

    private UapiStruct(String name, int size, int minSize, List<UapiField> fields) {
        this.name = name;
        this.size = size;
        this.minSize = minSize;
        this.fields = Collections.unmodifiableList(fields);
        Map<String, UapiField> map = new LinkedHashMap<>();
        for (UapiField f : fields) {
            map.put(f.name(), f);
        }
        this.byName = Collections.unmodifiableMap(map);
    }

    public String name() {
        return name;
    }

    public int size() {
        return size;
    }

    public int minSize() {
        return minSize;
    }

    public List<UapiField> fields() {
        return fields;
    }

    /** The field called {@code fieldName}, or null. */
    public UapiField field(String fieldName) {
        return byName.get(fieldName);
    }

    /** Field accessor that fails loudly on a layout typo: used by handlers, never with user input. */
    public UapiField require(String fieldName) {
        UapiField f = byName.get(fieldName);
        if (f == null) {
            throw new IllegalArgumentException(name + " has no field " + fieldName);
        }
        return f;
    }

    public static Builder builder(String name) {
        return new Builder(name);
    }

    /** Builds a layout field by field; offsets follow the declared order and natural alignment. */
    public static final class Builder {
        private final String name;
        private final List<UapiField> fields = new ArrayList<>();
        private int offset;
        private int minSize = -1;

        private Builder(String name) {
            this.name = name;
        }

        public Builder u8(String field, UapiField.Direction dir) {
            return add(field, 1, false, dir, null, null);
        }

        public Builder u16(String field, UapiField.Direction dir) {
            return add(field, 2, false, dir, null, null);
        }

        public Builder u32(String field, UapiField.Direction dir) {
            return add(field, 4, false, dir, null, null);
        }

        public Builder s32(String field, UapiField.Direction dir) {
            return add(field, 4, true, dir, null, null);
        }

        public Builder u64(String field, UapiField.Direction dir) {
            return add(field, 8, false, dir, null, null);
        }

        /** A byte array such as {@code __u8 __reserved[3]}, read as one little-endian field. */
        public Builder bytes(String field, int width, UapiField.Direction dir) {
            fields.add(new UapiField(field, offset, width, false, dir, null, null));
            offset += width;
            return this;
        }

        /** A __u64 user pointer to {@code countField} elements of {@code element}. */
        public Builder arrayPointer(String field, UapiField.Direction dir, UapiStruct element, String countField) {
            return add(field, 8, false, dir, element, countField);
        }

        /** Marks the end of the mandatory part: the kernel's minimum size is the offset reached so far. */
        public Builder minimumEndsHere() {
            minSize = offset;
            return this;
        }

        private Builder add(String field, int width, boolean signed, UapiField.Direction dir,
                            UapiStruct element, String countField) {
            offset = (offset + width - 1) / width * width;
            fields.add(new UapiField(field, offset, width, signed, dir, element, countField));
            offset += width;
            return this;
        }

        public UapiStruct build() {
            int size = (offset + 7) / 8 * 8;
            boolean has64 = fields.stream().anyMatch(f -> f.width() == 8);
            if (!has64) {
                size = (offset + 3) / 4 * 4;
            }
            return new UapiStruct(name, size, minSize < 0 ? size : minSize, fields);
        }
    }
}
