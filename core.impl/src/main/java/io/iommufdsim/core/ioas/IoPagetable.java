package io.iommufdsim.core.ioas;

import io.iommufdsim.api.Errno;
import io.iommufdsim.api.IommufdException;
import io.iommufdsim.api.IovaRange;
import io.iommufdsim.core.iommufd.AccountMode;
import io.iommufdsim.core.mem.ProcessImpl;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The IOVA space of one IOAS (io_pagetable.c: struct io_pagetable): its areas, reserved and allowed
 * ranges, iova_alignment, the huge-pages switch, the domains kept identical to the areas, and the
 * accesses attached to it.
 *
 * <p>Locking: this object's monitor stands for the kernel's domains_rwsem and iova_rwsem together.
 * Order: context object table → io_pagetable (this) → {@link IoptPages} → FramePins / accounting
 * counters. Access unmap callbacks are called with no io_pagetable lock held, as the kernel does.
 */
public final class IoPagetable {
    /** iopt_unmap_iova_range: give up after this many fruitless rounds of access unmap callbacks. */
    static final int UNMAP_ACCESS_TRIES = 100;

    private final AreaTree areas = new AreaTree();
    private final ReservedRanges reserved = new ReservedRanges();
    private final AllowedRanges allowed = new AllowedRanges();
    private final IovaAllocator allocator = new IovaAllocator(areas, reserved, allowed);
    private final List<IoptDomain> domains = new ArrayList<>();
    private final List<IoptAccess> accesses = new ArrayList<>();
    /** iopt_init_table: a software table with no alignment restriction. */
    private long iovaAlignment = 1;
    private boolean disableLargePages;

    // ---- queries -------------------------------------------------------------------------------

    public synchronized long iovaAlignment() {
        return iovaAlignment;
    }

    /** IOMMU_OPTION_HUGE_PAGES GET: true unless disabled. */
    public synchronized boolean largePagesEnabled() {
        return !disableLargePages;
    }

    public synchronized int areaCount() {
        return areas.size();
    }

    /** The complete areas, ascending. */
    public synchronized List<Area> areas() {
        List<Area> out = new ArrayList<>(areas.size());
        for (Area a : areas.all()) {
            if (a.pages() != null) {
                out.add(a);
            }
        }
        return out;
    }

    public synchronized List<IoptDomain> domains() {
        return List.copyOf(domains);
    }

    /** IOMMU_IOAS_IOVA_RANGES: the holes of the reserved set over [0, ULONG_MAX], ascending. */
    public synchronized List<IovaRange> iovaRanges() {
        List<IovaRange> out = new ArrayList<>();
        long cur = 0;
        boolean reachedEnd = false;
        for (Map.Entry<Long, Long> span : reserved.union().spans()) {
            if (Iova.gt(span.getKey(), cur)) {
                out.add(new IovaRange(cur, span.getKey() - 1));
            }
            if (span.getValue() == Iova.ULONG_MAX) {
                reachedEnd = true;
                break;
            }
            cur = span.getValue() + 1;
        }
        if (!reachedEnd) {
            out.add(new IovaRange(cur, Iova.ULONG_MAX));
        }
        return out;
    }

    // ---- reserved and allowed ranges -------------------------------------------------------------

    /**
     * iopt_set_allow_iova: replaces the allowed list; EADDRINUSE (old list kept) if a new range
     * intersects a reserved range.
     */
    public synchronized void setAllowIova(SpanSet newAllowed) throws IommufdException {
        for (Map.Entry<Long, Long> span : newAllowed.spans()) {
            if (reserved.intersects(span.getKey(), span.getValue())) {
                throw new IommufdException(Errno.EADDRINUSE);
            }
        }
        allowed.replace(newAllowed);
    }

    /** iopt_reserve_iova: EADDRINUSE if [start, last] holds an area or an allowed range. */
    public synchronized void reserveIova(long start, long last, Object owner) throws IommufdException {
        if (areas.first(start, last) != null || allowed.intersects(start, last)) {
            throw new IommufdException(Errno.EADDRINUSE);
        }
        reserved.add(start, last, owner);
    }

