package io.iommufdsim.driver.vtd;

import static io.iommufdsim.api.uapi.UapiConstants.IOMMU_HWPT_ALLOC_DIRTY_TRACKING;
import static io.iommufdsim.api.uapi.UapiConstants.IOMMU_HWPT_ALLOC_NEST_PARENT;
import static io.iommufdsim.spi.IommuInstance.NO_PASID;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.iommufdsim.api.Errno;
import io.iommufdsim.api.IommufdException;
import io.iommufdsim.api.IovaRange;
import io.iommufdsim.spi.HwInfo;
import io.iommufdsim.spi.IommuCapabilities;
import io.iommufdsim.spi.IommuConfig;
import io.iommufdsim.spi.IommuDevice;
import io.iommufdsim.spi.IommuDomain;
import io.iommufdsim.spi.IommuInstance;
import io.iommufdsim.spi.PagingDomainSpec;
import io.iommufdsim.spi.PhysicalMemory;
import io.iommufdsim.spi.TranslationConfig;

import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

/**
 * The root → context → PASID directory → PASID-table chain an attach writes, bit for bit, and what
 * the hardware reads back from it.
 */
class VtdStructuresTest {
    private final VtdTestPlatform platform = new VtdTestPlatform();
    private final PhysicalMemory memory = platform.memory();
    /** Bus 0x3a, device 2, function 1: devfn 0x11 (lower context table). */
    private final TestDevice nic = new TestDevice("nic0", 0x3a11, 20, false);
    /** Devfn 0x90 on the same bus: the upper context table of the scalable-mode root entry. */
    private final TestDevice gpu = new TestDevice("gpu0", 0x3a90, 20, true);
    private final TestDevice noPasid = new TestDevice("ssd0", 0x0208, 0, false);

    private VtdInstance instance(Map<String, Object> config) throws IommufdException {
        return (VtdInstance) new VtdDriver().createInstance("intel-vtd", IommuConfig.parse(config), platform);
    }

    private TestDomain domain(VtdInstance u, int flags) throws IommufdException {
        return TestDomain.allocate(u, platform, nic, flags);
    }

    private long rootEntry(VtdInstance u, int bus, int word) {
        return memory.readLong((u.rootTableAddressRegister() & ~0xfffL) + 16L * bus + 8L * word);
    }

    private long contextEntry(VtdInstance u, TestDevice d, int word) {
        long table = rootEntry(u, d.rid() >>> 8, (d.rid() & 0x80) != 0 ? 1 : 0) & ~0xfffL;
        return memory.readLong(table + 32L * (d.rid() & 0x7f) + 8L * word);
    }

    private long pasidEntry(VtdInstance u, TestDevice d, int pasid, int word) {
        long dir = contextEntry(u, d, 0) & ~0xfffL;
        long table = memory.readLong(dir + 8L * (pasid >>> 6)) & ~0xfffL;
        return memory.readLong(table + 64L * (pasid & 63) + 8L * word);
    }

    @Test
    void rootTableAddressRegisterSaysScalableMode() throws IommufdException {
        VtdInstance u = instance(Map.of());
        assertEquals(1L << 10, u.rootTableAddressRegister() & 0xfff);
        assertEquals(1, platform.inUse());
    }

    @Test
    void blockSetsUpTheScalableModeContextEntryAndAnEmptyPasidDirectory() throws IommufdException {
        VtdInstance u = instance(Map.of());
        u.block(nic, NO_PASID);
        long contextTable = rootEntry(u, 0x3a, 0) & ~0xfffL;
        assertEquals(contextTable | 1, rootEntry(u, 0x3a, 0));
        assertEquals(0, rootEntry(u, 0x3a, 1));
        long dir = contextEntry(u, nic, 0) & ~0xfffL;
        // 20-bit PASIDs: a 32-page directory (PDTS 7 = 2^14 entries), DTE, PASIDE, P; RID_PASID 0
        assertEquals(0, dir & ((32 << 12) - 1));
        assertEquals(dir | 7L << 9 | 1L << 3 | 1L << 2 | 1, contextEntry(u, nic, 0));
        assertEquals(0, contextEntry(u, nic, 1));
        assertEquals(1 + 1 + 32, platform.inUse());
        assertSame(TranslationConfig.blocked(), u.readTranslation(nic, NO_PASID));
    }

