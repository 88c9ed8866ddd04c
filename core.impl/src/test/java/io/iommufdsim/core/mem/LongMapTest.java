package io.iommufdsim.core.mem;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.util.HashMap;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

class LongMapTest {
    @Test
    void behavesLikeAHashMapUnderRandomPutsAndRemoves() {
        LongMap<Long> map = new LongMap<>();
        Map<Long, Long> reference = new HashMap<>();
        Random random = new Random(7);
        for (int i = 0; i < 200_000; i++) {
            long key = random.nextInt(5000) - 2500L;
            if (random.nextInt(3) == 0) {
                assertEquals(reference.remove(key), map.remove(key));
            } else {
                map.put(key, (long) i);
                reference.put(key, (long) i);
            }
        }
        assertEquals(reference.size(), map.size());
        for (Map.Entry<Long, Long> e : reference.entrySet()) {
            assertEquals(e.getValue(), map.get(e.getKey()));
        }
        assertEquals(reference.size(), map.keys().length);
        assertNull(map.get(1_000_000));
    }
}