    /** iopt_remove_reserved_iova: drops every range {@code owner} reserved. */
    public synchronized void removeReservedIova(Object owner) {
        reserved.removeOwner(owner);
    }

    // ---- map -----------------------------------------------------------------------------------

    /**
     * iopt_map_pages: creates one area per slice, back to back from the chosen IOVA, fills every domain
     * and returns the IOVA. All or nothing.
     */
    synchronized long mapPages(List<PagesSlice> slices, long length, long iova, int iommuProt, boolean allocIova)
            throws IommufdException {
        // iopt_alloc_area_pages
        if (length == 0 || (length & (iovaAlignment - 1)) != 0) {
            throw new IommufdException(Errno.EINVAL);
        }
        long dst;
        if (allocIova) {
            dst = allocator.alloc(slices.get(0).sourceAddress(), length, iovaAlignment);
        } else {
            checkIova(iova, length);
            dst = iova;
        }
        List<Area> created = new ArrayList<>(slices.size());
        long at = dst;
        for (PagesSlice slice : slices) {
            created.add(newArea(slice, at, iommuProt));
            at += slice.length();
        }
        for (Area area : created) {
            areas.insert(area);
        }
        // iopt_fill_domains_pages
        int filled = 0;
        try {
            for (; filled < created.size(); filled++) {
                fillDomains(created.get(filled));
            }
        } catch (IommufdException | RuntimeException e) {
            for (int i = 0; i < filled; i++) {
                unfillDomains(created.get(i));
            }
            for (Area area : created) {
                areas.remove(area);
            }
            throw e;
        }
        for (Area area : created) {
            area.source().get();
            area.publish();
        }
        return dst;
    }

    /** iopt_check_iova: the FIXED_IOVA rules. */
    private void checkIova(long iova, long length) throws IommufdException {
        if ((iova & (iovaAlignment - 1)) != 0) {
            throw new IommufdException(Errno.EINVAL);
        }
        if (Iova.addOverflows(iova, length - 1)) {
            throw new IommufdException(Errno.EOVERFLOW);
        }
        long last = iova + length - 1;
        if (reserved.intersects(iova, last)) {
            throw new IommufdException(Errno.EINVAL);
        }
        if (areas.first(iova, last) != null) {
            throw new IommufdException(Errno.EEXIST);
        }
    }

    /** iopt_insert_area's checks, before anything is inserted. */
    private Area newArea(PagesSlice slice, long iova, int iommuProt) throws IommufdException {
        IoptPages pages = slice.pages();
        if ((iommuProt & IoptDomain.IOMMU_WRITE) != 0 && !pages.writable()) {
            throw new IommufdException(Errno.EPERM);
        }
        if ((Iova.pageOffset(slice.startByte()) & (iovaAlignment - 1)) != 0) {
            throw new IommufdException(Errno.EINVAL);
        }
        if (Iova.addOverflows(iova, slice.length() - 1)
                || Iova.addOverflows(slice.startByte(), slice.length() - 1)) {
            throw new IommufdException(Errno.EOVERFLOW);
        }
        long lastIndex = Iova.pageIndex(slice.startByte() + slice.length() - 1);
        if (Iova.ge(lastIndex, pages.npages())) {
            throw new IommufdException(Errno.EOVERFLOW);
        }
        return new Area(iova, iova + slice.length() - 1, pages, slice.startByte(), iommuProt);
    }

    /**
     * iopt_area_fill_domains: pins the area's pages once and maps them into every domain; on failure
     * no domain keeps anything and nothing stays pinned.
     */
    private void fillDomains(Area area) throws IommufdException {
        if (domains.isEmpty()) {
            return;
        }
        IoptPages pages = area.source();
        pages.fill(area.index(), area.lastIndex());
        int mapped = 0;
        try {
            for (; mapped < domains.size(); mapped++) {
                AreaDomainMapper.map(area, domains.get(mapped), disableLargePages);
            }
        } catch (IommufdException | RuntimeException e) {
            for (int i = 0; i < mapped; i++) {
                domains.get(i).unmap(area.iova(), area.length());
            }
            pages.unfill(area.index(), area.lastIndex());
            throw e;
        }
        area.setFilled(true);
    }

