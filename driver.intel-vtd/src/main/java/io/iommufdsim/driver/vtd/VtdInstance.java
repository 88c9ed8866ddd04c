package io.iommufdsim.driver.vtd;

import io.iommufdsim.api.Errno;
import io.iommufdsim.api.IommufdException;
import io.iommufdsim.api.IovaRange;
import io.iommufdsim.api.uapi.UapiConstants;
import io.iommufdsim.spi.HwInfo;
import io.iommufdsim.spi.IommuCapabilities;
import io.iommufdsim.spi.IommuDevice;
import io.iommufdsim.spi.IommuDomain;
import io.iommufdsim.spi.IommuInstance;
import io.iommufdsim.spi.IommuPlatform;
import io.iommufdsim.spi.PageTableFeatures;
import io.iommufdsim.spi.PageTableFormat;
import io.iommufdsim.spi.PagingDomainSpec;
import io.iommufdsim.spi.PhysicalMemory;
import io.iommufdsim.spi.TablePageAllocator;
import io.iommufdsim.spi.TranslationConfig;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

/**
 * One VT-d DMA-remapping unit (a DRHD) as Linux 7.0 drives it: capabilities and hw_info from its
 * CAP/ECAP registers, the paging-domain choice of intel_iommu_domain_alloc_paging_flags, and the real
 * translation structures in the machine's physical memory — root table → context entries → (scalable
 * mode) PASID directory → PASID-table entries — written as intel/iommu.c and intel/pasid.c write them
 * and read back as the hardware (QEMU hw/i386/intel_iommu.c) reads them.
 *
 * <p>Per device, the scalable-mode context entry and PASID directory are set up the first time the
 * core blocks or attaches the device (Linux does it at probe: intel_iommu_probe_device →
 * intel_pasid_alloc_table, intel_pasid_setup_sm_context) and stay until {@link #release()}.
 */
public final class VtdInstance implements IommuInstance {
    /**
     * Host address width: the SPI's physical memory does not report the platform's MAXPHYADDR, so the
     * architectural maximum Linux programs for (hw_max_oasz_lg2 = 52) is taken.
     */
    static final int HAW = 52;
    static final long IOAPIC_RANGE_START = 0xfee00000L;
    static final long IOAPIC_RANGE_END = 0xfeefffffL;
    /** struct iommu_hw_info_vtd flags bit 0. */
    public static final int IOMMU_HW_INFO_VTD_ERRATA_772415_SPR17 = 1;
    static final int HW_INFO_VTD_SIZE = 24;

    private static final long SZ_2M = 1L << 21;
    private static final long SZ_1G = 1L << 30;

    private final String name;
    private final VtdRegisters regs;
    private final PhysicalMemory memory;
    private final TablePageAllocator pages;
    private final long rootTable;
    private final IommuCapabilities capabilities;
    /** By level count; null where the unit cannot walk that table. Immutable after construction. */
    private final PageTableFormat[] secondStage = new PageTableFormat[6];
    private final PageTableFormat[] firstStage = new PageTableFormat[6];

    private final DomainIds domainIds;
    private final Map<IommuDomain, DomainUse> domains = new IdentityHashMap<>();
    private final Map<Integer, DeviceTables> devices = new HashMap<>();

    /** A domain's id on this unit and how many (device, pasid) use it (struct iommu_domain_info). */
    private static final class DomainUse {
        final int did;
        int users;

        DomainUse(int did) {
            this.did = did;
        }
    }

    /** What Linux keeps per device (device_domain_info): its PASID table and what is attached where. */
    private static final class DeviceTables {
        long pasidDirectory; // 0 in legacy mode
        int directoryOrder;
        final Map<Integer, IommuDomain> attached = new HashMap<>(); // pasid (NO_PASID = the RID) → domain
    }

