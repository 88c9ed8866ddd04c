package io.iommufdsim.core.dma;

import io.iommufdsim.api.DmaFaultException;
import io.iommufdsim.api.Errno;
import io.iommufdsim.api.IommufdException;
import io.iommufdsim.core.device.IommuUnit;
import io.iommufdsim.core.device.PciDevice;
import io.iommufdsim.core.iotlb.IotlbHit;
import io.iommufdsim.core.pt.PageTableWalker;
import io.iommufdsim.core.pt.Translation;
import io.iommufdsim.spi.DirtyBits;
import io.iommufdsim.spi.IommuInstance;
import io.iommufdsim.spi.PhysicalMemory;
import io.iommufdsim.spi.TranslationConfig;

/**
 * DMA of one device through its IOMMU unit, as the hardware does it: the (RID, PASID)'s translation
 * config from the context cache (read from the unit's structures on a miss), an IOTLB lookup under
 * the config's domain tag, a table walk on a miss (filling the IOTLB), the permission check, then the
 * memory access, page by page. A DMA without translation faults with the scenario format's reason
 * ("blocked", "abort", "not-present", "permission", "address-size", "reserved-bit"). When the
 * structure enables A/D updates ({@link TranslationConfig#dirtyTracking()}) a permitted walk sets the
 * access bits of the entries it read and a write makes the leaf dirty, in memory, as the hardware does.
 *
 * <p>Per access nothing is allocated on the RID path once the context is cached: the walk result and
 * the IOTLB answer are reused objects. One DMA at a time per device (this object's monitor); the
 * IOTLB lock is taken inside it and nothing is called back.
 */
public final class DmaEngine {
    /** The PASID key of DMA without PASID (kernel IOMMU_NO_PASID). */
    public static final int RID = 0;

    private final PciDevice device;
    private final PhysicalMemory memory;
    private final Translation walk = new Translation();
    private final IotlbHit hit = new IotlbHit();
    private final ContextCache contexts = new ContextCache();
    private long hits;
    private long misses;
    // the result of translate(), so that it returns nothing boxed
    private long pa;
    private int pageSizeLg2;

    public DmaEngine(PciDevice device, PhysicalMemory memory) {
        this.device = device;
        this.memory = memory;
    }

    public synchronized long hits() {
        return hits;
    }

    public synchronized long misses() {
        return misses;
    }

    /** A DMA read of {@code length} bytes at {@code iova}; {@code pasid} -1 or 0 is the RID. */
    public synchronized byte[] read(long pasid, long iova, int length) throws IommufdException {
        int key = pasidKey(pasid);
        checkRange(iova, length);
        byte[] out = new byte[length];
        access(key, iova, out, false);
        return out;
    }

    /** A DMA write of {@code data} at {@code iova}; {@code pasid} -1 or 0 is the RID. */
    public synchronized void write(long pasid, long iova, byte[] data) throws IommufdException {
        int key = pasidKey(pasid);
        checkRange(iova, data.length);
        access(key, iova, data, true);
    }

    /**
     * Forgets the cached translation config of (this device, {@code pasidKey}) — the context/PASID
     * cache invalidation that follows every attach, replace and detach.
     */
    public synchronized void invalidateContext(int pasidKey) {
        contexts.remove(pasidKey);
    }

    /** Forgets every cached config of this device. */
    public synchronized void invalidateAllContexts() {
        contexts.clear();
    }

    private int pasidKey(long pasid) throws IommufdException {
        if (pasid == -1 || pasid == 0) {
            return RID;
        }
        // A device issues only PASIDs its PASID capability allows.
        if (pasid < 0 || pasid >= (1L << device.pasidBits())) {
            throw new IommufdException(Errno.EINVAL);
        }
        return (int) pasid;
    }

    private static void checkRange(long iova, int length) throws IommufdException {
        if (length <= 0 || Long.compareUnsigned(iova + (length - 1), iova) < 0) {
            throw new IommufdException(Errno.EINVAL);
        }
    }

    private void access(int key, long iova, byte[] buffer, boolean write) throws IommufdException {
        int done = 0;
        while (done < buffer.length) {
            long cur = iova + done;
            translate(key, cur, write);
            long inPage = (1L << pageSizeLg2) - (cur & ((1L << pageSizeLg2) - 1));
            int n = (int) Math.min(buffer.length - done, inPage);
            if (write) {
                memory.write(pa, buffer, done, n);
            } else {
                memory.read(pa, buffer, done, n);
            }
            done += n;
        }
    }

