package io.iommufdsim.ptcontract;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.iommufdsim.api.Errno;
import io.iommufdsim.api.IommufdException;
import io.iommufdsim.api.PageTableDump;
import io.iommufdsim.core.pt.IotlbGather;
import io.iommufdsim.core.pt.PageTable;
import io.iommufdsim.core.pt.Translation;
import io.iommufdsim.spi.IommuProt;
import io.iommufdsim.spi.PageTableFormat;
import io.iommufdsim.spi.WalkFault;

import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * The contract every page-table format passes with the core's engine, written once: a driver's test
 * module extends it and returns its format from {@link #format()}. Everything is derived from the
 * format's own geometry (page sizes per level, address widths), so the same tests cover 4 KiB/2 MiB/1 GiB
 * x86-style tables, granule-based tables and formats with pages made of several entries.
 */
public abstract class PageTableFormatContract {
    /** Where table pages come from; output addresses in the tests stay clear of it. */
    protected static final long TABLE_BASE = 0x7000_0000L;
    protected static final int RW = IommuProt.READ | IommuProt.WRITE | IommuProt.CACHE;

    protected SparseMemory memory;
    protected TestPageAllocator allocator;
    protected PageTable table;
    protected IotlbGather gather;
    protected Translation tr;
    protected PageTableFormat fmt;
    /** The two smallest page sizes (s1 = 0 when the format has only one). */
    protected long s0;
    protected long s1;

    /** The format under test. */
    protected abstract PageTableFormat format();

    @BeforeEach
    void newPageTable() throws IommufdException {
        fmt = format();
        memory = new SparseMemory();
        allocator = new TestPageAllocator(memory, TABLE_BASE);
        table = new PageTable(fmt, memory, allocator);
        gather = new IotlbGather();
        tr = new Translation();
        long sizes = fmt.pageSizeBitmap();
        s0 = Long.lowestOneBit(sizes);
        long rest = sizes & ~s0;
        s1 = rest == 0 ? 0 : Long.lowestOneBit(rest);
    }

    private record State(PageTableDump dump, long tables, long pagesInUse) {
    }

    private State state() {
        return new State(table.dump(), table.tablePageCount(), allocator.inUse());
    }

    private void assertRefused(Errno errno, long iova, long pa, long size, int prot) {
        State before = state();
        IommufdException e = assertThrows(IommufdException.class, () -> table.map(iova, pa, size, prot, gather));
        assertEquals(errno, e.errno());
        gather.sync(allocator);
        assertEquals(before, state());
    }

    private int levelOf(long pageSize) {
        for (int l = 0; l < fmt.levelCount(); l++) {
            if ((fmt.level(l).pageSizes() & pageSize) != 0) {
                return l;
            }
        }
        throw new AssertionError("no level holds 0x" + Long.toHexString(pageSize));
    }

    private long levelSpan(int l) {
        return 1L << fmt.level(l).itemShift();
    }

    private void assertTranslates(long iova, long pa, long pageSize) {
        assertTrue(table.translate(iova, tr), () -> "translate 0x" + Long.toHexString(iova) + ": " + tr);
        assertEquals(pa, tr.physicalAddress(), "physical address");
        assertEquals(pageSize, tr.pageSize(), "page size");
    }

    private void assertNotMapped(long iova) {
        assertFalse(table.translate(iova, tr));
        assertEquals(WalkFault.NOT_PRESENT, tr.fault());
    }

    private List<Long> leafSizes() {
        List<Long> sizes = new ArrayList<>();
        for (PageTableDump.Leaf leaf : table.dump().leaves()) {
            sizes.add(leaf.size());
        }
        return sizes;
    }

    /** An output address for page size {@code size}: aligned to it, clear of the table pages. */
    private long outputFor(long size, int slot) {
        long base = Math.max(size, 1L << 32);
        return base + (long) slot * size;
    }

    @TestFactory
    Stream<DynamicTest> everyPageSizeMapsTranslatesAndUnmapsWholeAtItsLevel() {
        List<DynamicTest> tests = new ArrayList<>();
        for (long sizes = format().pageSizeBitmap(); sizes != 0; sizes &= sizes - 1) {
            long size = Long.lowestOneBit(sizes);
            tests.add(DynamicTest.dynamicTest("page size 0x" + Long.toHexString(size), () -> {
                newPageTable();
                long iova = 3 * size;
                long pa = outputFor(size, 5);
                int level = levelOf(size);
                table.map(iova, pa, size, RW, gather);
                assertTrue(gather.isEmpty(), "a map over nothing invalidates nothing");
                assertTranslates(iova, pa, size);
                assertEquals(level, tr.level());
                assertTrue(tr.readable() && tr.writable());
                long leafEntry = tr.entry();
                assertTranslates(iova + size - 8, pa + size - 8, size);
                assertTranslates(iova + size / 2, pa + size / 2, size);
                assertNotMapped(iova - 1);
                assertNotMapped(iova + size);
                assertEquals(List.of(new PageTableDump.Leaf(iova, size, level, leafEntry)), table.dump().leaves());

                assertEquals(size, table.unmap(iova, size, gather));
                assertFalse(gather.isEmpty());
                assertTrue(Long.compareUnsigned(gather.start(), iova) <= 0
                        && Long.compareUnsigned(gather.last(), iova + size - 1) >= 0);
                assertNotMapped(iova);
                assertNotMapped(iova + size - 1);
                assertTrue(table.dump().leaves().isEmpty());
            }));
        }
        return tests.stream();
    }

    @Test
    void anAlignedRangeIsFilledWithTheLargestPagesThatFit() throws IommufdException {
        assumeTrue(s1 != 0, "one page size only");
        long iova = 8 * s1 - s0;
        long size = s0 + s1 + s0;
        long pa = outputFor(s1, 8) - s0;
        table.map(iova, pa, size, RW, gather);
        assertEquals(List.of(s0, s1, s0), leafSizes());
        assertTranslates(iova + s0 + 8, pa + s0 + 8, s1);
    }

    @Test
    void physicalAndVirtualAddressesOffsetDifferentlyUseTheSmallestPages() throws IommufdException {
        assumeTrue(s1 != 0, "one page size only");
        long iova = 4 * s1;
        long size = 2 * s1;
        long pa = outputFor(s1, 8) + s0;
        table.map(iova, pa, size, RW, gather);
        List<Long> sizes = leafSizes();
        assertEquals(size / s0, sizes.size());
        assertTrue(sizes.stream().allMatch(s -> s == s0));
    }

    @Test
    void theDomainPageSizeBitmapLimitsTheSizesUsed() throws IommufdException {
        assumeTrue(s1 != 0, "one page size only");
        table.restrictPageSizes(s0);
        table.map(4 * s1, outputFor(s1, 8), s1, RW, gather);
        assertEquals(s1 / s0, leafSizes().size());
    }

    @Test
    void theLastPageBelowTheApertureEndMapsAndTheNextIovaIsOutsideTheTable() throws IommufdException {
        long lastPage = fmt.apertureLast() - s0 + 1;
        table.map(lastPage, outputFor(s0, 1), s0, RW, gather);
        assertTranslates(fmt.apertureLast() & ~7L, outputFor(s0, 1) + s0 - 8, s0);
        if (fmt.apertureLast() != -1L) {
            assertFalse(table.translate(fmt.apertureLast() + 1, tr));
            assertEquals(WalkFault.ADDRESS_SIZE, tr.fault());
            assertRefused(Errno.ERANGE, lastPage, outputFor(s0, 4), 2 * s0, RW);
            assertRefused(Errno.ERANGE, fmt.apertureLast() + 1, outputFor(s0, 4), s0, RW);
            assertEquals(0, table.unmap(fmt.apertureLast() + 1, s0, gather));
        }
        assertEquals(s0, table.unmap(lastPage, s0, gather));
    }

    @Test
    void theUpperHalfOfASignExtendedSpaceMapsAndDumpsSignExtended() throws IommufdException {
        assumeTrue(fmt.signExtend(), "no sign extension");
        long iova = -s0;
        table.map(iova, outputFor(s0, 3), s0, RW, gather);
        assertTranslates(iova, outputFor(s0, 3), s0);
        assertEquals(iova, table.dump().leaves().get(0).iova());
        long lowest = -(1L << (fmt.vaBits() - 1));
        table.map(lowest, outputFor(s0, 4), s0, RW, gather);
        assertTranslates(lowest + 8, outputFor(s0, 4) + 8, s0);
        assertFalse(table.translate(lowest - 1, tr));
        assertEquals(WalkFault.ADDRESS_SIZE, tr.fault());
        assertRefused(Errno.ERANGE, fmt.apertureLast() - s0 + 1, outputFor(s0, 6), 2 * s0, RW);
        assertEquals(s0, table.unmap(iova, s0, gather));
        assertNotMapped(iova);
    }

    @Test
    void permissionsFollowTheProtOfTheMap() throws IommufdException {
        long base = 8 * Math.max(s0, s1);
        table.map(base, outputFor(s0, 1), s0, IommuProt.READ | IommuProt.CACHE, gather);
        table.map(base + s0, outputFor(s0, 2), s0, RW, gather);
        table.map(base + 2 * s0, outputFor(s0, 3), s0, IommuProt.WRITE | IommuProt.CACHE, gather);
        assertTranslates(base, outputFor(s0, 1), s0);
        assertTrue(tr.readable());
        assertFalse(tr.writable());
        assertTranslates(base + s0, outputFor(s0, 2), s0);
        assertTrue(tr.readable() && tr.writable());
        assertTranslates(base + 2 * s0, outputFor(s0, 3), s0);
        assertTrue(tr.writable());
    }

    @Test
    void aProtWithNeitherReadNorWriteIsRefusedWithEinval() {
        assertRefused(Errno.EINVAL, 0, outputFor(s0, 1), s0, IommuProt.CACHE);
    }

    @Test
    void aZeroSizeIsRefusedWithEinval() {
        assertRefused(Errno.EINVAL, 0, outputFor(s0, 1), 0, RW);
    }

    @Test
    void aRangeThatWrapsIsRefusedWithEoverflow() {
        assertRefused(Errno.EOVERFLOW, -s0, outputFor(s0, 1), 2 * s0, RW);
    }

    @Test
    void anUnalignedIovaAddressOrSizeIsRefusedWithEnxio() {
        assertRefused(Errno.ENXIO, s0 / 2, outputFor(s0, 1), s0, RW);
        assertRefused(Errno.ENXIO, 0, outputFor(s0, 1) + 8, s0, RW);
        assertRefused(Errno.ENXIO, 0, outputFor(s0, 1), s0 + 8, RW);
    }

    @Test
    void aPhysicalAddressBeyondTheOutputWidthIsRefusedWithErange() {
        assumeTrue(fmt.oaBits() < 64);
        assertRefused(Errno.ERANGE, 0, 1L << fmt.oaBits(), s0, RW);
        assertRefused(Errno.ERANGE, 0, (1L << fmt.oaBits()) - s0, 2 * s0, RW);
    }

    @Test
    void mappingOverAMappedPageIsRefusedWithEaddrinuseAndUndoesEverything() throws IommufdException {
        long span = levelSpan(fmt.levelCount() > 1 ? 1 : 0) * 4;
        long mapped = span;
        table.map(mapped, outputFor(s0, 1), s0, RW, gather);
        // starts in the table below the mapped page (new tables), then meets it
        assertRefused(Errno.EADDRINUSE, mapped - 2 * s0, outputFor(s0, 64) + s0, 3 * s0, RW);
        assertRefused(Errno.EADDRINUSE, mapped, outputFor(s0, 64), s0, RW);
        assertTranslates(mapped, outputFor(s0, 1), s0);
        assertNotMapped(mapped - s0);
    }

    @Test
    void runningOutOfTablePagesIsRefusedWithEnomemAndUndoesEverything() throws IommufdException {
        assumeTrue(fmt.levelCount() >= 3, "needs two new tables below the root");
        table.map(0, outputFor(s0, 1), s0, RW, gather);
        int l = fmt.topLevel();
        while (l > 0 && Long.compareUnsigned(2 * levelSpan(l), fmt.apertureLast()) > 0) {
            l--;
        }
        assumeTrue(l >= 2, "the aperture leaves no room for a second top-level subtree");
        long far = levelSpan(l); // index 1 of level l: every table below it is new
        allocator.limitInUse(allocator.inUse() + 1);
        assertRefused(Errno.ENOMEM, far - s0, outputFor(s0, 8) + s0, 2 * s0, RW);
        allocator.limitInUse(Long.MAX_VALUE);
        table.map(far - s0, outputFor(s0, 8) + s0, 2 * s0, RW, gather);
        assertTranslates(far, outputFor(s0, 8) + 2 * s0, s0);
    }

    @Test
    void unmappingPartOfARunOfSmallPagesLeavesTheRest() throws IommufdException {
        long iova = 16 * Math.max(s0, s1);
        long pa = (1L << 32) + s0; // offset by one small page: only small pages fit
        table.map(iova, pa, 4 * s0, RW, gather);
        assertEquals(4, leafSizes().size());
        assertEquals(2 * s0, table.unmap(iova + s0, 2 * s0, gather));
        assertTranslates(iova, pa, s0);
        assertNotMapped(iova + s0);
        assertNotMapped(iova + 2 * s0);
        assertTranslates(iova + 3 * s0, pa + 3 * s0, s0);
    }

    @Test
    void anUnmapStartingInsideALargePageUnmapsNothing() throws IommufdException {
        assumeTrue(s1 != 0, "one page size only");
        table.map(2 * s1, outputFor(s1, 2), s1, RW, gather);
        assertEquals(0, table.unmap(2 * s1 + s0, s0, gather));
        assertTranslates(2 * s1, outputFor(s1, 2), s1);
    }

    @Test
    void anUnmapEndingInsideALargePageRemovesTheWholePage() throws IommufdException {
        assumeTrue(s1 != 0, "one page size only");
        table.map(2 * s1, outputFor(s1, 2), s1, RW, gather);
        assertEquals(s1, table.unmap(2 * s1, s0, gather));
        assertNotMapped(2 * s1 + s1 - s0);
    }

    @Test
    void anUnmapStopsAtTheFirstUnmappedIova() throws IommufdException {
        long iova = 16 * Math.max(s0, s1);
        table.map(iova, outputFor(s0, 1), 2 * s0, RW, gather);
        table.map(iova + 3 * s0, outputFor(s0, 9), s0, RW, gather);
        assertEquals(2 * s0, table.unmap(iova, 4 * s0, gather));
        assertTranslates(iova + 3 * s0, outputFor(s0, 9), s0);
    }

    @Test
    void unmappingNothingOrOutsideTheTableReturnsZero() throws IommufdException {
        assertEquals(0, table.unmap(0, s0, gather));
        assertEquals(0, table.unmap(0, 0, gather));
        assertEquals(0, table.unmap(-s0, 2 * s0, gather));
        assertTrue(gather.isEmpty());
    }

    @Test
    void mappingOnePageBuildsOneTablePerLevel() throws IommufdException {
        assertEquals(1, table.tablePageCount());
        table.map(0, outputFor(s0, 1), s0, RW, gather);
        assertEquals(fmt.levelCount(), table.tablePageCount());
        assertEquals(fmt.levelCount(), allocator.inUse());
    }

    @Test
    void anUnmapCoveringATablesWholeSpanFreesItAfterTheInvalidation() throws IommufdException {
        assumeTrue(fmt.levelCount() >= 2);
        long span = levelSpan(1);
        long pa = outputFor(span, 2) + s0; // offset: only s0 pages fit
        table.map(span, pa, span, RW, gather);
        assertEquals(fmt.levelCount(), table.tablePageCount());
        assertEquals(span, table.unmap(span, span, gather));
        assertEquals(fmt.levelCount() - 1, table.tablePageCount());
        assertEquals(1, gather.freedPageCount());
        assertEquals(span, gather.start());
        assertEquals(2 * span - 1, gather.last());
        long inUse = allocator.inUse();
        gather.sync(allocator);
        assertEquals(inUse - 1, allocator.inUse());
        assertTrue(gather.isEmpty());
    }

    @Test
    void anUnmapOfPartOfATablesSpanKeepsTheTableAsLinuxDoes() throws IommufdException {
        table.map(0, outputFor(s0, 1), s0, RW, gather);
        assertEquals(s0, table.unmap(0, s0, gather));
        assertEquals(0, gather.freedPageCount());
        assertEquals(fmt.levelCount(), table.tablePageCount());
    }

    @Test
    void aLargePageReplacesAnEmptyLowerTableAndFreesIt() throws IommufdException {
        assumeTrue(fmt.levelCount() >= 2 && (fmt.level(1).pageSizes() & levelSpan(1)) != 0);
        long span = levelSpan(1);
        table.map(span, outputFor(s0, 1), s0, RW, gather);
        table.unmap(span, s0, gather);
        gather.sync(allocator);
        long tables = table.tablePageCount();
        table.map(span, outputFor(span, 3), span, RW, gather);
        assertEquals(tables - 1, table.tablePageCount());
        assertEquals(1, gather.freedPageCount());
        assertEquals(span, gather.start());
        assertEquals(2 * span - 1, gather.last());
        assertTranslates(span + s0, outputFor(span, 3) + s0, span);
    }

    @Test
    void aLargePageOverALowerTableThatMapsSomethingIsRefusedWithEaddrinuse() throws IommufdException {
        assumeTrue(fmt.levelCount() >= 2 && (fmt.level(1).pageSizes() & levelSpan(1)) != 0);
        long span = levelSpan(1);
        table.map(span + span / 2, outputFor(s0, 1), s0, RW, gather);
        assertRefused(Errno.EADDRINUSE, span, outputFor(span, 3), span, RW);
    }

    @Test
    void theDumpListsEveryLeafInIovaOrder() throws IommufdException {
        long big = Math.max(s0, s1);
        table.map(8 * big, outputFor(s0, 2), s0, RW, gather);
        table.map(2 * big, outputFor(s0, 1), s0, RW, gather);
        List<PageTableDump.Leaf> leaves = table.dump().leaves();
        assertEquals(2, leaves.size());
        assertEquals(2 * big, leaves.get(0).iova());
        assertEquals(8 * big, leaves.get(1).iova());
        assertEquals(table.tablePageCount(), table.dump().tablePages());
    }

    @Test
    void manyPagesAreMappedTranslatedAndUnmappedWithoutAllocatingPerPage() throws IommufdException {
        int pages = 4096;
        long span = levelSpan(Math.min(1, fmt.topLevel()));
        long iova = span * 2;
        long pa = (1L << 32) + s0; // only small pages fit
        long size = pages * s0;
        com.sun.management.ThreadMXBean mx = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long thread = Thread.currentThread().getId();
        long allocated = 0;
        for (int round = 0; round < 4; round++) {
            long before = mx.getThreadAllocatedBytes(thread);
            table.map(iova, pa, size, RW, gather);
            for (long off = 0; off < size; off += s0) {
                table.translate(iova + off, tr);
            }
            if (round == 0) {
                assertEquals(pages, table.dump().leaves().size());
            }
            long unmapped = table.unmap(iova, size, gather);
            gather.sync(allocator);
            allocated = mx.getThreadAllocatedBytes(thread) - before;
            assertEquals(size, unmapped);
        }
        assertTrue(allocated < pages, "allocated " + allocated + " bytes for " + pages + " pages");
    }
}
