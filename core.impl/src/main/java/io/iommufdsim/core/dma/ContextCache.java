package io.iommufdsim.core.dma;

import java.util.Arrays;

/**
 * The context/PASID-entry cache of one device: PASID key → cached config, the RID in a field and
 * PASIDs in a small open-addressing table, so that a lookup allocates nothing. Guarded by the
 * owning {@link DmaEngine}.
 */
final class ContextCache {
    private static final int EMPTY = -1;

    private DmaEngine.Context rid;
    private int[] keys = new int[8];
    private DmaEngine.Context[] values = new DmaEngine.Context[8];
    private int size;

    ContextCache() {
        Arrays.fill(keys, EMPTY);
    }

    DmaEngine.Context get(int key) {
        if (key == DmaEngine.RID) {
            return rid;
        }
        int mask = keys.length - 1;
        for (int i = mix(key) & mask; keys[i] != EMPTY; i = (i + 1) & mask) {
            if (keys[i] == key) {
                return values[i];
            }
        }
        return null;
    }

    void put(int key, DmaEngine.Context value) {
        if (key == DmaEngine.RID) {
            rid = value;
            return;
        }
        if ((size + 1) * 2 > keys.length) {
            grow();
        }
        int mask = keys.length - 1;
        int i = mix(key) & mask;
        while (keys[i] != EMPTY && keys[i] != key) {
            i = (i + 1) & mask;
        }
        if (keys[i] == EMPTY) {
            size++;
        }
        keys[i] = key;
        values[i] = value;
    }

    void remove(int key) {
        if (key == DmaEngine.RID) {
            rid = null;
            return;
        }
        if (get(key) == null) {
            return;
        }
        // rebuild without the key: PASID contexts change rarely (attach/detach only)
        int[] oldKeys = keys;
        DmaEngine.Context[] oldValues = values;
        keys = new int[oldKeys.length];
        values = new DmaEngine.Context[oldKeys.length];
        Arrays.fill(keys, EMPTY);
        size = 0;
        for (int i = 0; i < oldKeys.length; i++) {
            if (oldKeys[i] != EMPTY && oldKeys[i] != key) {
                put(oldKeys[i], oldValues[i]);
            }
        }
    }

    void clear() {
        rid = null;
        Arrays.fill(keys, EMPTY);
        Arrays.fill(values, null);
        size = 0;
    }

    private void grow() {
        int[] oldKeys = keys;
        DmaEngine.Context[] oldValues = values;
        keys = new int[oldKeys.length * 2];
        values = new DmaEngine.Context[oldKeys.length * 2];
        Arrays.fill(keys, EMPTY);
        size = 0;
        for (int i = 0; i < oldKeys.length; i++) {
            if (oldKeys[i] != EMPTY) {
                put(oldKeys[i], oldValues[i]);
            }
        }
    }

    private static int mix(int key) {
        int h = key * 0x9E3779B9;
        return h ^ (h >>> 16);
    }
}
