package io.iommufdsim.core.vfio;

import static io.iommufdsim.api.EmulatedAccesses.NEEDS_PIN_PAGES;
import static io.iommufdsim.api.uapi.IoctlCommand.IOMMU_OPTION;
import static io.iommufdsim.api.uapi.IoctlCommand.VFIO_IOMMU_MAP_DMA;
import static io.iommufdsim.api.uapi.IoctlCommand.VFIO_IOMMU_UNMAP_DMA;
import static io.iommufdsim.api.uapi.IoctlCommand.VFIO_SET_IOMMU;
import static io.iommufdsim.core.vfio.VfioHarness.PAGE;
import static io.iommufdsim.core.vfio.VfioHarness.RW;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.iommufdsim.api.Backing;
import io.iommufdsim.api.Errno;
import io.iommufdsim.api.IommufdException;
import io.iommufdsim.api.SimProcess;
import io.iommufdsim.api.uapi.IoctlCommand;
import io.iommufdsim.api.uapi.UapiConstants;
import io.iommufdsim.core.ioas.IoptDomain;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * VFIO_IOMMU_MAP_DMA and VFIO_IOMMU_UNMAP_DMA (vfio_compat.c: iommufd_vfio_map_dma,
 * iommufd_vfio_unmap_dma; selftest iommufd.map_cmd, unmap_cmd, vfio_compat_mock_domain.map, huge_map).
 */
class VfioMapUnmapDmaTest {
    private static final long ALL = UapiConstants.VFIO_DMA_UNMAP_FLAG_ALL;
    private static final long IOVA = 1L << 32;

    private final VfioHarness h = new VfioHarness();

    VfioMapUnmapDmaTest() throws IommufdException {
    }

    private void ioctlAtFails(Errno expected, IoctlCommand command, long arg) {
        assertEquals(expected, assertThrows(IommufdException.class,
                () -> h.ctx.ioctl(h.main, command.number(), arg, h.main.memory())).errno());
    }

    private void type1() throws IommufdException {
        h.value(VFIO_SET_IOMMU, UapiConstants.VFIO_TYPE1_IOMMU);
    }

    // ---- MAP_DMA ---------------------------------------------------------------------------------

    @Test
    void mapOfAStructThatCannotBeReadIsEfault() throws Exception {
        h.compatIoas();
        ioctlAtFails(Errno.EFAULT, VFIO_IOMMU_MAP_DMA, 0);
    }

    @Test
    void mapWithAShortArgszOrUnknownFlagsIsEinvalBeforeTheCompatIoasIsLookedUp() throws Exception {
        Object[] ok = {"flags", RW, "vaddr", h.buffer, "size", PAGE, "iova", IOVA};
        h.fails(Errno.EINVAL, VFIO_IOMMU_MAP_DMA, "argsz", 1, "flags", RW, "vaddr", h.buffer, "size", PAGE);
        h.fails(Errno.EINVAL, VFIO_IOMMU_MAP_DMA, "argsz", 31, "flags", RW, "vaddr", h.buffer, "size", PAGE);
        h.fails(Errno.EINVAL, VFIO_IOMMU_MAP_DMA, "flags", RW | UapiConstants.VFIO_DMA_MAP_FLAG_VADDR,
                "vaddr", h.buffer, "size", PAGE);
        h.fails(Errno.EINVAL, VFIO_IOMMU_MAP_DMA, "flags", 1L << 31, "vaddr", h.buffer, "size", PAGE);
        h.fails(Errno.ENODEV, VFIO_IOMMU_MAP_DMA, ok);
        int ioas = h.compatIoas();
        h.fails(Errno.EINVAL, VFIO_IOMMU_MAP_DMA, "argsz", 31, "flags", RW, "vaddr", h.buffer, "size", PAGE,
                "iova", IOVA);
        assertEquals(List.of(), h.areas(ioas));
        h.ioctl(VFIO_IOMMU_MAP_DMA, ok);
        assertEquals(List.of("100000000+1000"), h.areas(ioas));
    }

