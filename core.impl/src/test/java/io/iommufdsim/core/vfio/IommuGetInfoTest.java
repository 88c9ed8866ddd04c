package io.iommufdsim.core.vfio;

import static io.iommufdsim.api.uapi.IoctlCommand.VFIO_IOMMU_GET_INFO;
import static io.iommufdsim.api.uapi.IoctlCommand.VFIO_SET_IOMMU;
import static io.iommufdsim.core.vfio.VfioHarness.PAGE;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.iommufdsim.api.Backing;
import io.iommufdsim.api.Errno;
import io.iommufdsim.api.IommufdException;
import io.iommufdsim.api.SimProcess;
import io.iommufdsim.api.uapi.UapiConstants;
import io.iommufdsim.core.ioas.IoPagetable;
import java.util.Arrays;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;

/**
 * VFIO_IOMMU_GET_INFO, byte for byte (vfio_compat.c: iommufd_vfio_iommu_get_info and its fillers;
 * selftest iommufd.info_cmd and vfio_compat_mock_domain.get_info).
 */
class IommuGetInfoTest {
    private static final byte POISON = (byte) 0xaa;
    private static final long FLAGS = UapiConstants.VFIO_IOMMU_INFO_PGSIZES | UapiConstants.VFIO_IOMMU_INFO_CAPS;
    /** 24-byte struct + DMA_AVAIL (12, padded to 16) + IOVA_RANGE with one range (32). */
    private static final int WHOLE_CHAIN = 72;

    private final VfioHarness h = new VfioHarness();

    IommuGetInfoTest() throws IommufdException {
    }

    /** Poisons the struct page, writes argsz, issues GET_INFO and returns the whole page. */
    private byte[] getInfo(long argsz) throws IommufdException {
        byte[] page = new byte[(int) PAGE];
        Arrays.fill(page, POISON);
        for (int i = 0; i < 4; i++) {
            page[i] = (byte) (argsz >>> (8 * i));
        }
        h.main.write(h.buf, page);
        h.ctx.ioctl(h.main, VFIO_IOMMU_GET_INFO.number(), h.buf, h.main.memory());
        return h.main.read(h.buf, PAGE);
    }

    private static long field(byte[] page, String name) {
        return VfioHarness.field(VFIO_IOMMU_GET_INFO, page, name);
    }

    private static byte[] hex(String s) {
        return HexFormat.of().parseHex(s.replace(" ", ""));
    }

    @Test
    void argszBelowSixteenIsEinvalAndAnUnreadableStructEfaultBothBeforeTheCompatIoas() throws Exception {
        h.fails(Errno.EINVAL, VFIO_IOMMU_GET_INFO, "argsz", 1);
        h.fails(Errno.EINVAL, VFIO_IOMMU_GET_INFO, "argsz", 15);
        assertEquals(Errno.EFAULT, assertThrows(IommufdException.class,
                () -> h.ctx.ioctl(h.main, VFIO_IOMMU_GET_INFO.number(), 0, h.main.memory())).errno());
        h.fails(Errno.ENODEV, VFIO_IOMMU_GET_INFO, "argsz", 16);
    }

    @Test
    void aPreCapabilityCallerGetsSixteenBytesAndTheSizeOfTheWholeChain() throws Exception {
        h.compatIoas();
        byte[] page = getInfo(16);
        assertArrayEquals(hex("48000000 03000000 00f0ffffffffffff"), Arrays.copyOf(page, 16));
        assertTrue(allPoison(page, 16, page.length));
    }

    @Test
    void aCallerWithRoomForTheStructOnlyGetsCapOffsetZeroAndNoCapability() throws Exception {
        h.compatIoas();
        byte[] page = getInfo(24);
        assertArrayEquals(hex("48000000 03000000 00f0ffffffffffff 00000000 00000000"), Arrays.copyOf(page, 24));
        assertTrue(allPoison(page, 24, page.length));
    }

    @Test
    void withRoomForTheWholeChainBothCapabilitiesAreWrittenLinkedAndPadded() throws Exception {
        h.compatIoas();
        byte[] page = getInfo(WHOLE_CHAIN);
        byte[] expected = hex("48000000 03000000 00f0ffffffffffff 18000000 00000000"
                + "0300 0100 28000000 ffffffff aaaaaaaa"
                + "0100 0100 00000000 01000000 00000000 0000000000000000 ffffffffffffffff");
        assertArrayEquals(expected, Arrays.copyOf(page, WHOLE_CHAIN));
        assertTrue(allPoison(page, WHOLE_CHAIN, page.length));
        byte[] larger = getInfo(PAGE);
        assertArrayEquals(expected, Arrays.copyOf(larger, WHOLE_CHAIN), "argsz comes back as what was used");
    }