    /** iopt_area_unfill_domains: unmaps the area from every domain and drops its pin hold. */
    private void unfillDomains(Area area) {
        if (!area.filled()) {
            return;
        }
        for (IoptDomain d : domains) {
            d.unmap(area.iova(), area.length());
        }
        area.source().unfill(area.index(), area.lastIndex());
        area.setFilled(false);
    }

    // ---- copy ----------------------------------------------------------------------------------

    /**
     * iopt_get_pages: the slices of the areas that cover [iova, iova + length - 1] back to back (COPY's
     * source); ENOENT for a hole or an area being created or destroyed.
     */
    synchronized List<PagesSlice> getPages(long iova, long length) throws IommufdException {
        if (length == 0) {
            throw new IommufdException(Errno.EINVAL);
        }
        if (Iova.addOverflows(iova, length - 1)) {
            throw new IommufdException(Errno.EOVERFLOW);
        }
        long last = iova + length - 1;
        List<PagesSlice> out = new ArrayList<>();
        long cur = iova;
        Area area = areas.containing(cur);
        while (true) {
            if (area == null || area.pages() == null) {
                throw new IommufdException(Errno.ENOENT);
            }
            long segLast = Iova.min(last, area.last());
            out.add(new PagesSlice(area.pages(), area.startByte(cur), segLast - cur + 1));
            if (Iova.le(last, area.last())) {
                return out;
            }
            cur = area.last() + 1;
            area = areas.containing(cur);
            if (area != null && area.iova() != cur) {
                area = null;
            }
        }
    }

    // ---- dirty tracking --------------------------------------------------------------------------

    /** One IOVA run [iova, last] (inclusive) of an area. */
    @FunctionalInterface
    public interface AreaRun {
        void visit(long iova, long last);
    }

    /**
     * iopt_for_each_contig_area over [iova, last]: the part of each area in turn, starting with the
     * area holding {@code iova}, while the areas follow each other without a hole and are complete
     * (area->pages set). Returns false when a hole (or an area still being built) stopped it before
     * {@code last} (iopt_area_contig_done). Runs under this IOPT's lock: the visitor must not call back.
     */
    public synchronized boolean forEachContiguousArea(long iova, long last, AreaRun visitor) {
        long cur = iova;
        Area area = areas.containing(cur); // areas never overlap: a later one found here starts at cur
        while (area != null && area.pages() != null) {
            long runLast = Iova.min(last, area.last());
            visitor.visit(cur, runLast);
            if (Iova.le(last, area.last())) {
                return true;
            }
            cur = area.last() + 1;
            area = areas.containing(cur);
        }
        return false;
    }

    /** Every complete area, ascending, as one run each (iopt_clear_dirty_data's iteration). */
    public synchronized void forEachArea(AreaRun visitor) {
        for (Area area : areas.all()) {
            if (area.pages() != null) {
                visitor.visit(area.iova(), area.last());
            }
        }
    }

    // ---- unmap ---------------------------------------------------------------------------------

    /** iopt_unmap_iova: EINVAL for length 0, EOVERFLOW if the range wraps; returns bytes unmapped. */
    public long unmapIova(long iova, long length) throws IommufdException {
        return unmapIova(iova, length, new long[1]);
    }

    /**
     * iopt_unmap_iova with its {@code *unmapped}: {@code unmapped[0]} receives the bytes removed, also
     * when the call fails after removing some areas (0 for a failure before the walk).
     */
    public long unmapIova(long iova, long length, long[] unmapped) throws IommufdException {
        unmapped[0] = 0;
        if (length == 0) {
            throw new IommufdException(Errno.EINVAL);
        }
        if (Iova.addOverflows(iova, length - 1)) {
            throw new IommufdException(Errno.EOVERFLOW);
        }
        return unmapRange(iova, iova + length - 1, unmapped);
    }

    /** iopt_unmap_all: removes every area; 0 when empty. */
    public long unmapAll() throws IommufdException {
        return unmapAll(new long[1]);
    }