    @Test
    void aLongerArgszIsAcceptedAndItsTailIgnored() throws Exception {
        int ioas = h.compatIoas();
        byte[] image = VfioHarness.struct(VFIO_IOMMU_MAP_DMA, "argsz", 64, "flags", RW, "vaddr", h.buffer,
                "size", PAGE, "iova", IOVA);
        byte[] withTail = java.util.Arrays.copyOf(image, 64);
        java.util.Arrays.fill(withTail, 32, 64, (byte) 0x5a);
        h.main.write(h.buf, withTail);
        h.ctx.ioctl(h.main, VFIO_IOMMU_MAP_DMA.number(), h.buf, h.main.memory());
        assertEquals(List.of("100000000+1000"), h.areas(ioas));
        assertArrayEquals(withTail, h.main.read(h.buf, 64), "nothing is written back");
    }

    @Test
    void mapIsAlwaysAFixedMapAndAnOverlapIsEexist() throws Exception {
        int ioas = h.compatIoas();
        h.mapDma(h.buffer, 2 * PAGE, IOVA, RW);
        h.fails(Errno.EEXIST, VFIO_IOMMU_MAP_DMA, "flags", RW, "vaddr", h.buffer, "size", PAGE,
                "iova", IOVA + PAGE);
        h.mapDma(h.buffer, PAGE, IOVA + 2 * PAGE, UapiConstants.VFIO_DMA_MAP_FLAG_READ);
        assertEquals(List.of("100000000+2000", "100002000+1000"), h.areas(ioas));
    }

    @Test
    void theFlagsGiveTheProtectionAndNoFlagsMapWithNeither() throws Exception {
        int ioas = h.compatIoas();
        TestDomain d = new TestDomain(PAGE, true);
        h.iopt(ioas).addDomain(d);
        h.mapDma(h.buffer, PAGE, IOVA, RW);
        h.mapDma(h.buffer, PAGE, IOVA + PAGE, UapiConstants.VFIO_DMA_MAP_FLAG_READ);
        h.mapDma(h.buffer, PAGE, IOVA + 2 * PAGE, UapiConstants.VFIO_DMA_MAP_FLAG_WRITE);
        h.mapDma(h.buffer, PAGE, IOVA + 3 * PAGE, 0);
        int cache = IoptDomain.IOMMU_CACHE;
        assertEquals(cache | IoptDomain.IOMMU_READ | IoptDomain.IOMMU_WRITE, d.protAt(IOVA));
        assertEquals(cache | IoptDomain.IOMMU_READ, d.protAt(IOVA + PAGE));
        assertEquals(cache | IoptDomain.IOMMU_WRITE, d.protAt(IOVA + 2 * PAGE));
        assertEquals(cache, d.protAt(IOVA + 3 * PAGE));
    }

    @Test
    void mappingErrorsAreThoseOfTheIoasMappingStepAndChangeNothing() throws Exception {
        int ioas = h.compatIoas();
        type1();
        h.fails(Errno.EINVAL, VFIO_IOMMU_MAP_DMA, "flags", RW, "vaddr", h.buffer, "size", 0, "iova", IOVA);
        h.fails(Errno.EOVERFLOW, VFIO_IOMMU_MAP_DMA, "flags", RW, "vaddr", -PAGE, "size", 2 * PAGE, "iova", IOVA);
        h.fails(Errno.EOVERFLOW, VFIO_IOMMU_MAP_DMA, "flags", RW, "vaddr", h.buffer, "size", 2 * PAGE,
                "iova", -PAGE);
        h.fails(Errno.EINVAL, VFIO_IOMMU_MAP_DMA, "flags", RW, "vaddr", h.buffer, "size", PAGE,
                "iova", IOVA + 0x800);
        h.fails(Errno.EINVAL, VFIO_IOMMU_MAP_DMA, "flags", RW, "vaddr", h.buffer + 0x800, "size", PAGE,
                "iova", IOVA);
        assertEquals(List.of(), h.areas(ioas));
        assertEquals(0, h.machine.memory().pins().pinnedFrames());
    }

