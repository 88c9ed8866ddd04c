package io.iommufdsim.core.device;

import io.iommufdsim.api.Errno;
import io.iommufdsim.api.IommufdException;
import io.iommufdsim.api.IovaRange;
import io.iommufdsim.api.uapi.UapiConstants;
import io.iommufdsim.spi.DirtyBits;
import io.iommufdsim.spi.HwInfo;
import io.iommufdsim.spi.IommuCapabilities;
import io.iommufdsim.spi.IommuConfig;
import io.iommufdsim.spi.IommuDevice;
import io.iommufdsim.spi.IommuDomain;
import io.iommufdsim.spi.IommuDriver;
import io.iommufdsim.spi.IommuInstance;
import io.iommufdsim.spi.IommuPlatform;
import io.iommufdsim.spi.IommuProt;
import io.iommufdsim.spi.PageTableFeatures;
import io.iommufdsim.spi.PageTableFormat;
import io.iommufdsim.spi.PageTableLevel;
import io.iommufdsim.spi.PagingDomainSpec;
import io.iommufdsim.spi.PhysicalMemory;
import io.iommufdsim.spi.PteCodec;
import io.iommufdsim.spi.TranslationConfig;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A small IOMMU driver for the core's tests, shaped like VT-d second stage (4 levels, 48-bit IOVA, R/W
 * bits, PS at levels 1 and 2, 4K/2M/1G pages, A bit 8 and D bit 9) with a one-page device table in
 * physical memory: entry of devfn {@code d} (32 bytes at root + 32·d): q0 = page-table root | 1 |
 * (2 when A/D updates are on, like SSADE), q1 = domain tag, q2 = PASID table (a page of 16-byte entries
 * for PASIDs 1..255: q0 = root | 1 | SSADE, q1 = tag). Config keys: the common ones (levels 3 or 4,
 * pasid, page_sizes, dirty_tracking — on unless false) and {@code max_domains}. Reserved region
 * 0xfee00000-0xfeefffff, as VT-d.
 */
final class TestIommuDriver implements IommuDriver {
    static final long MSI_START = 0xfee00000L;
    static final long MSI_LAST = 0xfeefffffL;
    static final int HW_INFO_TYPE = UapiConstants.IOMMU_HW_INFO_TYPE_INTEL_VTD;

    private final String name;