    /** iopt_unmap_all with its {@code *unmapped}, set as {@link #unmapIova(long, long, long[])} does. */
    public long unmapAll(long[] unmapped) throws IommufdException {
        unmapped[0] = 0;
        return unmapRange(0, Iova.ULONG_MAX, unmapped);
    }

    /**
     * iopt_unmap_iova_range: removes, lowest first, every area inside [start, last]. An area that sticks
     * out of the range fails the call (ENOENT) after the earlier areas were removed; an area pinned by
     * accesses gets their unmap callbacks first, and EDEADLK after {@value #UNMAP_ACCESS_TRIES} rounds.
     */
    private long unmapRange(long start, long last, long[] progress) throws IommufdException {
        long unmapped = 0;
        int tries = 0;
        long cur = start;
        while (true) {
            Area blocked = null;
            List<IoptAccess> toNotify;
            synchronized (this) {
                Area area;
                while ((area = areas.first(cur, last)) != null) {
                    if (area.pages() == null) {
                        throw new IommufdException(Errno.EBUSY);
                    }
                    if (Iova.lt(area.iova(), cur) || Iova.gt(area.last(), last)) {
                        throw new IommufdException(Errno.ENOENT);
                    }
                    if (area.iova() != cur) {
                        tries = 0;
                    }
                    if (area.numAccesses() != 0) {
                        cur = area.iova();
                        area.setPreventAccess(true);
                        blocked = area;
                        break;
                    }
                    removeArea(area);
                    unmapped += area.length();
                    progress[0] = unmapped;
                    if (Iova.ge(area.last(), last)) {
                        return unmapped;
                    }
                    cur = area.last() + 1;
                }
                if (blocked == null) {
                    return unmapped;
                }
                toNotify = List.copyOf(accesses);
            }
            // iommufd_access_notify_unmap, outside the io_pagetable lock
            for (IoptAccess access : toNotify) {
                access.notifyUnmap(blocked.iova(), blocked.length());
            }
            if (++tries > UNMAP_ACCESS_TRIES) {
                throw new IommufdException(Errno.EDEADLK);
            }
        }
    }

    private void removeArea(Area area) {
        area.unpublish();
        unfillDomains(area);
        areas.remove(area);
        area.source().put();
    }

    // ---- cutting areas (VFIO type1 compatibility) -----------------------------------------------

    /**
     * iopt_cut_iova: makes each of {@code iovas} the last IOVA of an area, by splitting the area that
     * holds it. IOVAs in no area are skipped. Stops at the first failure; the cuts already made stay.
     */
    public synchronized void cutIova(long... iovas) throws IommufdException {
        for (long iova : iovas) {
            Area area = areas.containing(iova);
            if (area != null) {
                splitArea(area, iova);
            }
        }
    }

    /**
     * iopt_area_split: replaces {@code area} by [iova(), at] and [at + 1, last()] over the same pages,
     * keeping its domain mappings and pins. Nothing to do when {@code at} is the area's first or last
     * IOVA; EBUSY for an area being created or unmapped; EINVAL when the new start (or its byte in the
     * pages) is not aligned to iova_alignment, when accesses pin the area, or when a domain may hold it
     * with huge pages.
     */
    private void splitArea(Area area, long at) throws IommufdException {
        if (at == area.iova() || at == area.last()) {
            return;
        }
        if (area.pages() == null || area.preventAccess()) {
            throw new IommufdException(Errno.EBUSY);
        }
        long newStart = at + 1;
        if ((newStart & (iovaAlignment - 1)) != 0 || (area.startByte(newStart) & (iovaAlignment - 1)) != 0) {
            throw new IommufdException(Errno.EINVAL);
        }
        if (area.numAccesses() != 0) {
            throw new IommufdException(Errno.EINVAL);
        }
        if (area.filled() && !disableLargePages) {
            throw new IommufdException(Errno.EINVAL);
        }
        IoptPages pages = area.source();
        Area lhs = new Area(area.iova(), at, pages, area.startByte(), area.iommuProt());
        Area rhs = new Area(newStart, area.last(), pages, area.startByte(newStart), area.iommuProt());
        // A filled area is only cut with huge pages off, so at PAGE_SIZE alignment: the halves' page
        // ranges meet without sharing a page, and together hold exactly what the area held.
        areas.remove(area);
        for (Area half : List.of(lhs, rhs)) {
            half.setFilled(area.filled());
            half.publish();
            areas.insert(half);
        }
        pages.get(); // lhs inherits the area's reference, rhs takes one
    }