    @Test
    void mapsAreChargedInTheContextsAccountingMode() throws Exception {
        int ioas = h.compatIoas();
        h.iopt(ioas).addDomain(new TestDomain(PAGE, true));
        h.mapDma(h.buffer, 4 * PAGE, IOVA, RW);
        assertArrayEquals(new long[] {0, 4, 4}, h.stats(), "a /dev/iommu context charges the user");
        h.unmapDma(0, 0, ALL);
        assertArrayEquals(new long[] {0, 0, 0}, h.stats());

        VfioHarness mm = new VfioHarness();
        mm.ioctl(IOMMU_OPTION, "option_id", UapiConstants.IOMMU_OPTION_RLIMIT_MODE,
                "op", UapiConstants.IOMMU_OPTION_OP_SET, "val64", 1);
        mm.iopt(mm.compatIoas()).addDomain(new TestDomain(PAGE, true));
        mm.mapDma(mm.buffer, 4 * PAGE, IOVA, RW);
        assertArrayEquals(new long[] {4, 4, 0}, mm.stats(), "an mm-mode context charges the process");
    }

    // ---- UNMAP_DMA -------------------------------------------------------------------------------

    @Test
    void unmapOfAStructThatCannotBeReadIsEfault() throws Exception {
        h.compatIoas();
        ioctlAtFails(Errno.EFAULT, VFIO_IOMMU_UNMAP_DMA, 0);
    }

    @Test
    void unmapWithAShortArgszOrAnyFlagButAllIsEinvalBeforeTheCompatIoasIsLookedUp() throws Exception {
        long[] refused = {UapiConstants.VFIO_DMA_UNMAP_FLAG_GET_DIRTY_BITMAP, UapiConstants.VFIO_DMA_UNMAP_FLAG_VADDR,
            ALL | UapiConstants.VFIO_DMA_UNMAP_FLAG_GET_DIRTY_BITMAP, 1L << 31};
        h.fails(Errno.EINVAL, VFIO_IOMMU_UNMAP_DMA, "argsz", 23, "iova", IOVA, "size", PAGE);
        for (long flags : refused) {
            h.fails(Errno.EINVAL, VFIO_IOMMU_UNMAP_DMA, "flags", flags, "iova", IOVA, "size", PAGE);
        }
        h.fails(Errno.ENODEV, VFIO_IOMMU_UNMAP_DMA, "iova", IOVA, "size", PAGE);
        int ioas = h.compatIoas();
        h.mapDma(h.buffer, PAGE, IOVA, RW);
        for (long flags : refused) {
            byte[] back = h.fails(Errno.EINVAL, VFIO_IOMMU_UNMAP_DMA, "flags", flags, "iova", IOVA, "size", PAGE);
            assertEquals(PAGE, VfioHarness.field(VFIO_IOMMU_UNMAP_DMA, back, "size"), "nothing written back");
        }
        assertEquals(List.of("100000000+1000"), h.areas(ioas));
    }

    @Test
    void unmapAllNeedsZeroIovaAndSizeAndRemovesEverything() throws Exception {
        int ioas = h.compatIoas();
        h.mapDma(h.buffer, 2 * PAGE, IOVA, RW);
        h.mapDma(h.buffer, 4 * PAGE, 2 * IOVA, RW);
        byte[] back = h.fails(Errno.EINVAL, VFIO_IOMMU_UNMAP_DMA, "flags", ALL, "iova", 0, "size", PAGE);
        assertEquals(PAGE, VfioHarness.field(VFIO_IOMMU_UNMAP_DMA, back, "size"), "nothing written back");
        h.fails(Errno.EINVAL, VFIO_IOMMU_UNMAP_DMA, "flags", ALL, "iova", IOVA, "size", 0);
        assertEquals(2, h.areas(ioas).size());
        assertEquals(6 * PAGE, h.unmapDma(0, 0, ALL));
        assertEquals(List.of(), h.areas(ioas));
        assertEquals(0, h.unmapDma(0, 0, ALL));
    }

    @Test
    void type1v2RefusesToCutAMappingWithEnoentAndWritesBackSizeZero() throws Exception {
        int ioas = h.compatIoas();
        h.mapDma(h.buffer, 4 * PAGE, IOVA, RW);
        byte[] back = h.fails(Errno.ENOENT, VFIO_IOMMU_UNMAP_DMA, "iova", IOVA + PAGE, "size", PAGE);
        assertEquals(0, VfioHarness.field(VFIO_IOMMU_UNMAP_DMA, back, "size"));
        assertEquals(24, VfioHarness.field(VFIO_IOMMU_UNMAP_DMA, back, "argsz"));
        assertEquals(IOVA + PAGE, VfioHarness.field(VFIO_IOMMU_UNMAP_DMA, back, "iova"));
        assertEquals(List.of("100000000+4000"), h.areas(ioas));
    }