    TestIommuDriver(String name) {
        this.name = name;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public IommuInstance createInstance(String instanceName, IommuConfig config, IommuPlatform platform)
            throws IommufdException {
        config.requireDriverKeys(Set.of("max_domains"));
        int levels = config.levels() == 0 ? 4 : config.levels();
        if (levels != 3 && levels != 4) {
            throw new IommufdException(Errno.EINVAL);
        }
        long sizes = config.pageSizes() == 0 ? (1L << 12) | (1L << 21) | (1L << 30) : config.pageSizes();
        if ((sizes & ~((1L << 12) | (1L << 21) | (1L << 30))) != 0 || (sizes & (1L << 12)) == 0) {
            throw new IommufdException(Errno.EINVAL);
        }
        boolean pasid = config.pasid() == null || config.pasid();
        int maxDomains = (int) config.driverNumber("max_domains", 256);
        boolean dirty = config.dirtyTracking() == null || config.dirtyTracking();
        Instance instance = new Instance(instanceName, platform, format(levels), sizes, pasid, maxDomains, dirty);
        instance.nesting = Boolean.TRUE.equals(config.nesting());
        return instance;
    }

    static final long R = 1;
    static final long W = 2;
    static final long PS = 1L << 7;
    static final long A = 1L << 8;
    static final long D = 1L << 9;
    /** The device/PASID entry bit that turns A/D updates on (VT-d SSADE's role). */
    static final long SSADE = 2;
    static final long OA = 0x000f_ffff_ffff_f000L;

    static PageTableFormat format(int levels) {
        PteCodec codec = (prot, features) -> {
            if ((prot & (IommuProt.READ | IommuProt.WRITE)) == 0) {
                throw new IommufdException(Errno.EINVAL);
            }
            return ((prot & IommuProt.READ) != 0 ? R : 0) | ((prot & IommuProt.WRITE) != 0 ? W : 0);
        };
        java.util.ArrayList<PageTableLevel> list = new java.util.ArrayList<>();
        list.add(PageTableLevel.builder(12, 9).pageSizes(1L << 12).present(R | W, 0)
                .kinds(0, 0, PageTableLevel.KIND_LEAF).leaf(OA, 0).leafPermissions(R, R, W, W).build());
        for (int l = 1; l < levels; l++) {
            int shift = 12 + 9 * l;
            PageTableLevel.Builder b = PageTableLevel.builder(shift, 9).present(R | W, 0).table(OA, R | W)
                    .tablePermissions(R, R, W, W);
            if (l <= 2) {
                b.pageSizes(1L << shift).kinds(7, 1, PageTableLevel.KIND_TABLE, PageTableLevel.KIND_LEAF)
                        .leaf(OA & -(1L << shift), PS).leafPermissions(R, R, W, W);
            } else {
                b.kinds(7, 1, PageTableLevel.KIND_TABLE, PageTableLevel.KIND_INVALID);
            }
            list.add(b.build());
        }
        int va = 12 + 9 * levels;
        return new PageTableFormat("test-" + levels, list, va, false, 52, codec, new DirtyBits(D, D, D, 0, 0, D, A));
    }

    static final class Instance implements IommuInstance {
        private final String name;
        private final IommuPlatform platform;
        private final PhysicalMemory mem;
        private final PageTableFormat format;
        private final long pageSizes;
        private final boolean pasid;
        private final int maxDomains;
        private final boolean dirty;
        private final long root;
        private final Map<IommuDomain, int[]> tags = new IdentityHashMap<>(); // domain → {tag, users}
        private final boolean[] tagUsed;
        int attachCalls;
        int failNextAttach; // test hook: an errno ordinal + 1 for the next attach
        int failNextSetDirty; // test hook: an errno ordinal + 1 for the next setDirtyTracking
        int setDirtyCalls;
        boolean released;
        /** NEST_PARENT domains are allocated (config {@code nesting: true}). */
        boolean nesting;
        /** Test hooks: run once, at the start of the next capabilities() / attach() call. */
        Runnable onNextCapabilities;
        Runnable onNextAttach;

        Instance(String name, IommuPlatform platform, PageTableFormat format, long pageSizes, boolean pasid,
                int maxDomains, boolean dirty) throws IommufdException {
            this.dirty = dirty;
            this.name = name;
            this.platform = platform;
            this.mem = platform.memory();
            this.format = format;
            this.pageSizes = pageSizes;
            this.pasid = pasid;
            this.maxDomains = maxDomains;
            this.tagUsed = new boolean[maxDomains];
            this.root = platform.tablePages().allocateTablePage();
        }

        @Override
        public String name() {
            return name;
        }

        @Override
        public IommuCapabilities capabilities() {
            if (onNextCapabilities != null) {
                Runnable hook = onNextCapabilities;
                onNextCapabilities = null;
                hook.run();
            }
            return new IommuCapabilities(dirty, nesting, pasid ? 8 : 0, pasid ? 8 : 0, true);
        }

        @Override
        public HwInfo hwInfo(IommuDevice device, int requestedType) throws IommufdException {
            if (requestedType != 0 && requestedType != HW_INFO_TYPE) {
                throw new IommufdException(Errno.EOPNOTSUPP);
            }
            byte[] b = new byte[24];
            b[0] = 1;
            b[8] = 0x42;
            b[16] = 0x24;
            return new HwInfo(HW_INFO_TYPE, b);
        }

        @Override
        public PagingDomainSpec allocatePagingDomain(IommuDevice device, int flags) throws IommufdException {
            if (((flags & UapiConstants.IOMMU_HWPT_ALLOC_NEST_PARENT) != 0 && !nesting)
                    || ((flags & UapiConstants.IOMMU_HWPT_ALLOC_PASID) != 0 && !pasid)) {
                throw new IommufdException(Errno.EOPNOTSUPP);
            }
            if ((flags & UapiConstants.IOMMU_HWPT_ALLOC_DIRTY_TRACKING) != 0 && !dirty) {
                throw new IommufdException(Errno.EOPNOTSUPP);
            }
            int features = (flags & UapiConstants.IOMMU_HWPT_ALLOC_DIRTY_TRACKING) != 0
                    ? PageTableFeatures.DIRTY_TRACKING : 0;
            return new PagingDomainSpec(format, pageSizes, 0, format.apertureLast(), features);
        }

        @Override
        public List<IovaRange> reservedRegions(IommuDevice device) {
            return List.of(new IovaRange(MSI_START, MSI_LAST));
        }

        @Override
        public void attach(IommuDevice device, int pasidValue, IommuDomain domain) throws IommufdException {
            attachCalls++;
            if (onNextAttach != null) {
                Runnable hook = onNextAttach;
                onNextAttach = null;
                hook.run();
            }
            if (failNextAttach != 0) {
                Errno e = Errno.values()[failNextAttach - 1];
                failNextAttach = 0;
                throw new IommufdException(e);
            }
            if (domain.spec().format().levelCount() != format.levelCount()) {
                throw new IommufdException(Errno.EINVAL); // cannot walk another depth
            }
            if (pasidValue != NO_PASID && (!pasid || pasidValue > 255)) {
                throw new IommufdException(pasid ? Errno.EINVAL : Errno.EOPNOTSUPP);
            }
            long slot = entry(device, pasidValue, true);
            int[] t = tags.get(domain);
            if (t == null) {
                int tag = -1;
                for (int i = 1; i < maxDomains; i++) {
                    if (!tagUsed[i]) {
                        tag = i;
                        break;
                    }
                }
                if (tag < 0) {
                    throw new IommufdException(Errno.ENOSPC);
                }
                tagUsed[tag] = true;
                t = new int[] {tag, 0};
                tags.put(domain, t);
            }
            IommuDomain old = domainAt(slot);
            t[1]++;
            mem.writeLong(slot + 8, t[0]);
            mem.writeLong(slot, domain.rootPa() | 1 | (domain.dirtyTracking() ? SSADE : 0));
            if (old != null) {
                put(old);
            }
        }

        @Override
        public void block(IommuDevice device, int pasidValue) {
            long slot = entry(device, pasidValue, false);
            if (slot < 0) {
                return;
            }
            IommuDomain old = domainAt(slot);
            mem.writeLong(slot, 0);
            mem.writeLong(slot + 8, 0);
            if (old != null) {
                put(old);
            }
        }

        private void put(IommuDomain d) {
            int[] t = tags.get(d);
            if (--t[1] == 0) {
                tags.remove(d);
                tagUsed[t[0]] = false;
            }
        }

        private IommuDomain domainAt(long slot) {
            long q0 = mem.readLong(slot);
            if ((q0 & 1) == 0) {
                return null;
            }
            int tag = (int) mem.readLong(slot + 8);
            for (Map.Entry<IommuDomain, int[]> e : tags.entrySet()) {
                if (e.getValue()[0] == tag) {
                    return e.getKey();
                }
            }
            return null;
        }

        /** The 16-byte entry of (device, pasid); allocates the PASID table when asked to. */
        private long entry(IommuDevice device, int pasidValue, boolean allocate) {
            long dev = root + 32L * (device.rid() & 0x7f);
            if (pasidValue == NO_PASID) {
                return dev;
            }
            long table = mem.readLong(dev + 16);
            if (table == 0) {
                if (!allocate) {
                    return -1;
                }
                try {
                    table = platform.tablePages().allocateTablePage();
                } catch (IommufdException e) {
                    throw new IllegalStateException(e);
                }
                mem.writeLong(dev + 16, table);
            }
            return table + 16L * pasidValue;
        }

        @Override
        public int domainTag(IommuDomain domain) {
            int[] t = tags.get(domain);
            return t == null ? -1 : t[0];
        }

        @Override
        public TranslationConfig readTranslation(IommuDevice device, int pasidValue) {
            long dev = root + 32L * (device.rid() & 0x7f);
            long slot = dev;
            if (pasidValue != NO_PASID) {
                long table = mem.readLong(dev + 16);
                if (table == 0) {
                    return TranslationConfig.blocked();
                }
                slot = table + 16L * pasidValue;
            }
            long q0 = mem.readLong(slot);
            if ((q0 & 1) == 0) {
                return TranslationConfig.blocked();
            }
            return TranslationConfig.translate(format, q0 & ~0xfffL, (int) mem.readLong(slot + 8), (q0 & SSADE) != 0);
        }

        /** SSADE on or off in every RID and PASID entry whose tag is the domain's. */
        @Override
        public void setDirtyTracking(IommuDomain domain, boolean enable) throws IommufdException {
            setDirtyCalls++;
            if (failNextSetDirty != 0) {
                Errno e = Errno.values()[failNextSetDirty - 1];
                failNextSetDirty = 0;
                throw new IommufdException(e);
            }
            int tag = domainTag(domain);
            for (int d = 0; d < 128; d++) {
                long dev = root + 32L * d;
                setSsade(dev, tag, enable);
                long table = mem.readLong(dev + 16);
                if (table != 0) {
                    for (int p = 1; p < 256; p++) {
                        setSsade(table + 16L * p, tag, enable);
                    }
                }
            }
        }

        private void setSsade(long slot, int tag, boolean enable) {
            long q0 = mem.readLong(slot);
            if ((q0 & 1) != 0 && (int) mem.readLong(slot + 8) == tag) {
                mem.writeLong(slot, enable ? q0 | SSADE : q0 & ~SSADE);
            }
        }

        @Override
        public void release() {
            released = true;
            for (int d = 0; d < 128; d++) {
                long table = mem.readLong(root + 32L * d + 16);
                if (table != 0) {
                    platform.tablePages().freeTablePage(table);
                }
            }
            platform.tablePages().freeTablePage(root);
        }
    }
}
