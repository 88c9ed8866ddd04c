package io.iommufdsim.driver.vtd;

import io.iommufdsim.ptcontract.PageTableFormatContract;
import io.iommufdsim.spi.PageTableFormat;

import org.junit.jupiter.api.Nested;

/** Both VT-d formats, at every depth Linux builds, pass the page-table format contract. */
class VtdFormatContractTest {
    private static final int HAW = 48;

    @Nested
    class SecondStage3Levels extends PageTableFormatContract {
        @Override
        protected PageTableFormat format() {
            return VtdSecondStage.format(3, 39, HAW, true);
        }
    }

    @Nested
    class SecondStage4Levels extends PageTableFormatContract {
        @Override
        protected PageTableFormat format() {
            return VtdSecondStage.format(4, 48, HAW, true);
        }
    }

    @Nested
    class SecondStage5Levels extends PageTableFormatContract {
        @Override
        protected PageTableFormat format() {
            return VtdSecondStage.format(5, 57, HAW, true);
        }
    }

    /** A 5-level walk limited to 48-bit IOVAs (compute_vasz_lg2_ss: SAGAW 5-level only, MGAW 48). */
    @Nested
    class SecondStage5LevelsWith48BitIova extends PageTableFormatContract {
        @Override
        protected PageTableFormat format() {
            return VtdSecondStage.format(5, 48, HAW, false);
        }
    }

    @Nested
    class FirstStage4Levels extends PageTableFormatContract {
        @Override
        protected PageTableFormat format() {
            return VtdFirstStage.format(4, 48, HAW);
        }
    }

    @Nested
    class FirstStage5Levels extends PageTableFormatContract {
        @Override
        protected PageTableFormat format() {
            return VtdFirstStage.format(5, 57, HAW);
        }
    }
}