    @Test
    void aFailedUnmapStillWritesBackTheWholeAreasItRemoved() throws Exception {
        int ioas = h.compatIoas();
        h.mapDma(h.buffer, 2 * PAGE, IOVA, RW);
        h.mapDma(h.buffer, 4 * PAGE, IOVA + 16 * PAGE, RW);
        byte[] back = h.fails(Errno.ENOENT, VFIO_IOMMU_UNMAP_DMA, "iova", IOVA, "size", 18 * PAGE);
        assertEquals(2 * PAGE, VfioHarness.field(VFIO_IOMMU_UNMAP_DMA, back, "size"));
        assertEquals(List.of("100010000+4000"), h.areas(ioas));
    }

    @Test
    void unmappingNothingSucceedsWithSizeZero() throws Exception {
        int ioas = h.compatIoas();
        h.mapDma(h.buffer, 2 * PAGE, IOVA, RW);
        assertEquals(0, h.unmapDma(IOVA + 16 * PAGE, PAGE, 0));
        assertEquals(2 * PAGE, h.unmapDma(IOVA - PAGE, 8 * PAGE, 0), "a superset of whole areas");
        assertEquals(List.of(), h.areas(ioas));
    }

    @Test
    void aZeroSizeIsEinvalAndAWrappingRangeEoverflowBothWritingBackSizeZero() throws Exception {
        int ioas = h.compatIoas();
        h.mapDma(h.buffer, 2 * PAGE, IOVA, RW);
        byte[] back = h.fails(Errno.EINVAL, VFIO_IOMMU_UNMAP_DMA, "iova", IOVA, "size", 0);
        assertEquals(0, VfioHarness.field(VFIO_IOMMU_UNMAP_DMA, back, "size"));
        back = h.fails(Errno.EOVERFLOW, VFIO_IOMMU_UNMAP_DMA, "iova", -PAGE, "size", 2 * PAGE);
        assertEquals(0, VfioHarness.field(VFIO_IOMMU_UNMAP_DMA, back, "size"));
        assertEquals(List.of("100000000+2000"), h.areas(ioas));
    }

    @Test
    void type1CutsTheMappingAtBothEdgesOfTheRange() throws Exception {
        int ioas = h.compatIoas();
        type1();
        h.mapDma(h.buffer, 8 * PAGE, IOVA, RW);
        assertEquals(2 * PAGE, h.unmapDma(IOVA + 2 * PAGE, 2 * PAGE, 0));
        assertEquals(List.of("100000000+2000", "100004000+4000"), h.areas(ioas));
        assertEquals(PAGE, h.unmapDma(IOVA + 7 * PAGE, PAGE, 0));
        assertEquals(PAGE, h.unmapDma(IOVA, PAGE, 0));
        assertEquals(List.of("100001000+1000", "100004000+3000"), h.areas(ioas));
        assertEquals(4 * PAGE, h.unmapDma(IOVA, 8 * PAGE, 0));
    }

    @Test
    void type1CutsARangeStartingAtIovaZeroOnlyAtItsEnd() throws Exception {
        int ioas = h.compatIoas();
        type1();
        h.mapDma(h.buffer, 4 * PAGE, 0, RW);
        assertEquals(PAGE, h.unmapDma(0, PAGE, 0));
        assertEquals(List.of("1000+3000"), h.areas(ioas));
    }

    @Test
    void type1UnmapOfZeroSizeIsEinvalButTheCutBeforeItStays() throws Exception {
        int ioas = h.compatIoas();
        type1();
        h.mapDma(h.buffer, 4 * PAGE, IOVA, RW);
        h.fails(Errno.EINVAL, VFIO_IOMMU_UNMAP_DMA, "iova", IOVA + 2 * PAGE, "size", 0);
        assertEquals(List.of("100000000+2000", "100002000+2000"), h.areas(ioas));
    }

