package io.iommufdsim.driver.vtd;

/**
 * Which table depth and IOVA width a VT-d unit gives a paging domain, from its capability register
 * (drivers/iommu/intel/iommu.c compute_vasz_lg2_ss / compute_vasz_lg2_fs).
 *
 * @param levels number of table levels (the top level is {@code levels - 1})
 * @param vaBits IOVA width (hw_max_vasz_lg2)
 */
public record VtdTableGeometry(int levels, int vaBits) {

    /**
     * Second stage: the largest table both MGAW and SAGAW allow; hardware that walks only 4 or 5
     * levels may still limit the IOVA to 39 or 48 bits. Null when none fits (the kernel's 0 width).
     *
     * @param sagaw CAP.SAGAW, bits [12:8] of the capability register
     * @param mgaw  CAP.MGAW + 1, the maximum guest address width
     */
    public static VtdTableGeometry secondStage(int sagaw, int mgaw) {
        if (mgaw > 48 && sagaw >= (1 << 3)) {
            return new VtdTableGeometry(5, Math.min(57, mgaw));
        } else if (mgaw > 39 && sagaw >= (1 << 2)) {
            return new VtdTableGeometry(4 + ffs(sagaw >> 3), Math.min(48, mgaw));
        } else if (mgaw > 30 && sagaw >= (1 << 1)) {
            return new VtdTableGeometry(3 + ffs(sagaw >> 2), Math.min(39, mgaw));
        }
        return null;
    }

    /**
     * First stage: 5 levels when MGAW exceeds 48 bits and CAP.FL5LP is set, else 4 ("Software must
     * limit addresses to less than the minimum of MGAW and the lower canonical address width").
     */
    public static VtdTableGeometry firstStage(int mgaw, boolean fl5lp) {
        if (mgaw > 48 && fl5lp) {
            return new VtdTableGeometry(5, Math.min(57, mgaw));
        }
        return new VtdTableGeometry(4, Math.min(48, mgaw));
    }

    /** The kernel's ffs(): 1-based index of the lowest set bit, 0 for 0. */
    private static int ffs(int x) {
        return x == 0 ? 0 : Integer.numberOfTrailingZeros(x) + 1;
    }
}
