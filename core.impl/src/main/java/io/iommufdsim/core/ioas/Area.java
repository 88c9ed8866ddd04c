package io.iommufdsim.core.ioas;

/**
 * One mapping of an IOAS (io_pagetable.h: struct iopt_area): the IOVA range [iova, last] showing the byte
 * slice [startByte, startByte + length) of an {@link IoptPages}. COPY makes several areas share one
 * IoptPages. While an area is being built or torn down its {@link #pages()} is null, and other calls treat
 * it as busy (io_pagetable.c: iopt_unmap_iova_range).
 */
public final class Area {
    private final long iova;
    private final long last;
    private final long startByte;
    private final int iommuProt;
    private final IoptPages source;
    /** area->pages: the source once the area is complete, null while it is created or destroyed. */
    private IoptPages pages;
    /** area->storage_domain != NULL: the area's pages are held for the IOAS's domains. */
    private boolean filled;
    /** area->num_accesses: access pins taken through this area. */
    private int numAccesses;
    /** area->prevent_access: an unmap is waiting for the accesses to unpin. */
    private boolean preventAccess;

    Area(long iova, long last, IoptPages source, long startByte, int iommuProt) {
        this.iova = iova;
        this.last = last;
        this.source = source;
        this.startByte = startByte;
        this.iommuProt = iommuProt;
    }

    public long iova() {
        return iova;
    }

    /** The last IOVA of the area (inclusive). */
    public long last() {
        return last;
    }

    public long length() {
        return last - iova + 1;
    }

    public int iommuProt() {
        return iommuProt;
    }

    /** The byte offset of the area's first IOVA in its IoptPages. */
    public long startByte() {
        return startByte;
    }

    /** area->page_offset: the in-page offset of the first byte. */
    public long pageOffset() {
        return Iova.pageOffset(startByte);
    }

    /** iopt_area_index: the first page index of the area in its IoptPages. */
    public long index() {
        return Iova.pageIndex(startByte);
    }

    /** iopt_area_last_index. */
    public long lastIndex() {
        return Iova.pageIndex(startByte + (last - iova));
    }

    /** iopt_area_start_byte: the IoptPages byte offset that {@code at} shows. */
    public long startByte(long at) {
        return startByte + (at - iova);
    }

    /** iopt_area_iova_to_index. */
    public long iovaToIndex(long at) {
        return Iova.pageIndex(startByte(at));
    }

    /** The IoptPages this area shows, whether or not the area is complete. */
    public IoptPages source() {
        return source;
    }

    /** area->pages: null while the area is created or destroyed. */
    public IoptPages pages() {
        return pages;
    }

    void publish() {
        pages = source;
    }

    void unpublish() {
        pages = null;
    }

    boolean filled() {
        return filled;
    }

    void setFilled(boolean filled) {
        this.filled = filled;
    }

    int numAccesses() {
        return numAccesses;
    }

    void addAccess() {
        numAccesses++;
    }

    void removeAccess() {
        numAccesses--;
    }

    boolean preventAccess() {
        return preventAccess;
    }

    void setPreventAccess(boolean preventAccess) {
        this.preventAccess = preventAccess;
    }

    @Override
    public String toString() {
        return "Area[" + Long.toHexString(iova) + ".." + Long.toHexString(last) + "]";
    }
}