    @Test
    void noByteBeyondArgszIsEverWrittenAndTheChainIsOfferedOnlyWhenItFits() throws Exception {
        h.compatIoas();
        for (int argsz = 16; argsz <= 2 * WHOLE_CHAIN; argsz++) {
            byte[] page = getInfo(argsz);
            assertTrue(allPoison(page, argsz, page.length), "argsz " + argsz);
            assertEquals(WHOLE_CHAIN, field(page, "argsz"), "argsz " + argsz);
            assertEquals(FLAGS, field(page, "flags"));
            if (argsz >= 24) {
                assertEquals(argsz >= WHOLE_CHAIN ? 24 : 0, field(page, "cap_offset"), "argsz " + argsz);
            }
        }
    }

    @Test
    void theDmaAvailCapabilityIsWrittenWhenItFitsAndItsNextOnceTheNextOffsetIsInsideArgsz() throws Exception {
        h.compatIoas();
        byte[] page = getInfo(35);
        assertTrue(allPoison(page, 24, page.length), "12 bytes do not fit in 11");
        page = getInfo(36);
        assertArrayEquals(hex("0300 0100 00000000 ffffffff"), Arrays.copyOfRange(page, 24, 36));
        page = getInfo(40);
        assertArrayEquals(hex("0300 0100 28000000 ffffffff"), Arrays.copyOfRange(page, 24, 36));
        assertTrue(allPoison(page, 36, page.length));
        assertEquals(0, field(page, "cap_offset"));
    }

    @Test
    void rangesThatFitAreWrittenEvenWhenTheCapabilityHeaderIsNot() throws Exception {
        IoPagetable iopt = h.iopt(h.compatIoas());
        iopt.reserveIova(0, 0xfffff, this);
        iopt.reserveIova(0xfee00000L, 0xfeefffffL, this);
        // two ranges: the chain needs 24 + 16 + 16 + 2 * 16 = 88 bytes
        byte[] page = getInfo(72);
        assertEquals(88, field(page, "argsz"));
        assertTrue(allPoison(page, 40, 56), "no IOVA_RANGE header");
        assertArrayEquals(hex("0000100000000000 ffffdffe00000000"), Arrays.copyOfRange(page, 56, 72));
        page = getInfo(88);
        assertArrayEquals(hex("0100 0100 00000000 02000000 00000000 0000100000000000 ffffdffe00000000"
                + "0000f0fe00000000 ffffffffffffffff"), Arrays.copyOfRange(page, 40, 88));
        assertEquals(24, field(page, "cap_offset"));
    }

    @Test
    void pageSizesAreWhatEveryDomainSupportsRaisedToPageSizeAndTheAlignment() throws Exception {
        IoPagetable iopt = h.iopt(h.compatIoas());
        iopt.addDomain(new TestDomain(PAGE | (2L << 20) | (1L << 30), true));
        assertEquals(PAGE | (2L << 20) | (1L << 30), field(getInfo(24), "iova_pgsizes"));
        iopt.addDomain(new TestDomain(0x800 | PAGE | (2L << 20), true));
        assertEquals(PAGE | (2L << 20), field(getInfo(24), "iova_pgsizes"));
        IoPagetable other = h.iopt(h.compatIoas());
        other.addDomain(new TestDomain(0x800 | (64L << 10), true));
        assertEquals(PAGE | (64L << 10), field(getInfo(24), "iova_pgsizes"), "sub-page sizes become PAGE_SIZE");
        h.value(VFIO_SET_IOMMU, UapiConstants.VFIO_TYPE1_IOMMU);
        assertEquals(PAGE | (64L << 10), field(getInfo(24), "iova_pgsizes"));
    }

    @Test
    void aBufferThatEndsInsideTheChainIsEfaultAndTheStructIsNotWrittenBack() throws Exception {
        h.compatIoas();
        long two = h.main.mmap(2 * PAGE, Backing.FOUR_K, SimProcess.PROT_READ | SimProcess.PROT_WRITE, -1, 0);
        h.main.munmap(two + PAGE, PAGE);
        long at = two + PAGE - 48; // DMA_AVAIL fits, the IOVA_RANGE capability crosses into the hole
        h.main.write(at, VfioHarness.struct(VFIO_IOMMU_GET_INFO, "argsz", WHOLE_CHAIN));
        assertEquals(Errno.EFAULT, assertThrows(IommufdException.class,
                () -> h.ctx.ioctl(h.main, VFIO_IOMMU_GET_INFO.number(), at, h.main.memory())).errno());
        byte[] back = h.main.read(at, 24);
        assertEquals(WHOLE_CHAIN, field(back, "argsz"));
        assertEquals(0, field(back, "flags"));
    }

    private static boolean allPoison(byte[] page, int from, int to) {
        for (int i = from; i < to; i++) {
            if (page[i] != POISON) {
                return false;
            }
        }
        return true;
    }
}
