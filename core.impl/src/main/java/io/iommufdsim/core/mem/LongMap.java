package io.iommufdsim.core.mem;

import java.util.Arrays;

/**
 * An open-addressing hash map from {@code long} keys to objects, for the sparse directories of this
 * package (no boxing of keys; a lookup allocates nothing). Not thread safe: callers guard it.
 */
final class LongMap<V> {
    private static final long EMPTY = Long.MIN_VALUE;

    private long[] keys;
    private Object[] values;
    private int size;
    private int mask;

    LongMap() {
        this(16);
    }

    LongMap(int initialCapacity) {
        int capacity = Integer.highestOneBit(Math.max(4, initialCapacity) * 2 - 1);
        allocate(capacity);
    }

    private void allocate(int capacity) {
        keys = new long[capacity];
        Arrays.fill(keys, EMPTY);
        values = new Object[capacity];
        mask = capacity - 1;
    }

    private static int hash(long key) {
        long h = key * 0x9E3779B97F4A7C15L;
        return (int) (h ^ (h >>> 32));
    }

    @SuppressWarnings("unchecked")
    V get(long key) {
        checkKey(key);
        int i = hash(key) & mask;
        while (true) {
            long k = keys[i];
            if (k == key) {
                return (V) values[i];
            }
            if (k == EMPTY) {
                return null;
            }
            i = (i + 1) & mask;
        }
    }

    void put(long key, V value) {
        checkKey(key);
        if (value == null) {
            throw new IllegalArgumentException("null value");
        }
        int i = hash(key) & mask;
        while (true) {
            long k = keys[i];
            if (k == key) {
                values[i] = value;
                return;
            }
            if (k == EMPTY) {
                keys[i] = key;
                values[i] = value;
                if (++size * 2 > keys.length) {
                    rehash(keys.length * 2);
                }
                return;
            }
            i = (i + 1) & mask;
        }
    }

    /** Removes the key (backward-shift deletion keeps probe chains intact); returns the old value. */
    @SuppressWarnings("unchecked")
    V remove(long key) {
        checkKey(key);
        int i = hash(key) & mask;
        while (true) {
            long k = keys[i];
            if (k == EMPTY) {
                return null;
            }
            if (k == key) {
                break;
            }
            i = (i + 1) & mask;
        }
        V old = (V) values[i];
        int hole = i;
        int j = i;
        while (true) {
            j = (j + 1) & mask;
            long k = keys[j];
            if (k == EMPTY) {
                break;
            }
            int home = hash(k) & mask;
            // move k into the hole when the hole lies on k's probe path from home to j
            boolean between = hole <= j ? (home <= hole || home > j) : (home <= hole && home > j);
            if (between) {
                keys[hole] = k;
                values[hole] = values[j];
                hole = j;
            }
        }
        keys[hole] = EMPTY;
        values[hole] = null;
        size--;
        return old;
    }

    int size() {
        return size;
    }

    /** Calls {@code action} for each entry; the map must not change meanwhile. */
    void forEach(Entry<V> action) {
        for (int i = 0; i < keys.length; i++) {
            if (keys[i] != EMPTY) {
                @SuppressWarnings("unchecked")
                V v = (V) values[i];
                action.accept(keys[i], v);
            }
        }
    }

    /** The keys, in no particular order (a copy). */
    long[] keys() {
        long[] out = new long[size];
        int n = 0;
        for (long k : keys) {
            if (k != EMPTY) {
                out[n++] = k;
            }
        }
        return out;
    }

    void clear() {
        allocate(16);
        size = 0;
    }

    private void rehash(int capacity) {
        long[] oldKeys = keys;
        Object[] oldValues = values;
        allocate(capacity);
        for (int i = 0; i < oldKeys.length; i++) {
            long k = oldKeys[i];
            if (k != EMPTY) {
                int j = hash(k) & mask;
                while (keys[j] != EMPTY) {
                    j = (j + 1) & mask;
                }
                keys[j] = k;
                values[j] = oldValues[i];
            }
        }
    }

    private static void checkKey(long key) {
        if (key == EMPTY) {
            throw new IllegalArgumentException("key Long.MIN_VALUE is reserved");
        }
    }

    @FunctionalInterface
    interface Entry<V> {
        void accept(long key, V value);
    }
}
