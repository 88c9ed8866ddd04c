package io.iommufdsim.driver.vtd;

/** Bit-field helpers for the VT-d entry layouts. */
final class VtdBits {
    private VtdBits() {
    }

    /** The mask of bits [high:low] (GENMASK_ULL(high, low)); 0 when high < low. */
    static long field(int high, int low) {
        if (high < low) {
            return 0;
        }
        long upTo = high >= 63 ? -1L : (1L << (high + 1)) - 1;
        return upTo & -(1L << low);
    }
}