    VtdInstance(String name, VtdRegisters regs, IommuPlatform platform) throws IommufdException {
        this.name = name;
        this.regs = regs;
        this.memory = platform.memory();
        this.pages = platform.tablePages();
        this.domainIds = new DomainIds(regs.domainIds());
        boolean snp = regs.snoopControl() || regs.scalableMode();
        for (int levels = 3; levels <= 5; levels++) {
            int aw = levels - 2;
            if ((regs.sagaw() & (1 << aw)) != 0 && (!regs.scalableMode() || regs.slts())) {
                secondStage[levels] = VtdSecondStage.format(levels, Math.min(30 + 9 * aw, regs.mgaw()), HAW, snp);
            }
        }
        if (regs.scalableMode() && regs.flts()) {
            firstStage[4] = VtdFirstStage.format(4, Math.min(48, regs.mgaw()), HAW);
            if (regs.fl5lp()) {
                firstStage[5] = VtdFirstStage.format(5, Math.min(57, regs.mgaw()), HAW);
            }
        }
        int pasidBits = regs.pasidSupported() ? Math.min(20, regs.pss() + 1) : 0;
        // IOMMU_CAP_PCI_ATS_SUPPORTED: every simulated PCI device is ATS-capable, so ECAP.DT decides
        this.capabilities = new IommuCapabilities(regs.ssadsSupported(), regs.nestedSupported(), pasidBits, pasidBits,
                regs.deviceTlb());
        // iommu.c iommu_alloc_root_entry: the root table exists from the unit's initialisation
        this.rootTable = pages.allocateTablePage();
    }

    @Override
    public String name() {
        return name;
    }

    public VtdRegisters registers() {
        return regs;
    }

    /** The RTADDR_REG value (§11.4.5): root-table address | TTM (01 = scalable-mode root table). */
    public long rootTableAddressRegister() {
        return rootTable | (regs.scalableMode() ? RootEntry.RTADDR_TTM_SCALABLE : 0);
    }

    @Override
    public IommuCapabilities capabilities() {
        return capabilities;
    }

    /** iommu.c intel_iommu_hw_info. */
    @Override
    public HwInfo hwInfo(IommuDevice device, int requestedType) throws IommufdException {
        if (requestedType != UapiConstants.IOMMU_HW_INFO_TYPE_DEFAULT
                && requestedType != UapiConstants.IOMMU_HW_INFO_TYPE_INTEL_VTD) {
            throw new IommufdException(Errno.EOPNOTSUPP);
        }
        ByteBuffer b = ByteBuffer.allocate(HW_INFO_VTD_SIZE).order(ByteOrder.LITTLE_ENDIAN);
        b.putInt(IOMMU_HW_INFO_VTD_ERRATA_772415_SPR17).putInt(0).putLong(regs.cap()).putLong(regs.ecap());
        return new HwInfo(UapiConstants.IOMMU_HW_INFO_TYPE_INTEL_VTD, b.array());
    }

    /**
     * intel_iommu_domain_alloc_paging_flags: first stage when it can take the flags (only
     * IOMMU_HWPT_ALLOC_PASID) and the unit has it, otherwise second stage.
     */
    @Override
    public PagingDomainSpec allocatePagingDomain(IommuDevice device, int flags) throws IommufdException {
        // intel_iommu_domain_alloc_first_stage
        if ((flags & ~UapiConstants.IOMMU_HWPT_ALLOC_PASID) == 0 && regs.scalableMode() && regs.flts()) {
            VtdTableGeometry g = regs.firstStageGeometry();
            PageTableFormat f = firstStage[g.levels()];
            long sizes = f.pageSizeBitmap();
            if (!regs.fl1gp()) {
                sizes &= ~SZ_1G;
            }
            // iommufd enforces coherency where the unit reports ECAP.SC: PGSNP in the PASID entry
            // (intel_iommu_enforce_cache_coherency_fs), no bit in the x86-64 format's leaves
            int features = regs.snoopControl() ? PageTableFeatures.FORCE_COHERENCE : 0;
            return new PagingDomainSpec(f, sizes, 0, f.apertureLast(), features);
        }
        // intel_iommu_domain_alloc_second_stage
        int nestParent = UapiConstants.IOMMU_HWPT_ALLOC_NEST_PARENT;
        int dirty = UapiConstants.IOMMU_HWPT_ALLOC_DIRTY_TRACKING;
        if ((flags & ~(nestParent | dirty | UapiConstants.IOMMU_HWPT_ALLOC_PASID)) != 0
                || ((flags & nestParent) != 0 && !regs.nestedSupported())
                || ((flags & dirty) != 0 && !regs.ssadsSupported())
                || (regs.scalableMode() && !regs.slts())) {
            throw new IommufdException(Errno.EOPNOTSUPP);
        }
        VtdTableGeometry g = regs.secondStageGeometry();
        PageTableFormat f = secondStage[g.levels()];
        long sizes = f.pageSizeBitmap();
        if ((regs.sllps() & 1) == 0) {
            sizes &= ~SZ_2M;
        }
        if ((regs.sllps() & 2) == 0) {
            sizes &= ~SZ_1G;
        }
        int features = 0;
        if ((flags & nestParent) != 0) {
            features |= PageTableFeatures.FORCE_WRITEABLE; // ERRATA_772415_SPR17
        }
        if ((flags & dirty) != 0) {
            features |= PageTableFeatures.DIRTY_TRACKING;
        }
        if (regs.snoopControl()) {
            // iommufd enforces coherency on every domain of a device whose unit reports
            // IOMMU_CAP_ENFORCE_CACHE_COHERENCY (ECAP.SC); intel_iommu_enforce_cache_coherency_ss
            features |= PageTableFeatures.FORCE_COHERENCE;
        }
        return new PagingDomainSpec(f, sizes, 0, f.apertureLast(), features);
    }

