package io.iommufdsim.driver.vtd;

import java.util.BitSet;

/**
 * The domain-id allocator of one unit (iommu.c domain_attach_iommu: ida_alloc_range from
 * IDA_START_DID = 2 to cap_ndoms - 1; DID 0 is what caching-mode hardware tags not-present entries
 * with and DID 1 is FLPT_DEFAULT_DID, used for pass-through and SVA). The lowest free id first.
 */
final class DomainIds {
    static final int START = 2;
    private final int limit;
    private final BitSet used = new BitSet();

    DomainIds(int domainIds) {
        this.limit = domainIds;
    }

    /** The lowest free id, or -1 when every id is in use (the caller's ENOSPC). */
    int lowestFree() {
        int id = used.nextClearBit(START);
        return id < limit ? id : -1;
    }

    void take(int id) {
        used.set(id);
    }

    void release(int id) {
        used.clear(id);
    }

    int inUse() {
        return used.cardinality();
    }
}
