package io.iommufdsim.api.uapi;

/**
 * One field of a uAPI struct: its name in the kernel header, byte offset, width (1, 2, 4 or 8 bytes),
 * whether it is signed, and which way it flows. A user pointer to an array names the element struct
 * and the field that counts the elements.
 */
public record UapiField(String name, int offset, int width, boolean signed, Direction direction,
                        UapiStruct arrayElement, String countField) {

    public enum Direction {
        /** Read by the kernel only. */
        IN,
        /** Written by the kernel. */
        OUT,
        /** Read, and written back with a result. */
        INOUT
    }

    public boolean isArrayPointer() {
        return arrayElement != null;
    }

    public boolean isOutput() {
        return direction != Direction.IN;
    }

    public boolean isReserved() {
        return name.startsWith("__reserved");
    }

    /** Reads this field from a little-endian struct image. */
    public long get(byte[] struct) {
        long v = 0;
        for (int i = width - 1; i >= 0; i--) {
            v = (v << 8) | (struct[offset + i] & 0xffL);
        }
        if (signed && width < 8) {
            int shift = 64 - 8 * width;
            v = (v << shift) >> shift;
        }
        return v;
    }

    /** Writes this field into a little-endian struct image (truncated to the field's width). */
    public void set(byte[] struct, long value) {
        for (int i = 0; i < width; i++) {
            struct[offset + i] = (byte) (value >>> (8 * i));
        }
    }

    /** True if {@code value} fits the field's width (as unsigned, or as signed for a signed field). */
    public boolean fits(long value) {
        if (width == 8) {
            return true;
        }
        long max = 1L << (8 * width);
        if (signed) {
            return value >= -(max >> 1) && value < (max >> 1);
        }
        return value >= 0 && value < max;
    }
}