    /** iommu.c intel_iommu_get_resv_regions: the IOAPIC/MSI window (no RMRRs are simulated). */
    @Override
    public List<IovaRange> reservedRegions(IommuDevice device) {
        return List.of(new IovaRange(IOAPIC_RANGE_START, IOAPIC_RANGE_END));
    }

    @Override
    public int domainTag(IommuDomain domain) {
        DomainUse use = domains.get(domain);
        return use == null ? -1 : use.did;
    }

    // ---- attach ---------------------------------------------------------------------------------

    @Override
    public void attach(IommuDevice device, int pasid, IommuDomain domain) throws IommufdException {
        if (pasid != NO_PASID && !regs.pasidSupported()) {
            throw new IommufdException(Errno.EOPNOTSUPP); // intel_iommu_set_dev_pasid
        }
        boolean firstStage = compatibleStage(domain);
        if (pasid == NO_PASID) {
            checkIopf(device, domain); // intel_iommu_attach_device: iopf_for_domain_set before the attach
        }
        DeviceTables dev = devices.get(device.rid());
        IommuDomain old = dev == null ? null : dev.attached.get(pasid);
        int did = chooseDomainId(domain, old, pasid);
        if (did < 0) {
            throw new IommufdException(Errno.ENOSPC); // domain_attach_iommu: "No free domain ids"
        }
        if (pasid != NO_PASID) {
            // intel_iommu_set_dev_pasid: iopf_for_domain_replace after domain_add_dev_pasid took the id
            checkIopf(device, domain);
        }
        // intel_pasid_get_entry: a PASID beyond the device's PASID table (2^15 entries for a device
        // without PASIDs, whose table Linux still allocates) has no entry: -ENODEV
        int order = dev != null ? dev.directoryOrder : PasidEntry.directoryOrder(device.pasidBits());
        if (pasid != NO_PASID && (pasid >>> (PasidEntry.PDE_SHIFT + 9 + order)) != 0) {
            throw new IommufdException(Errno.ENODEV);
        }
        StructureWrites w = new StructureWrites(memory, pages);
        boolean newDevice = dev == null;
        try {
            if (newDevice) {
                dev = probe(device, w);
            }
            if (regs.scalableMode()) {
                long entry = pasidEntry(dev, pasid == NO_PASID ? PasidEntry.RID_PASID : pasid, w);
                writePasidEntry(entry, firstStage ? firstStageEntry(domain, did) : secondStageEntry(domain, did), w);
            } else {
                long entry = legacyContextEntry(device.rid(), w);
                writeLegacyContextEntry(entry, domain, did, w);
            }
        } catch (IommufdException e) {
            w.undo();
            throw e;
        }
        if (newDevice) {
            devices.put(device.rid(), dev);
        }
        if (old != domain) {
            if (old != null) {
                dropUser(old);
            }
            DomainUse use = domains.get(domain);
            if (use == null) {
                use = new DomainUse(did);
                domainIds.take(did);
                domains.put(domain, use);
            }
            use.users++;
            dev.attached.put(pasid, domain);
        }
    }

    /**
     * iopf_for_domain_set → intel_iommu_enable_iopf: a domain with an iopf handler needs the device's
     * PRI enabled (info->pri_enabled: scalable mode, ATS (ECAP.DT), ECAP.PRS, ECAP.PDS and the device's
     * PRI capability, as intel_iommu_probe_device and iommu_enable_pci_pri decide it), else -ENODEV.
     */
    private void checkIopf(IommuDevice device, IommuDomain domain) throws IommufdException {
        if (domain.hasFaultHandler() && !priEnabled(device)) {
            throw new IommufdException(Errno.ENODEV);
        }
    }