    // ---- map from user memory ------------------------------------------------------------------

    /**
     * iopt_map_user_pages: maps {@code length} bytes of {@code caller}'s memory at {@code uptr}, charged
     * as {@code contextMode} says, at {@code iova} (or at an IOVA chosen as iopt_alloc_iova does when
     * {@code allocIova}); returns the IOVA. Pinning happens only for the domains the IOAS has.
     */
    public long mapUserPages(ProcessImpl caller, AccountMode contextMode, long uptr, long length, long iova,
                             int iommuProt, boolean allocIova) throws IommufdException {
        IoptPages pages = IoptPagesFactory.userPages(caller, contextMode, uptr, length,
                (iommuProt & IoptDomain.IOMMU_WRITE) != 0);
        return mapPages(List.of(new PagesSlice(pages, Iova.pageOffset(uptr), length)), length, iova, iommuProt,
                allocIova);
    }

    // ---- domains -------------------------------------------------------------------------------

    /**
     * iopt_table_add_domain: raises the alignment (EINVAL above PAGE_SIZE, EADDRINUSE if an area does
     * not conform), reserves the complement of the aperture (EADDRINUSE over an area or an allowed
     * range), and fills the domain with every area, pinning as needed. All or nothing.
     */
    public synchronized void addDomain(IoptDomain domain) throws IommufdException {
        if (domains.contains(domain)) {
            throw new IommufdException(Errno.EEXIST);
        }
        long newAlignment = Iova.max(IommuPgsize.minPageSize(domain.pgsizeBitmap()), iovaAlignment);
        if (Iova.gt(newAlignment, Iova.PAGE_SIZE)) {
            throw new IommufdException(Errno.EINVAL);
        }
        if (newAlignment != iovaAlignment) {
            checkIovaAlignment(newAlignment);
        }
        try {
            if (domain.apertureStart() != 0) {
                reserveIova(0, domain.apertureStart() - 1, domain);
            }
            if (domain.apertureEnd() != Iova.ULONG_MAX) {
                reserveIova(domain.apertureEnd() + 1, Iova.ULONG_MAX, domain);
            }
            fillDomain(domain);
        } catch (IommufdException | RuntimeException e) {
            reserved.removeOwner(domain);
            throw e;
        }
        iovaAlignment = newAlignment;
        domains.add(domain);
    }

    /** iopt_fill_domain: maps every area into a new domain; on failure the domain is left empty. */
    private void fillDomain(IoptDomain domain) throws IommufdException {
        boolean first = domains.isEmpty();
        List<Area> done = new ArrayList<>();
        try {
            for (Area area : areas.all()) {
                if (area.pages() == null) {
                    continue;
                }
                if (first) {
                    area.source().fill(area.index(), area.lastIndex());
                    try {
                        AreaDomainMapper.map(area, domain, disableLargePages);
                    } catch (IommufdException | RuntimeException e) {
                        area.source().unfill(area.index(), area.lastIndex());
                        throw e;
                    }
                    area.setFilled(true);
                } else {
                    AreaDomainMapper.map(area, domain, disableLargePages);
                }
                done.add(area);
            }
        } catch (IommufdException | RuntimeException e) {
            for (Area area : done) {
                domain.unmap(area.iova(), area.length());
                if (first) {
                    area.source().unfill(area.index(), area.lastIndex());
                    area.setFilled(false);
                }
            }
            throw e;
        }
    }

    /**
     * iopt_table_remove_domain: unmaps every area from the domain; when it was the last domain the
     * areas' pin holds go too (pages still pinned by accesses stay). Its reservations go, and the
     * alignment is recomputed.
     */
    public synchronized void removeDomain(IoptDomain domain) {
        if (!domains.remove(domain)) {
            return;
        }
        boolean last = domains.isEmpty();
        for (Area area : areas.all()) {
            if (area.pages() == null) {
                continue;
            }
            domain.unmap(area.iova(), area.length());
            if (last && area.filled()) {
                area.source().unfill(area.index(), area.lastIndex());
                area.setFilled(false);
            }
        }
        reserved.removeOwner(domain);
        try {
            calculateIovaAlignment();
        } catch (IommufdException e) {
            throw new IllegalStateException("alignment cannot grow when a domain leaves", e);
        }
    }