    @Test
    void type1UnmapThatStartsInsideTheFirstPageOfAnAreaIsNotCutAndFailsWithEnoent() throws Exception {
        int ioas = h.compatIoas();
        type1();
        h.mapDma(h.buffer, 4 * PAGE, IOVA, RW);
        // the cut before the range falls on the area's first IOVA (iopt_area_split: nothing to do)
        h.fails(Errno.ENOENT, VFIO_IOMMU_UNMAP_DMA, "iova", IOVA + 1, "size", PAGE - 1);
        assertEquals(List.of("100000000+1000", "100001000+3000"), h.areas(ioas));
    }

    @Test
    void type1UnmapOfAnUnalignedRangeIsEinvalFromTheCutAndWritesNothingBack() throws Exception {
        int ioas = h.compatIoas();
        type1();
        h.mapDma(h.buffer, 4 * PAGE, IOVA, RW);
        byte[] back = h.fails(Errno.EINVAL, VFIO_IOMMU_UNMAP_DMA, "iova", IOVA + PAGE, "size", 0x800);
        assertEquals(0x800, VfioHarness.field(VFIO_IOMMU_UNMAP_DMA, back, "size"));
        assertEquals(List.of("100000000+4000"), h.areas(ioas));
    }

    @Test
    void type1CannotCutAnAreaAnAccessPins() throws Exception {
        int ioas = h.compatIoas();
        type1();
        h.mapDma(h.buffer, 4 * PAGE, IOVA, RW);
        int access = h.ctx.accesses().create(h.main, ioas, NEEDS_PIN_PAGES);
        h.ctx.accesses().pin(access, IOVA, PAGE, 0);
        byte[] back = h.fails(Errno.EINVAL, VFIO_IOMMU_UNMAP_DMA, "iova", IOVA + PAGE, "size", PAGE);
        assertEquals(PAGE, VfioHarness.field(VFIO_IOMMU_UNMAP_DMA, back, "size"), "nothing written back");
        assertEquals(List.of("100000000+4000"), h.areas(ioas));
    }

    @Test
    void type1UnmapOfTheMiddleUnpinsAndUnchargesOnlyTheMiddle() throws Exception {
        int ioas = h.compatIoas();
        type1();
        TestDomain d = new TestDomain(PAGE | (2L << 20), true);
        h.iopt(ioas).addDomain(d);
        h.mapDma(h.buffer, 8 * PAGE, IOVA, RW);
        assertArrayEquals(new long[] {0, 8, 8}, h.stats());
        assertEquals(3 * PAGE, h.unmapDma(IOVA + 2 * PAGE, 3 * PAGE, 0));
        assertArrayEquals(new long[] {0, 5, 5}, h.stats());
        assertArrayEquals(new long[] {0, 0}, h.main.pinCount(h.buffer + 2 * PAGE, 3 * PAGE));
        assertArrayEquals(new long[] {1, 1}, h.main.pinCount(h.buffer + 5 * PAGE, 3 * PAGE));
        assertEquals(5 * PAGE, d.mappedBytes());
        assertEquals(5 * PAGE, h.unmapDma(0, 0, ALL));
        assertArrayEquals(new long[] {0, 0, 0}, h.stats());
    }

    @Test
    void aStructThatCannotBeWrittenBackIsEfaultAfterTheUnmapHappened() throws Exception {
        int ioas = h.compatIoas();
        h.mapDma(h.buffer, 2 * PAGE, IOVA, RW);
        int fd = h.main.memfdCreate(PAGE, Backing.FOUR_K);
        long writable = h.main.mmap(PAGE, Backing.FOUR_K, SimProcess.PROT_READ | SimProcess.PROT_WRITE, fd, 0);
        long readOnly = h.main.mmap(PAGE, Backing.FOUR_K, SimProcess.PROT_READ, fd, 0);
        h.main.write(writable, VfioHarness.struct(VFIO_IOMMU_UNMAP_DMA, "iova", IOVA, "size", 2 * PAGE));
        ioctlAtFails(Errno.EFAULT, VFIO_IOMMU_UNMAP_DMA, readOnly);
        assertEquals(List.of(), h.areas(ioas));
    }
}