    private boolean priEnabled(IommuDevice device) {
        return regs.scalableMode() && regs.deviceTlb() && regs.pageRequests() && regs.pageRequestDrain()
                && device.pri();
    }

    /**
     * The id {@code domain} will have: its id here if it has one, else the lowest free. Replacing
     * the RID's domain first blocks the device (intel_iommu_attach_device → device_block_translation),
     * which frees the old domain's id when the device was its last user, so that id counts as free;
     * a PASID replace allocates before it frees (intel_iommu_set_dev_pasid).
     */
    private int chooseDomainId(IommuDomain domain, IommuDomain old, int pasid) {
        DomainUse use = domains.get(domain);
        if (use != null) {
            return use.did;
        }
        DomainUse oldUse = old == null ? null : domains.get(old);
        boolean freesOld = pasid == NO_PASID && oldUse != null && oldUse.users == 1;
        if (freesOld) {
            domainIds.release(oldUse.did);
        }
        int did = domainIds.lowestFree();
        if (freesOld) {
            domainIds.take(oldUse.did);
        }
        return did;
    }

    private void dropUser(IommuDomain domain) {
        DomainUse use = domains.get(domain);
        if (--use.users == 0) {
            domainIds.release(use.did);
            domains.remove(domain);
        }
    }

    /**
     * paging_domain_compatible: whether this unit can walk {@code domain}'s table, as Linux decides
     * it from the domain's properties (which were fixed by the unit that allocated it). Returns true
     * for a first-stage domain; EINVAL when incompatible.
     */
    private boolean compatibleStage(IommuDomain domain) throws IommufdException {
        if (!(domain.allocatedBy() instanceof VtdInstance origin)) {
            throw new IommufdException(Errno.EINVAL);
        }
        PagingDomainSpec spec = domain.spec();
        PageTableFormat f = spec.format();
        VtdRegisters by = origin.regs;
        if (f.codec() instanceof VtdFirstStage) {
            // paging_domain_compatible_first_stage
            if (!regs.scalableMode() || !regs.flts()
                    || (!regs.smpwc() && by.smpwc()) // a table written without cache flushes
                    || (!regs.fl5lp() && f.vaBits() > 48)
                    || (!regs.fl1gp() && (spec.pageSizeBitmap() & SZ_1G) != 0)
                    || (regs.rwbfRequired() && !by.rwbfRequired())) {
                throw new IommufdException(Errno.EINVAL);
            }
            return true;
        }
        if (!(f.codec() instanceof VtdSecondStage)) {
            throw new IommufdException(Errno.EINVAL);
        }
        // paging_domain_compatible_second_stage
        int aw = f.levelCount() - 2;
        int flags = domain.allocFlags();
        int sllps = regs.sllps();
        if (((flags & UapiConstants.IOMMU_HWPT_ALLOC_DIRTY_TRACKING) != 0 && !regs.ssadsSupported())
                || ((flags & UapiConstants.IOMMU_HWPT_ALLOC_NEST_PARENT) != 0 && !regs.nestedSupported())
                || (regs.scalableMode() && !regs.slts())
                || (!regs.pagingStructureCoherency() && by.pagingStructureCoherency())
                || regs.mgaw() < f.vaBits()
                || (regs.sagaw() & (1 << aw)) == 0
                || ((sllps & 1) == 0 && (spec.pageSizeBitmap() & SZ_2M) != 0)
                || ((sllps & 2) == 0 && (spec.pageSizeBitmap() & SZ_1G) != 0)
                || ((regs.rwbfRequired() || regs.cachingMode()) && !(by.rwbfRequired() || by.cachingMode()))
                || ((spec.features() & PageTableFeatures.FORCE_COHERENCE) != 0 && !regs.snoopControl())) {
            throw new IommufdException(Errno.EINVAL);
        }
        return false;
    }

