package io.iommufdsim.api;

import java.util.List;

/**
 * The leaf entries of a paging HWPT's page table, sorted by IOVA, with the raw 64-bit entry of the
 * vendor format; {@code level} 0 is the table level of the smallest page.
 */
public record PageTableDump(List<Leaf> leaves, long tablePages) {
    public record Leaf(long iova, long size, int level, long pte) {
    }
}
