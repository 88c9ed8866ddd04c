package io.iommufdsim.bench;

import io.iommufdsim.core.mem.MachineMemory;
import io.iommufdsim.driver.vtd.VtdSecondStage;
import io.iommufdsim.spi.PageTableFormat;

/** The sizes and the table format every benchmark shares. */
final class Sizes {
    static final long KIB_4 = 4096;
    static final long MIB_2 = 2L << 20;
    static final long GIB_1 = 1L << 30;
    /** Where the benchmarks map: an IOVA above 4 GiB, 1 GiB aligned. */
    static final long IOVA_BASE = 16L << 30;

    private Sizes() {
    }

    /** A 4-level VT-d second-stage table (48-bit IOVA, HAW = the machine's physical address width, SC). */
    static PageTableFormat vtdSecondStage() {
        return VtdSecondStage.format(4, 48, MachineMemory.DEFAULT_PHYSICAL_ADDRESS_BITS, true);
    }
}
