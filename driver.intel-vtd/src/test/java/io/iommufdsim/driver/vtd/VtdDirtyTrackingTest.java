package io.iommufdsim.driver.vtd;

import static io.iommufdsim.api.uapi.UapiConstants.IOMMU_HWPT_ALLOC_DIRTY_TRACKING;
import static io.iommufdsim.spi.IommuInstance.NO_PASID;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.iommufdsim.api.Errno;
import io.iommufdsim.api.IommufdException;
import io.iommufdsim.spi.IommuConfig;
import io.iommufdsim.spi.PhysicalMemory;
import io.iommufdsim.spi.TranslationConfig;

import java.util.Map;

import org.junit.jupiter.api.Test;

/** SSADE in the PASID-table entries: on attach from the domain's state, and switched for every user of the domain. */
class VtdDirtyTrackingTest {
    private static final long SSADE = 1L << 9;

    private final VtdTestPlatform platform = new VtdTestPlatform();
    private final PhysicalMemory memory = platform.memory();
    private final TestDevice nic = new TestDevice("nic0", 0x3a11, 20, false);
    private final TestDevice gpu = new TestDevice("gpu0", 0x3a90, 20, true);

    private VtdInstance instance(Map<String, Object> config) throws IommufdException {
        return (VtdInstance) new VtdDriver().createInstance("intel-vtd", IommuConfig.parse(config), platform);
    }

    private long pasidEntry(VtdInstance u, TestDevice d, int pasid, int word) {
        long root = memory.readLong((u.rootTableAddressRegister() & ~0xfffL) + 16L * (d.rid() >>> 8)
                + ((d.rid() & 0x80) != 0 ? 8 : 0)) & ~0xfffL;
        long dir = memory.readLong(root + 32L * (d.rid() & 0x7f)) & ~0xfffL;
        long table = memory.readLong(dir + 8L * (pasid >>> 6)) & ~0xfffL;
        return memory.readLong(table + 64L * (pasid & 63) + 8L * word);
    }

    @Test
    void attachOfATrackingDomainWritesSsadeInTheSecondStageEntry() throws IommufdException {
        VtdInstance u = instance(Map.of());
        SwitchableDomain d = SwitchableDomain.allocate(u, platform, nic, IOMMU_HWPT_ALLOC_DIRTY_TRACKING);
        d.dirtyTracking = true;
        u.block(nic, NO_PASID);
        u.attach(nic, NO_PASID, d);
        // w0: SSPTPTR, SSADE, PGTT 2, AW 2, P; w1: DID 2, PWSNP
        assertEquals(d.rootPa() | SSADE | 2L << 6 | 2L << 2 | 1, pasidEntry(u, nic, 0, 0));
        assertEquals(2 | 1L << 23, pasidEntry(u, nic, 0, 1));
        TranslationConfig t = u.readTranslation(nic, NO_PASID);
        assertTrue(t.dirtyTracking());
        assertEquals(d.rootPa(), t.rootPa());
    }

    @Test
    void attachOfADomainWithTrackingOffLeavesSsadeClear() throws IommufdException {
        VtdInstance u = instance(Map.of());
        SwitchableDomain d = SwitchableDomain.allocate(u, platform, nic, IOMMU_HWPT_ALLOC_DIRTY_TRACKING);
        u.block(nic, NO_PASID);
        u.attach(nic, NO_PASID, d);
        assertEquals(d.rootPa() | 2L << 6 | 2L << 2 | 1, pasidEntry(u, nic, 0, 0));
        assertFalse(u.readTranslation(nic, NO_PASID).dirtyTracking());
    }