    @Test
    void aPriDeviceInTheUpperHalfGetsPreAndTheUpperContextTable() throws IommufdException {
        VtdInstance u = instance(Map.of());
        u.block(gpu, NO_PASID);
        assertEquals(0, rootEntry(u, 0x3a, 0));
        long dir = contextEntry(u, gpu, 0) & ~0xfffL;
        assertEquals(dir | 7L << 9 | 1L << 4 | 1L << 3 | 1L << 2 | 1, contextEntry(u, gpu, 0));
    }

    @Test
    void aDeviceWithoutPasidsGetsAOnePageDirectoryAndNoPaside() throws IommufdException {
        VtdInstance u = instance(Map.of());
        u.block(noPasid, NO_PASID);
        long dir = contextEntry(u, noPasid, 0) & ~0xfffL;
        assertEquals(dir | 2L << 9 | 1L << 2 | 1, contextEntry(u, noPasid, 0));
        assertEquals(1 + 1 + 1, platform.inUse());
    }

    @Test
    void firstStageAttachWritesPgttFirstStageWithFlptrDidAndSnoopBits() throws IommufdException {
        VtdInstance u = instance(Map.of());
        TestDomain d = domain(u, 0);
        u.block(nic, NO_PASID);
        u.attach(nic, NO_PASID, d);
        // w0: AW 2 (iommu->agaw), PGTT 1, P; w1: DID 2, PWSNP, PGSNP; w2: FLPTR, FLPM 0
        assertEquals(2L << 2 | 1L << 6 | 1, pasidEntry(u, nic, 0, 0));
        assertEquals(2 | 1L << 23 | 1L << 24, pasidEntry(u, nic, 0, 1));
        assertEquals(d.rootPa(), pasidEntry(u, nic, 0, 2));
        for (int w = 3; w < 8; w++) {
            assertEquals(0, pasidEntry(u, nic, 0, w));
        }
        assertEquals(2, u.domainTag(d));
        TranslationConfig t = u.readTranslation(nic, NO_PASID);
        assertEquals(TranslationConfig.Kind.TRANSLATE, t.kind());
        assertEquals("x86-64-4", t.format().name());
        assertEquals(d.rootPa(), t.rootPa());
        assertEquals(2, t.domainTag());
    }

    @Test
    void secondStageAttachWritesPgttSecondStageWithSsptptrAwAndDid() throws IommufdException {
        VtdInstance u = instance(Map.of());
        TestDomain d = domain(u, IOMMU_HWPT_ALLOC_NEST_PARENT);
        u.block(nic, NO_PASID);
        u.attach(nic, NO_PASID, d);
        // w0: SSPTPTR, AW 2 (4 levels), PGTT 2, FPD 0, SSADE 0, P; w1: DID 2, PWSNP
        assertEquals(d.rootPa() | 2L << 2 | 2L << 6 | 1, pasidEntry(u, nic, 0, 0));
        assertEquals(2 | 1L << 23, pasidEntry(u, nic, 0, 1));
        assertEquals(0, pasidEntry(u, nic, 0, 2));
        TranslationConfig t = u.readTranslation(nic, NO_PASID);
        assertEquals("vtd-ss-4", t.format().name());
        assertEquals(48, t.format().vaBits());
        assertEquals(d.rootPa(), t.rootPa());
    }

    @Test
    void pasidAttachFillsItsOwnPasidTableAndLeavesTheRidBlocked() throws IommufdException {
        VtdInstance u = instance(Map.of());
        TestDomain d = domain(u, 0);
        u.block(nic, NO_PASID);
        long before = platform.inUse();
        u.attach(nic, 0x41, d); // directory slot 1, entry 1
        assertEquals(before + 1, platform.inUse());
        assertEquals(2L << 2 | 1L << 6 | 1, pasidEntry(u, nic, 0x41, 0));
        assertEquals(TranslationConfig.Kind.TRANSLATE, u.readTranslation(nic, 0x41).kind());
        assertSame(TranslationConfig.blocked(), u.readTranslation(nic, NO_PASID));
        assertSame(TranslationConfig.blocked(), u.readTranslation(nic, 0x42));
        u.block(nic, 0x41);
        for (int w = 0; w < 8; w++) {
            assertEquals(0, pasidEntry(u, nic, 0x41, w));
        }
        assertSame(TranslationConfig.blocked(), u.readTranslation(nic, 0x41));
        assertEquals(-1, u.domainTag(d));
    }