    /**
     * What intel_iommu_probe_device sets up for a device in scalable mode: the PASID directory
     * (intel_pasid_alloc_table) and the scalable-mode context entry pointing at it
     * (pasid.c context_entry_set_pasid_table). Legacy mode keeps nothing per device until an attach.
     */
    private DeviceTables probe(IommuDevice device, StructureWrites w) throws IommufdException {
        DeviceTables dev = new DeviceTables();
        if (!regs.scalableMode()) {
            return dev;
        }
        int pasidBits = regs.pasidSupported() ? device.pasidBits() : 0;
        dev.directoryOrder = PasidEntry.directoryOrder(pasidBits);
        long table = contextTable(device.rid(), w);
        dev.pasidDirectory = w.allocate(dev.directoryOrder);
        long lo = dev.pasidDirectory | ((long) PasidEntry.pdts(dev.directoryOrder) << ContextEntry.PDTS_SHIFT);
        // All simulated PCI devices are ATS-capable endpoints: ATS is usable iff ECAP.DT
        boolean ats = regs.deviceTlb();
        if (ats) {
            lo |= ContextEntry.DTE;
        }
        if (pasidBits > 0) {
            lo |= ContextEntry.PASIDE;
        }
        if (priEnabled(device)) {
            lo |= ContextEntry.PRE;
        }
        lo |= ContextEntry.PRESENT; // FPD clear: context_set_fault_enable
        long entry = ContextEntry.address(table, device.rid() & 0xff, true);
        w.write(entry + 8, PasidEntry.RID_PASID); // context_set_sm_rid2pasid(IOMMU_NO_PASID)
        w.write(entry + 16, 0);
        w.write(entry + 24, 0);
        w.write(entry, lo);
        return dev;
    }

    /** iommu_context_addr(..., alloc = 1): the context table of the device's bus (half), made if absent. */
    private long contextTable(int rid, StructureWrites w) throws IommufdException {
        long word = RootEntry.wordFor(rootTable, rid >>> 8, rid & 0xff, regs.scalableMode());
        long root = memory.readLong(word);
        if ((root & RootEntry.PRESENT) != 0) {
            return root & RootEntry.CTP;
        }
        long table = w.allocate(0);
        w.write(word, table | RootEntry.PRESENT);
        return table;
    }

    private long legacyContextEntry(int rid, StructureWrites w) throws IommufdException {
        return ContextEntry.address(contextTable(rid, w), rid & 0xff, false);
    }

    /** pasid.c intel_pasid_get_entry: the PASID table is allocated on first use of its directory slot. */
    private long pasidEntry(DeviceTables dev, int pasid, StructureWrites w) throws IommufdException {
        long dirEntry = dev.pasidDirectory + ((long) (pasid >>> PasidEntry.PDE_SHIFT) << 3);
        long pde = memory.readLong(dirEntry);
        long table;
        if ((pde & PasidEntry.PRESENT) != 0) {
            table = pde & PasidEntry.ADDRESS;
        } else {
            table = w.allocate(0);
            w.write(dirEntry, table | PasidEntry.PRESENT);
        }
        return table + (long) (pasid & PasidEntry.TABLE_INDEX_MASK) * PasidEntry.SIZE;
    }

    /** pasid.c pasid_pte_config_first_level, with domain_setup_first_level's flags. */
    private long[] firstStageEntry(IommuDomain domain, int did) {
        VtdRegisters by = ((VtdInstance) domain.allocatedBy()).regs;
        long[] e = new long[PasidEntry.WORDS];
        e[2] = domain.rootPa() & PasidEntry.ADDRESS;
        if (domain.spec().format().levelCount() == 5) {
            e[2] |= 1L << PasidEntry.FLPM_SHIFT; // PASID_FLAG_FL5LP
        }
        if (by.snoopControl()) {
            e[1] |= PasidEntry.PGSNP; // force_snooping (intel_iommu_enforce_cache_coherency_fs)
        }
        e[1] |= did;
        e[0] |= (long) regs.agaw() << PasidEntry.AW_SHIFT; // iommu->agaw
        if (by.smpwc()) {
            e[1] |= PasidEntry.PWSNP; // no PT_FEAT_DMA_INCOHERENT
        }
        e[0] |= ((long) PasidEntry.PGTT_FL_ONLY << PasidEntry.PGTT_SHIFT) | PasidEntry.PRESENT;
        return e;
    }

