package io.iommufdsim.core.iotlb;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class IotlbTest {
    private final Iotlb tlb = new Iotlb(4);
    private final IotlbHit hit = new IotlbHit();

    @Test
    void aFilledPageAnswersEveryByteOfItUnderItsTagAndPasidOnly() {
        tlb.fill(3, 0, 0x200000, 21, 0x40000000L, true, false);
        assertTrue(tlb.lookup(3, 0, 0x3ffff1, hit));
        assertEquals(0x401ffff1L, hit.physicalAddress());
        assertEquals(21, hit.pageSizeLg2());
        assertTrue(hit.readable());
        assertFalse(hit.writable());
        assertFalse(tlb.lookup(4, 0, 0x200000, hit));
        assertFalse(tlb.lookup(3, 1, 0x200000, hit));
        assertFalse(tlb.lookup(3, 0, 0x400000, hit));
    }

    @Test
    void theLeastRecentlyUsedEntryIsEvictedFirst() {
        for (int i = 0; i < 4; i++) {
            tlb.fill(1, 0, i * 0x1000L, 12, 0x10000L * (i + 1), true, true);
        }
        assertTrue(tlb.lookup(1, 0, 0, hit)); // page 0 becomes the most recent
        tlb.fill(1, 0, 0x9000, 12, 0x90000, true, true);
        assertEquals(4, tlb.size());
        assertTrue(tlb.lookup(1, 0, 0, hit));
        assertFalse(tlb.lookup(1, 0, 0x1000, hit));
        assertTrue(tlb.lookup(1, 0, 0x2000, hit));
    }

    @Test
    void aRangeInvalidationDropsEveryOverlappingPageOfTheTagAcrossPasids() {
        tlb.fill(1, 0, 0x0, 12, 0x10000, true, true);
        tlb.fill(1, 5, 0x1000, 12, 0x20000, true, true);
        tlb.fill(1, 0, 0x200000, 21, 0x400000, true, true);
        tlb.fill(2, 0, 0x1000, 12, 0x30000, true, true);
        assertEquals(2, tlb.invalidate(1, Iotlb.ANY_PASID, 0x1000, 0x200fff));
        assertTrue(tlb.lookup(1, 0, 0x0, hit));
        assertTrue(tlb.lookup(2, 0, 0x1000, hit));
        assertEquals(1, tlb.invalidateTag(2, 0));
        assertEquals(1, tlb.size());
    }
}