    // ---- alignment, huge pages, accesses --------------------------------------------------------

    /** iopt_check_iova_alignment: every area's IOVA, length and in-page offset conform, else EADDRINUSE. */
    private void checkIovaAlignment(long newAlignment) throws IommufdException {
        long mask = newAlignment - 1;
        for (Area area : areas.all()) {
            if ((area.iova() & mask) != 0 || (area.length() & mask) != 0 || (area.pageOffset() & mask) != 0) {
                throw new IommufdException(Errno.EADDRINUSE);
            }
        }
    }

    /** iopt_calculate_iova_alignment. */
    private void calculateIovaAlignment() throws IommufdException {
        long newAlignment = disableLargePages ? Iova.PAGE_SIZE : 1;
        for (IoptDomain d : domains) {
            newAlignment = Iova.max(newAlignment, IommuPgsize.minPageSize(d.pgsizeBitmap()));
        }
        for (IoptAccess a : accesses) {
            newAlignment = Iova.max(newAlignment, a.iovaAlignment());
        }
        if (Iova.gt(newAlignment, iovaAlignment)) {
            checkIovaAlignment(newAlignment);
        }
        iovaAlignment = newAlignment;
    }

    /**
     * iopt_disable_large_pages (HUGE_PAGES = 0): EINVAL once a domain holds mappings; EADDRINUSE if an
     * area does not conform to PAGE_SIZE.
     */
    public synchronized void disableLargePages() throws IommufdException {
        if (disableLargePages) {
            return;
        }
        if (!domains.isEmpty() && !areas.isEmpty()) {
            throw new IommufdException(Errno.EINVAL);
        }
        disableLargePages = true;
        try {
            calculateIovaAlignment();
        } catch (IommufdException e) {
            disableLargePages = false;
            throw e;
        }
    }

    /** iopt_enable_large_pages (HUGE_PAGES = 1): the alignment may shrink. */
    public synchronized void enableLargePages() {
        disableLargePages = false;
        try {
            calculateIovaAlignment();
        } catch (IommufdException e) {
            throw new IllegalStateException("alignment cannot grow when huge pages are enabled", e);
        }
    }

    /** iopt_add_access: EADDRINUSE if the access's alignment does not fit the areas. */
    synchronized void addAccess(IoptAccess access) throws IommufdException {
        accesses.add(access);
        try {
            calculateIovaAlignment();
        } catch (IommufdException e) {
            accesses.remove(access);
            throw e;
        }
    }

    /** iopt_remove_access. */
    synchronized void removeAccess(IoptAccess access) {
        accesses.remove(access);
        try {
            calculateIovaAlignment();
        } catch (IommufdException e) {
            throw new IllegalStateException("alignment cannot grow when an access leaves", e);
        }
    }

    // ---- accesses: pin, unpin, rw (device.c: iommufd_access_pin_pages, _unpin_pages, _rw) -------

    /** iopt_area_contig_is_aligned: the pin starts and (unless it ends in this area) ends on page bounds. */
    private static boolean contigIsAligned(Area area, long cur, boolean endsHere) {
        if (Iova.pageOffset(area.startByte(cur)) != 0) {
            return false;
        }
        return endsHere || Iova.pageOffset(area.startByte(area.last())) == Iova.PAGE_SIZE - 1;
    }

    /** check_area_prot: a write needs IOMMU_WRITE, a read IOMMU_READ. */
    private static boolean checkAreaProt(Area area, boolean write) {
        return (area.iommuProt() & (write ? IoptDomain.IOMMU_WRITE : IoptDomain.IOMMU_READ)) != 0;
    }

    /** The area holding {@code cur} if it is complete, else null (iopt_area_contig_init/next). */
    private Area contigArea(long cur) {
        Area area = areas.containing(cur);
        return area == null || area.pages() == null ? null : area;
    }

