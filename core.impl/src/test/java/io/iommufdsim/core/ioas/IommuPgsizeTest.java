package io.iommufdsim.core.ioas;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.iommufdsim.api.Errno;
import io.iommufdsim.api.IommufdException;
import org.junit.jupiter.api.Test;

class IommuPgsizeTest {
    private static final long K4 = 4096;
    private static final long M2 = 2L << 20;
    private static final long G1 = 1L << 30;
    private static final long X86 = K4 | M2 | G1;

    @Test
    void aCongruentAlignedTwoMegabyteRunUsesOneHugePage() {
        assertEquals(M2, IommuPgsize.pgsize(X86, 0x200000, 0x40000000L, M2));
        assertEquals(M2, IommuPgsize.chunk(X86, 0x200000, 0x40000000L, M2));
    }

    @Test
    void aRunThatStartsBelowAHugeBoundaryMapsSmallPagesOnlyUpToThatBoundary() {
        // iova and paddr congruent modulo 2 MiB, 4 KiB before the boundary, 4 MiB long
        long iova = 0x1ff000;
        long paddr = 0x7ff000;
        assertEquals(K4, IommuPgsize.pgsize(X86, iova, paddr, 4 * M2));
        assertEquals(K4, IommuPgsize.chunk(X86, iova, paddr, 4 * M2));
        assertEquals(M2, IommuPgsize.pgsize(X86, iova + K4, paddr + K4, 4 * M2 - K4));
    }

    @Test
    void notCongruentAddressesNeverGetHugePages() {
        long size = 8 * M2;
        assertEquals(K4, IommuPgsize.pgsize(X86, 0x200000, 0x201000, size));
        assertEquals(size, IommuPgsize.chunk(X86, 0x200000, 0x201000, size));
    }

    @Test
    void theRunEndLimitsThePageSize() {
        assertEquals(K4, IommuPgsize.pgsize(X86, 0, 0, M2 - K4));
        assertEquals(M2 - K4, IommuPgsize.chunk(X86, 0, 0, M2 - K4));
    }

    @Test
    void misalignedMapsAreRefused() {
        IommufdException e = assertThrows(IommufdException.class,
                () -> IommuPgsize.checkMapAlignment(X86, 0x800, 0, K4));
        assertEquals(Errno.EINVAL, e.errno());
        assertThrows(IommufdException.class, () -> IommuPgsize.checkMapAlignment(X86, 0, 0, 0));
    }
}