    /**
     * pasid.c intel_pasid_setup_second_level / pasid_pte_config_second_level: SSADE when the domain's
     * dirty tracking is on (domain->dirty_tracking).
     */
    private long[] secondStageEntry(IommuDomain domain, int did) {
        VtdRegisters by = ((VtdInstance) domain.allocatedBy()).regs;
        long[] e = new long[PasidEntry.WORDS];
        e[1] = did;
        e[0] = domain.rootPa() & PasidEntry.ADDRESS;
        e[0] |= (long) (domain.spec().format().levelCount() - 2) << PasidEntry.AW_SHIFT; // vtdss hw_info aw
        e[0] |= (long) PasidEntry.PGTT_SL_ONLY << PasidEntry.PGTT_SHIFT;
        if (by.pagingStructureCoherency()) {
            e[1] |= PasidEntry.PWSNP;
        }
        if (domain.dirtyTracking()) {
            e[0] |= PasidEntry.SSADE;
        }
        e[0] |= PasidEntry.PRESENT;
        return e;
    }

    /**
     * Writes a PASID entry: a present entry is first torn down (P cleared, entry zeroed:
     * intel_pasid_tear_down_entry), then every word but the first, then the first with P
     * (pasid_set_present after dma_wmb).
     */
    private void writePasidEntry(long entry, long[] words, StructureWrites w) {
        if ((memory.readLong(entry) & PasidEntry.PRESENT) != 0) {
            w.write(entry, 0);
        }
        for (int i = 1; i < PasidEntry.WORDS; i++) {
            w.write(entry + 8L * i, words[i]);
        }
        w.write(entry, words[0]);
    }

    /** iommu.c domain_context_mapping_one (legacy mode; second-stage domains only). */
    private void writeLegacyContextEntry(long entry, IommuDomain domain, int did, StructureWrites w) {
        if ((memory.readLong(entry) & ContextEntry.PRESENT) != 0) {
            w.write(entry, 0); // domain_context_clear_one: the RID is blocked first
        }
        int translation = regs.deviceTlb() ? ContextEntry.TT_DEV_IOTLB : ContextEntry.TT_MULTI_LEVEL;
        long hi = (domain.spec().format().levelCount() - 2) | ((long) did << ContextEntry.DID_SHIFT);
        long lo = (domain.rootPa() & ContextEntry.ADDRESS) | ((long) translation << ContextEntry.TT_SHIFT)
                | ContextEntry.PRESENT;
        w.write(entry + 8, hi);
        w.write(entry, lo);
    }

    // ---- block ----------------------------------------------------------------------------------

    /**
     * The blocking domain: the PASID entry (the RID's is RID_PASID's) is torn down, or in legacy mode
     * the context entry cleared (device_block_translation, blocking_domain_set_dev_pasid). A device
     * the core blocks for the first time gets its context entry and PASID directory (probe); if that
     * allocation fails the device stays without them, which blocks its DMA all the same.
     */
    @Override
    public void block(IommuDevice device, int pasid) {
        DeviceTables dev = devices.get(device.rid());
        if (dev == null) {
            StructureWrites w = new StructureWrites(memory, pages);
            try {
                dev = probe(device, w);
            } catch (IommufdException e) {
                w.undo();
                return;
            }
            devices.put(device.rid(), dev);
        }
        if (regs.scalableMode()) {
            long entry = existingPasidEntry(dev, pasid == NO_PASID ? PasidEntry.RID_PASID : pasid);
            if (entry >= 0) {
                memory.writeLong(entry, memory.readLong(entry) & ~PasidEntry.PRESENT);
                for (int i = 0; i < PasidEntry.WORDS; i++) { // pasid_clear_entry
                    memory.writeLong(entry + 8L * i, 0);
                }
            }
        } else {
            long word = RootEntry.wordFor(rootTable, device.rid() >>> 8, device.rid() & 0xff, false);
            long root = memory.readLong(word);
            if ((root & RootEntry.PRESENT) != 0) {
                long entry = ContextEntry.address(root & RootEntry.CTP, device.rid() & 0xff, false);
                memory.writeLong(entry, 0);
                memory.writeLong(entry + 8, 0);
            }
        }
        IommuDomain old = dev.attached.remove(pasid);
        if (old != null) {
            dropUser(old);
        }
    }

    // ---- dirty tracking -------------------------------------------------------------------------