    /** Sets {@link #pa} and {@link #pageSizeLg2} for the byte at {@code iova}, or throws the DMA fault. */
    private void translate(int key, long iova, boolean write) throws DmaFaultException {
        Context ctx = contexts.get(key);
        if (ctx == null) {
            ctx = loadContext(key);
        }
        switch (ctx.config.kind()) {
            case TRANSLATE -> {
            }
            case BLOCKED -> throw new DmaFaultException(iova, "blocked");
            case ABORT -> throw new DmaFaultException(iova, "abort");
            default -> throw new DmaFaultException(iova, ctx.config.faultReason());
        }
        IommuUnit unit = device.unit();
        int tag = ctx.config.domainTag();
        DirtyBits dirty = ctx.dirty;
        boolean readable;
        boolean writable;
        if (unit.iotlb().lookup(tag, key, iova, hit)
                // VT-d 3.0 §3.6.2: a write through a cached translation whose leaf was not yet dirty
                // re-walks the table to set D atomically in memory
                && !(write && dirty != null && hit.writable() && !hit.dirty())) {
            hits++;
            pa = hit.physicalAddress();
            pageSizeLg2 = hit.pageSizeLg2();
            readable = hit.readable();
            writable = hit.writable();
        } else {
            misses++;
            if (!ctx.walker.walk(ctx.config.rootPa(), iova, walk)) {
                throw new DmaFaultException(iova, walk.fault().reason());
            }
            pa = walk.physicalAddress();
            pageSizeLg2 = walk.pageSizeLg2();
            readable = walk.readable();
            writable = walk.writable();
            boolean leafDirty = false;
            if (dirty != null && (write ? writable : readable)) {
                leafDirty = updateAccessDirty(dirty, write);
            }
            long pageMask = (1L << pageSizeLg2) - 1;
            unit.iotlb().fill(tag, key, iova, pageSizeLg2, pa & ~pageMask, readable, writable, leafDirty);
        }
        if (write ? !writable : !readable) {
            throw new DmaFaultException(iova, "permission");
        }
    }

    /**
     * The hardware's A/D update after a permitted walk with dirty tracking on (VT-d SSADE): the access
     * bits in every entry walked, and for a write the dirty state of the leaf, each with a
     * compare-and-set on the entry in memory. An entry that software changed since the walk read it
     * (beyond its A/D bits) is left alone: the DMA used the translation it read. Returns whether the
     * leaf is write-dirty now.
     */
    private boolean updateAccessDirty(DirtyBits dirty, boolean write) {
        long adBits = dirty.dirtyMask() | dirty.cleanClear() | dirty.cleanSet() | dirty.writeClear()
                | dirty.writeSet() | dirty.accessSet();
        int n = walk.walkedEntryCount();
        long leaf = walk.walkedEntryValue(n - 1);
        for (int i = 0; i < n; i++) {
            boolean isLeaf = i == n - 1;
            long slot = walk.walkedEntryPa(i);
            long seen = walk.walkedEntryValue(i);
            long cur = seen;
            while (true) {
                long want = isLeaf && write ? dirty.afterWrite(cur) : cur | dirty.accessSet();
                if (want == cur || memory.compareAndSetLong(slot, cur, want)) {
                    if (isLeaf) {
                        leaf = want;
                    }
                    break;
                }
                cur = memory.readLong(slot);
                if (((cur ^ seen) & ~adBits) != 0) {
                    if (isLeaf) {
                        return false;
                    }
                    break;
                }
            }
        }
        return dirty.isDirty(leaf);
    }

    private Context loadContext(int key) {
        IommuUnit unit = device.unit();
        TranslationConfig config = unit.instance().readTranslation(device,
                key == RID ? IommuInstance.NO_PASID : key);
        PageTableWalker walker = config.kind() == TranslationConfig.Kind.TRANSLATE ? unit.walker(config.format()) : null;
        DirtyBits dirty = config.dirtyTracking() ? config.format().dirtyBits().orElseThrow() : null;
        Context ctx = new Context(config, walker, dirty);
        contexts.put(key, ctx);
        return ctx;
    }

    /**
     * A cached translation config with the walker of its format, and the format's dirty bits when the
     * structure enables hardware A/D updates (null otherwise).
     */
    static final class Context {
        final TranslationConfig config;
        final PageTableWalker walker;
        final DirtyBits dirty;

        Context(TranslationConfig config, PageTableWalker walker, DirtyBits dirty) {
            this.config = config;
            this.walker = walker;
            this.dirty = dirty;
        }
    }
}