    @Test
    void readTranslationFollowsAttachReplaceAndBlock() throws IommufdException {
        VtdInstance u = instance(Map.of());
        TestDomain fs = domain(u, 0);
        TestDomain ss = domain(u, IOMMU_HWPT_ALLOC_DIRTY_TRACKING);
        assertSame(TranslationConfig.blocked(), u.readTranslation(nic, NO_PASID)); // nothing written yet
        u.block(nic, NO_PASID);
        u.attach(nic, NO_PASID, fs);
        assertEquals(fs.rootPa(), u.readTranslation(nic, NO_PASID).rootPa());
        u.attach(nic, NO_PASID, ss); // replace
        TranslationConfig t = u.readTranslation(nic, NO_PASID);
        assertEquals("vtd-ss-4", t.format().name());
        assertEquals(ss.rootPa(), t.rootPa());
        // the RID is blocked before the new domain is attached: fs's id 2 is free again and ss takes it
        assertEquals(2, t.domainTag());
        assertEquals(-1, u.domainTag(fs));
        u.block(nic, NO_PASID);
        assertSame(TranslationConfig.blocked(), u.readTranslation(nic, NO_PASID));
        assertEquals(-1, u.domainTag(ss));
    }

    @Test
    void pasidReplaceAllocatesTheNewIdBeforeFreeingTheOld() throws IommufdException {
        VtdInstance u = instance(Map.of());
        TestDomain a = domain(u, 0);
        TestDomain b = domain(u, 0);
        u.block(nic, NO_PASID);
        u.attach(nic, 5, a);
        u.attach(nic, 5, b);
        assertEquals(3, u.domainTag(b));
        assertEquals(-1, u.domainTag(a));
        assertEquals(3, u.readTranslation(nic, 5).domainTag());
    }

    @Test
    void domainIdIsSharedByItsUsersAndReusedAfterTheLastBlock() throws IommufdException {
        VtdInstance u = instance(Map.of());
        TestDomain a = domain(u, 0);
        TestDomain b = domain(u, 0);
        u.block(nic, NO_PASID);
        u.block(gpu, NO_PASID);
        u.block(noPasid, NO_PASID);
        u.attach(nic, NO_PASID, a);
        u.attach(gpu, NO_PASID, a);
        u.attach(noPasid, NO_PASID, b);
        assertEquals(2, u.domainTag(a));
        assertEquals(3, u.domainTag(b));
        u.block(nic, NO_PASID);
        assertEquals(2, u.domainTag(a));
        u.block(gpu, NO_PASID);
        assertEquals(-1, u.domainTag(a));
        TestDomain c = domain(u, 0);
        u.attach(nic, NO_PASID, c);
        assertEquals(2, u.domainTag(c));
    }

    @Test
    void runningOutOfDomainIdsIsEnospcAndChangesNothing() throws IommufdException {
        // ND 0: 16 ids, 2..15 usable
        VtdInstance u = instance(Map.of("cap_reg", Long.toString(VtdRegisters.DEFAULT.cap() & ~7L)));
        TestDevice[] devs = new TestDevice[15];
        for (int i = 0; i < 15; i++) {
            devs[i] = new TestDevice("d" + i, 0x0100 + i, 0, false);
            u.block(devs[i], NO_PASID);
        }
        for (int i = 0; i < 14; i++) {
            u.attach(devs[i], NO_PASID, domain(u, 0));
        }
        TestDomain last = domain(u, 0);
        long pages = platform.inUse();
        IommufdException e = assertThrows(IommufdException.class, () -> u.attach(devs[14], NO_PASID, last));
        assertEquals(Errno.ENOSPC, e.errno());
        assertEquals(pages, platform.inUse());
        assertSame(TranslationConfig.blocked(), u.readTranslation(devs[14], NO_PASID));
        assertEquals(-1, u.domainTag(last));
    }

