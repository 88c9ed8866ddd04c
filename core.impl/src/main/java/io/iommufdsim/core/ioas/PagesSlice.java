package io.iommufdsim.core.ioas;

/**
 * One element of an iopt_pages_list (io_pagetable.c): a byte slice of an {@link IoptPages} that becomes
 * one area of the destination IOAS.
 */
record PagesSlice(IoptPages pages, long startByte, long length) {
    /** The source address the slice starts at: the hint for automatic IOVA placement. */
    long sourceAddress() {
        return pages.sourceStart() + startByte;
    }
}
