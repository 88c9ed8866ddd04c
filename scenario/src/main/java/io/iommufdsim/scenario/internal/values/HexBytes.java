package io.iommufdsim.scenario.internal.values;

/** The format's {@code bytes} strings: hex without {@code 0x}, two digits a byte, either case. */
public final class HexBytes {
    private static final char[] DIGITS = "0123456789abcdef".toCharArray();

    private HexBytes() {
    }

    public static byte[] parse(String text) throws ValueProblem {
        if (text.length() % 2 != 0) {
            throw new ValueProblem("bytes \"" + text + "\" has an odd number of hex digits");
        }
        byte[] out = new byte[text.length() / 2];
        for (int i = 0; i < out.length; i++) {
            int hi = Character.digit(text.charAt(2 * i), 16);
            int lo = Character.digit(text.charAt(2 * i + 1), 16);
            if (hi < 0 || lo < 0) {
                throw new ValueProblem("bytes \"" + text + "\" is not a hex string");
            }
            out[i] = (byte) (hi << 4 | lo);
        }
        return out;
    }

    public static String format(byte[] data) {
        char[] out = new char[data.length * 2];
        for (int i = 0; i < data.length; i++) {
            out[2 * i] = DIGITS[(data[i] >> 4) & 0xf];
            out[2 * i + 1] = DIGITS[data[i] & 0xf];
        }
        return new String(out);
    }

    /** Little-endian u64 words as bytes (SIM_MEM_WRITE / SIM_DMA {@code qwords}). */
    public static byte[] fromQwords(long[] qwords) {
        byte[] out = new byte[qwords.length * 8];
        for (int i = 0; i < qwords.length; i++) {
            for (int b = 0; b < 8; b++) {
                out[8 * i + b] = (byte) (qwords[i] >>> (8 * b));
            }
        }
        return out;
    }

    /** The whole little-endian u64 words of {@code data} (a trailing partial word is left out). */
    public static long[] toQwords(byte[] data) {
        long[] out = new long[data.length / 8];
        for (int i = 0; i < out.length; i++) {
            long v = 0;
            for (int b = 7; b >= 0; b--) {
                v = (v << 8) | (data[8 * i + b] & 0xffL);
            }
            out[i] = v;
        }
        return out;
    }
}