    @Test
    void failedAttachForLackOfMemoryUndoesEveryWriteAndAllocation() throws IommufdException {
        VtdInstance u = instance(Map.of());
        TestDomain d = domain(u, 0);
        platform.limitInUse(platform.inUse() + 2); // context table and... not the 32-page directory
        long pages = platform.inUse();
        assertEquals(Errno.ENOMEM, assertThrows(IommufdException.class, () -> u.attach(nic, NO_PASID, d)).errno());
        assertEquals(pages, platform.inUse());
        assertEquals(0, rootEntry(u, 0x3a, 0));
        assertEquals(-1, u.domainTag(d));
        platform.limitInUse(Long.MAX_VALUE);
        u.attach(nic, NO_PASID, d);
        assertEquals(TranslationConfig.Kind.TRANSLATE, u.readTranslation(nic, NO_PASID).kind());
    }

    @Test
    void aDomainThisUnitCannotWalkIsEinvalAndTheOldDomainStays() throws IommufdException {
        VtdInstance small = instance(Map.of());
        VtdInstance big = instance(Map.of("levels", 5L));
        TestDomain fiveLevel = TestDomain.allocate(big, platform, nic, IOMMU_HWPT_ALLOC_NEST_PARENT);
        TestDomain fiveLevelFs = TestDomain.allocate(big, platform, nic, 0);
        TestDomain mine = domain(small, 0);
        small.block(nic, NO_PASID);
        small.attach(nic, NO_PASID, mine);
        assertEquals(Errno.EINVAL, assertThrows(IommufdException.class,
                () -> small.attach(nic, NO_PASID, fiveLevel)).errno());
        assertEquals(Errno.EINVAL, assertThrows(IommufdException.class,
                () -> small.attach(nic, NO_PASID, fiveLevelFs)).errno());
        assertEquals(mine.rootPa(), small.readTranslation(nic, NO_PASID).rootPa());
        assertEquals(2, small.domainTag(mine));
        // the 5-level unit walks a domain of the 4-level one: compatible the other way round
        big.block(nic, NO_PASID);
        big.attach(nic, NO_PASID, mine);
        assertEquals("x86-64-4", big.readTranslation(nic, NO_PASID).format().name());
    }

    @Test
    void aDirtyTrackingDomainIsRefusedByAUnitWithoutSsads() throws IommufdException {
        VtdInstance dirty = instance(Map.of());
        VtdInstance plain = instance(Map.of("dirty_tracking", false));
        TestDomain d = TestDomain.allocate(dirty, platform, nic, IOMMU_HWPT_ALLOC_DIRTY_TRACKING);
        plain.block(nic, NO_PASID);
        assertEquals(Errno.EINVAL, assertThrows(IommufdException.class, () -> plain.attach(nic, NO_PASID, d)).errno());
    }

    @Test
    void anotherVendorsDomainIsEinval() throws IommufdException {
        VtdInstance u = instance(Map.of());
        IommuInstance other = new IommuInstance() {
            public String name() { return "smmu"; }
            public IommuCapabilities capabilities() { return null; }
            public HwInfo hwInfo(IommuDevice device, int type) { return null; }
            public PagingDomainSpec allocatePagingDomain(IommuDevice device, int flags) { return null; }
            public List<IovaRange> reservedRegions(IommuDevice device) { return List.of(); }
            public void attach(IommuDevice device, int pasid, IommuDomain domain) { }
            public void block(IommuDevice device, int pasid) { }
            public int domainTag(IommuDomain domain) { return -1; }
            public TranslationConfig readTranslation(IommuDevice device, int pasid) { return null; }
            public void release() { }
        };
        TestDomain foreign = new TestDomain(other, u.allocatePagingDomain(nic, 0), 0x5000_0000L, 0);
        assertEquals(Errno.EINVAL, assertThrows(IommufdException.class, () -> u.attach(nic, NO_PASID, foreign)).errno());
    }

