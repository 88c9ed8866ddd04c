package io.iommufdsim.spi;

/**
 * The protection bits the IOMMU core hands to a page-table format (include/linux/iommu.h IOMMU_*).
 * iommufd always adds {@link #CACHE} and derives {@link #READ}/{@link #WRITE} from
 * IOMMU_IOAS_MAP_READABLE/WRITEABLE (drivers/iommu/iommufd/ioas.c: conv_iommu_prot).
 */
public final class IommuProt {
    public static final int READ = 1 << 0;
    public static final int WRITE = 1 << 1;
    public static final int CACHE = 1 << 2;
    public static final int NOEXEC = 1 << 3;
    public static final int MMIO = 1 << 4;
    public static final int PRIV = 1 << 5;

    private IommuProt() {
    }
}