    @Test
    void setDirtyTrackingSwitchesSsadeInTheRidAndEveryPasidEntryOfTheDomainOnly() throws IommufdException {
        VtdInstance u = instance(Map.of());
        SwitchableDomain d = SwitchableDomain.allocate(u, platform, nic, IOMMU_HWPT_ALLOC_DIRTY_TRACKING);
        SwitchableDomain other = SwitchableDomain.allocate(u, platform, nic, IOMMU_HWPT_ALLOC_DIRTY_TRACKING);
        u.block(nic, NO_PASID);
        u.block(gpu, NO_PASID);
        u.attach(nic, NO_PASID, d);
        u.attach(nic, 0x41, d);
        u.attach(gpu, NO_PASID, d);
        u.attach(gpu, 7, other);
        long nicRid = pasidEntry(u, nic, 0, 0);
        long otherEntry = pasidEntry(u, gpu, 7, 0);

        u.setDirtyTracking(d, true);
        assertEquals(nicRid | SSADE, pasidEntry(u, nic, 0, 0));
        assertEquals(SSADE, pasidEntry(u, nic, 0x41, 0) & SSADE);
        assertEquals(SSADE, pasidEntry(u, gpu, 0, 0) & SSADE);
        assertEquals(otherEntry, pasidEntry(u, gpu, 7, 0));
        assertEquals(2 | 1L << 23, pasidEntry(u, nic, 0, 1)); // the other words are untouched
        assertTrue(u.readTranslation(nic, 0x41).dirtyTracking());
        assertFalse(u.readTranslation(gpu, 7).dirtyTracking());

        u.setDirtyTracking(d, false);
        assertEquals(nicRid, pasidEntry(u, nic, 0, 0));
        assertEquals(0, pasidEntry(u, nic, 0x41, 0) & SSADE);
        assertEquals(0, pasidEntry(u, gpu, 0, 0) & SSADE);
        assertFalse(u.readTranslation(gpu, NO_PASID).dirtyTracking());
    }

    @Test
    void anEntryThatIsNotSecondStageIsEopnotsuppAndNoEntryChanges() throws IommufdException {
        VtdInstance u = instance(Map.of());
        SwitchableDomain d = SwitchableDomain.allocate(u, platform, nic, IOMMU_HWPT_ALLOC_DIRTY_TRACKING);
        u.block(nic, NO_PASID);
        u.block(gpu, NO_PASID);
        u.attach(nic, NO_PASID, d);
        u.attach(gpu, NO_PASID, d);
        // a stray writer turned gpu's entry into a first-stage one (PGTT 1): intel_pasid_setup_dirty_tracking refuses it
        long gpuEntry = pasidEntry(u, gpu, 0, 0);
        long forged = (gpuEntry & ~(7L << 6)) | 1L << 6;
        long nicEntry = pasidEntry(u, nic, 0, 0);
        writePasidWord0(u, gpu, forged);
        IommufdException e = assertThrows(IommufdException.class, () -> u.setDirtyTracking(d, true));
        assertEquals(Errno.EOPNOTSUPP, e.errno());
        assertEquals(nicEntry, pasidEntry(u, nic, 0, 0));
        assertEquals(forged, pasidEntry(u, gpu, 0, 0));
    }

    @Test
    void ssadeOnAUnitWithoutSladsIsAReservedBitFault() throws IommufdException {
        VtdInstance u = instance(Map.of("dirty_tracking", false));
        SwitchableDomain s = SwitchableDomain.allocate(u, platform, nic,
                io.iommufdsim.api.uapi.UapiConstants.IOMMU_HWPT_ALLOC_NEST_PARENT); // second stage
        u.block(nic, NO_PASID);
        u.attach(nic, NO_PASID, s);
        assertEquals(TranslationConfig.Kind.TRANSLATE, u.readTranslation(nic, NO_PASID).kind());
        writePasidWord0(u, nic, pasidEntry(u, nic, 0, 0) | SSADE);
        assertEquals(TranslationConfig.fault("reserved-bit"), u.readTranslation(nic, NO_PASID));
    }

    @Test
    void setDirtyTrackingInLegacyModeIsEopnotsupp() throws IommufdException {
        long ecap = VtdRegisters.DEFAULT.ecap() & ~(1L << 43 | 1L << 26 | 1L << 40 | 1L << 45 | 1L << 46 | 1L << 47 | 1L << 48);
        VtdInstance u = instance(Map.of("ecap_reg", Long.toString(ecap)));
        SwitchableDomain d = SwitchableDomain.allocate(u, platform, nic, 0);
        u.attach(nic, NO_PASID, d);
        assertEquals(Errno.EOPNOTSUPP, assertThrows(IommufdException.class, () -> u.setDirtyTracking(d, true)).errno());
        assertFalse(u.readTranslation(nic, NO_PASID).dirtyTracking());
    }

    private void writePasidWord0(VtdInstance u, TestDevice d, long value) {
        long root = memory.readLong((u.rootTableAddressRegister() & ~0xfffL) + 16L * (d.rid() >>> 8)
                + ((d.rid() & 0x80) != 0 ? 8 : 0)) & ~0xfffL;
        long dir = memory.readLong(root + 32L * (d.rid() & 0x7f)) & ~0xfffL;
        long table = memory.readLong(dir) & ~0xfffL;
        memory.writeLong(table, value);
    }
}
