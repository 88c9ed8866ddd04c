package io.iommufdsim.bench;

import java.util.SplittableRandom;

/** Pointer-chasing orders shared by the translate benchmarks and their baselines. */
final class Chains {
    private Chains() {
    }

    /**
     * A random permutation of {@code 0..n-1} that is one single cycle (Sattolo's algorithm), so
     * following {@code next[i]} from anywhere visits every index before coming back; fixed seed.
     */
    static int[] singleCycle(int n) {
        int[] next = new int[n];
        for (int i = 0; i < n; i++) {
            next[i] = i;
        }
        SplittableRandom random = new SplittableRandom(0x10_4d_f5_17L);
        for (int i = n - 1; i > 0; i--) {
            int j = random.nextInt(i);
            int t = next[i];
            next[i] = next[j];
            next[j] = t;
        }
        return next;
    }

    /** The baseline of every translate benchmark: {@code steps} dependent loads {@code i = next[i]} from {@code from}. */
    static int follow(long[] next, int from, int steps) {
        int i = from;
        for (int k = 0; k < steps; k++) {
            i = (int) next[i];
        }
        return i;
    }
}