    /**
     * iommu.c intel_iommu_set_dirty_tracking → domain_set_dirty_tracking → pasid.c
     * intel_pasid_setup_dirty_tracking for the RID and every PASID of this unit attached to
     * {@code domain}: SSADE set or cleared in each PASID-table entry. An entry whose PGTT is neither
     * second-stage nor nested is EOPNOTSUPP; Linux then restores the entries it already changed
     * (err_unwind), so here every entry is checked before any is written: all or nothing.
     */
    @Override
    public void setDirtyTracking(IommuDomain domain, boolean enable) throws IommufdException {
        if (!regs.scalableMode()) {
            throw new IommufdException(Errno.EOPNOTSUPP); // no PASID entry, no SSADE (ssads_supported)
        }
        long[] entries = new long[4];
        int count = 0;
        for (DeviceTables dev : devices.values()) {
            for (Map.Entry<Integer, IommuDomain> a : dev.attached.entrySet()) {
                if (a.getValue() != domain) {
                    continue;
                }
                int pasid = a.getKey() == NO_PASID ? PasidEntry.RID_PASID : a.getKey();
                long entry = existingPasidEntry(dev, pasid);
                if (entry < 0) {
                    throw new IommufdException(Errno.ENODEV); // intel_pasid_get_entry found none
                }
                int pgtt = (int) ((memory.readLong(entry) & PasidEntry.PGTT) >>> PasidEntry.PGTT_SHIFT);
                if (pgtt != PasidEntry.PGTT_SL_ONLY && pgtt != PasidEntry.PGTT_NESTED) {
                    throw new IommufdException(Errno.EOPNOTSUPP);
                }
                if (count == entries.length) {
                    entries = Arrays.copyOf(entries, count * 2);
                }
                entries[count++] = entry;
            }
        }
        for (int i = 0; i < count; i++) {
            long w0 = memory.readLong(entries[i]);
            long next = enable ? w0 | PasidEntry.SSADE : w0 & ~PasidEntry.SSADE;
            if (next != w0) { // pasid_get_ssade(pte) == enabled: nothing to do
                memory.writeLong(entries[i], next);
            }
        }
    }

    /** The address of the PASID-table entry of {@code pasid}, or -1 when its table does not exist. */
    private long existingPasidEntry(DeviceTables dev, int pasid) {
        if (dev.pasidDirectory == 0 || (pasid >>> PasidEntry.PDE_SHIFT) >= (512 << dev.directoryOrder)) {
            return -1;
        }
        long pde = memory.readLong(dev.pasidDirectory + ((long) (pasid >>> PasidEntry.PDE_SHIFT) << 3));
        if ((pde & PasidEntry.PRESENT) == 0) {
            return -1;
        }
        return (pde & PasidEntry.ADDRESS) + (long) (pasid & PasidEntry.TABLE_INDEX_MASK) * PasidEntry.SIZE;
    }

    // ---- hardware read-back ---------------------------------------------------------------------

    @Override
    public TranslationConfig readTranslation(IommuDevice device, int pasid) {
        return VtdTranslationReader.read(this, device.rid(), pasid);
    }

    PhysicalMemory memory() {
        return memory;
    }

    long rootTable() {
        return rootTable;
    }

    PageTableFormat secondStageFormat(int levels) {
        return levels >= 3 && levels <= 5 ? secondStage[levels] : null;
    }

    PageTableFormat firstStageFormat(int levels) {
        return levels >= 4 && levels <= 5 ? firstStage[levels] : null;
    }

    // ---- teardown -------------------------------------------------------------------------------

    /**
     * Frees every structure page: each device's PASID tables (found through its directory entries, as
     * intel_pasid_free_table does) and directory, every context table (found through the root entries,
     * as free_context_table does), and the root table.
     */
    @Override
    public void release() {
        for (DeviceTables dev : devices.values()) {
            if (dev.pasidDirectory == 0) {
                continue;
            }
            int entries = 512 << dev.directoryOrder;
            for (int i = 0; i < entries; i++) {
                long pde = memory.readLong(dev.pasidDirectory + 8L * i);
                if ((pde & PasidEntry.PRESENT) != 0) {
                    pages.freeTablePage(pde & PasidEntry.ADDRESS);
                }
            }
            pages.freeTablePages(dev.pasidDirectory, dev.directoryOrder);
        }
        devices.clear();
        for (int bus = 0; bus < 256; bus++) {
            for (int half = 0; half < (regs.scalableMode() ? 2 : 1); half++) {
                long root = memory.readLong(rootTable + (long) bus * RootEntry.SIZE + 8L * half);
                if ((root & RootEntry.PRESENT) != 0) {
                    pages.freeTablePage(root & RootEntry.CTP);
                }
            }
        }
        pages.freeTablePage(rootTable);
        domains.clear();
    }

    @Override
    public String toString() {
        return "VtdInstance[" + name + ", " + regs + "]";
    }
}