    /**
     * The access half of iommufd_access_pin_pages, for [iova, last]: pins every page, area by area, and
     * returns their PFNs. EINVAL for an area being unmapped or a range not page aligned at area joins,
     * EPERM for a missing permission (or a write pin of read-only pages), ENOENT for a hole; pinning
     * errors pass through. A failure drops the pins already taken.
     */
    synchronized long[] accessPin(long iova, long last, boolean write) throws IommufdException {
        long[] pfns = new long[(int) Math.min(Integer.MAX_VALUE - 8,
                ((Iova.alignDown(last, Iova.PAGE_SIZE) - Iova.alignDown(iova, Iova.PAGE_SIZE)) >>> Iova.PAGE_SHIFT) + 1)];
        int filled = 0;
        long cur = iova;
        Area area = contigArea(cur);
        try {
            while (true) {
                if (area == null) {
                    throw new IommufdException(Errno.ENOENT);
                }
                boolean endsHere = Iova.le(last, area.last());
                long segLast = endsHere ? last : area.last();
                if (area.preventAccess() || !contigIsAligned(area, cur, endsHere)) {
                    throw new IommufdException(Errno.EINVAL);
                }
                if (!checkAreaProt(area, write)) {
                    throw new IommufdException(Errno.EPERM);
                }
                long index = area.iovaToIndex(cur);
                long lastIndex = area.iovaToIndex(segLast);
                int n = (int) (lastIndex - index + 1);
                if (filled + n > pfns.length) {
                    pfns = java.util.Arrays.copyOf(pfns, filled + n);
                }
                area.source().addAccess(index, lastIndex, write, pfns, filled);
                area.addAccess();
                filled += n;
                if (endsHere) {
                    return filled == pfns.length ? pfns : java.util.Arrays.copyOf(pfns, filled);
                }
                cur = area.last() + 1;
                area = contigArea(cur);
            }
        } catch (IommufdException | RuntimeException e) {
            if (cur != iova) {
                accessUnpin(iova, cur - 1);
            }
            throw e;
        }
    }

    /**
     * The access half of iommufd_access_unpin_pages: drops the pin of [iova, last] that
     * {@link #accessPin} took (the range must be exactly one pinned before).
     */
    synchronized void accessUnpin(long iova, long last) {
        long cur = iova;
        Area area = contigArea(cur);
        while (area != null) {
            long segLast = Iova.min(last, area.last());
            if (area.source().removeAccess(area.iovaToIndex(cur), area.iovaToIndex(segLast))) {
                area.removeAccess();
            }
            if (Iova.le(last, area.last())) {
                return;
            }
            cur = area.last() + 1;
            area = contigArea(cur);
        }
        throw new IllegalStateException("unpin of an unmapped range at 0x" + Long.toHexString(cur));
    }

    /**
     * The access half of iommufd_access_rw: copies {@code length} bytes between {@code data} and the
     * memory under [iova, iova + length - 1], area by area (bytes of earlier areas stay copied when a
     * later one fails). EINVAL for an area being unmapped, EPERM for a missing permission, ENOENT for a
     * hole; each area's pages copy on behalf of {@code current} ({@link IoptPages#rw}).
     */
    synchronized void accessRw(long iova, byte[] data, boolean write, ProcessImpl current)
            throws IommufdException {
        long last = iova + data.length - 1;
        long cur = iova;
        int done = 0;
        Area area = contigArea(cur);
        while (true) {
            if (area == null) {
                throw new IommufdException(Errno.ENOENT);
            }
            long segLast = Iova.min(last, area.last());
            if (area.preventAccess()) {
                throw new IommufdException(Errno.EINVAL);
            }
            if (!checkAreaProt(area, write)) {
                throw new IommufdException(Errno.EPERM);
            }
            int bytes = (int) (segLast - cur + 1);
            area.source().rw(area.startByte(cur), data, done, bytes, write, current);
            done += bytes;
            if (segLast == last) {
                return;
            }
            cur = area.last() + 1;
            area = contigArea(cur);
        }
    }
}