    @Test
    void malformedEntriesAreReservedBitFaults() throws IommufdException {
        VtdInstance u = instance(Map.of());
        TestDomain d = domain(u, 0);
        u.block(nic, NO_PASID);
        u.attach(nic, NO_PASID, d);
        long ctxTable = rootEntry(u, 0x3a, 0) & ~0xfffL;
        long ce = ctxTable + 32L * (nic.rid() & 0x7f);
        long good = memory.readLong(ce);
        memory.writeLong(ce, good | 1L << 5); // reserved bit 5 of a scalable-mode context entry
        assertEquals("reserved-bit", u.readTranslation(nic, NO_PASID).faultReason());
        memory.writeLong(ce, good);
        long dir = good & ~0xfffL;
        long pe = (memory.readLong(dir) & ~0xfffL);
        long w0 = memory.readLong(pe);
        memory.writeLong(pe, (w0 & ~(7L << 6)) | 5L << 6); // PGTT 5 is reserved
        assertEquals(TranslationConfig.Kind.FAULT, u.readTranslation(nic, NO_PASID).kind());
        memory.writeLong(pe, w0);
        assertEquals(TranslationConfig.Kind.TRANSLATE, u.readTranslation(nic, NO_PASID).kind());
    }

    @Test
    void legacyModeWritesAContextEntryWithSlptptrAwAndDid() throws IommufdException {
        long ecap = VtdRegisters.DEFAULT.ecap() & ~(1L << 43 | 1L << 26 | 1L << 40 | 1L << 45 | 1L << 46 | 1L << 47 | 1L << 48);
        VtdInstance u = instance(Map.of("ecap_reg", Long.toString(ecap)));
        assertEquals(0, u.rootTableAddressRegister() & 0xfff);
        TestDomain d = domain(u, 0);
        u.block(nic, NO_PASID);
        assertEquals(0, rootEntry(u, 0x3a, 0)); // legacy probe writes nothing
        u.attach(nic, NO_PASID, d);
        long table = rootEntry(u, 0x3a, 0) & ~0xfffL;
        // lo: SLPTPTR | TT 1 (device TLB, ECAP.DT) | P; hi: AW 2 | DID 2 << 8
        assertEquals(d.rootPa() | 1L << 2 | 1, memory.readLong(table + 16L * 0x11));
        assertEquals(2 | 2L << 8, memory.readLong(table + 16L * 0x11 + 8));
        TranslationConfig t = u.readTranslation(nic, NO_PASID);
        assertEquals("vtd-ss-4", t.format().name());
        assertEquals(2, t.domainTag());
        assertEquals(Errno.EOPNOTSUPP, assertThrows(IommufdException.class, () -> u.attach(nic, 1, d)).errno());
        u.block(nic, NO_PASID);
        assertSame(TranslationConfig.blocked(), u.readTranslation(nic, NO_PASID));
    }

    @Test
    void aPasidOfADeviceWithoutPasidsIsWrittenButNeverReachedAndBeyondItsTableIsEnodev() throws IommufdException {
        VtdInstance u = instance(Map.of());
        TestDomain d = domain(u, 0);
        u.block(noPasid, NO_PASID);
        u.attach(noPasid, 5, d); // intel_pasid_get_entry: the one-page table still has 2^15 entries
        assertEquals(2L << 2 | 1L << 6 | 1, pasidEntry(u, noPasid, 5, 0));
        assertSame(TranslationConfig.blocked(), u.readTranslation(noPasid, 5)); // context PASIDE = 0
        long pages = platform.inUse();
        assertEquals(Errno.ENODEV, assertThrows(IommufdException.class, () -> u.attach(noPasid, 0x8000, d)).errno());
        assertEquals(pages, platform.inUse());
    }

    @Test
    void releaseFreesEveryStructurePage() throws IommufdException {
        VtdInstance u = instance(Map.of());
        TestDomain a = domain(u, 0);
        TestDomain b = domain(u, IOMMU_HWPT_ALLOC_NEST_PARENT);
        long domainRoots = 2;
        u.block(nic, NO_PASID);
        u.block(gpu, NO_PASID);
        u.block(noPasid, NO_PASID);
        u.attach(nic, NO_PASID, a);
        u.attach(nic, 0x1234, b);
        u.attach(gpu, 0x41, a);
        u.attach(noPasid, NO_PASID, b);
        u.release();
        assertEquals(domainRoots, platform.inUse());
    }
}
