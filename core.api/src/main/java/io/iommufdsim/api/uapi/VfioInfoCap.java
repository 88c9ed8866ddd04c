package io.iommufdsim.api.uapi;

import static io.iommufdsim.api.uapi.UapiField.Direction.OUT;

import java.util.List;

/**
 * One capability of a VFIO INFO ioctl's chain (vfio.h: struct vfio_info_cap_header and the struct that
 * starts with it). Linux writes the chain after the INFO struct: {@code cap_offset} gives the first
 * capability's offset in the user buffer, each header's {@code next} the following one (0 ends it).
 *
 * @param id the capability id in the header
 * @param fixed the capability's struct, header included ({@code id}, {@code version}, {@code next} first)
 * @param arrayField the name of a trailing flexible array, or null
 * @param arrayElement the flexible array's element, or null
 * @param countField the field of {@code fixed} that counts the array's elements, or null
 */
public record VfioInfoCap(int id, UapiStruct fixed, String arrayField, UapiStruct arrayElement, String countField) {
    /** struct vfio_info_cap_header. */
    public static final UapiStruct HEADER = UapiStruct.builder("vfio_info_cap_header")
            .u16("id", OUT).u16("version", OUT).u32("next", OUT).build();

    /** struct vfio_iova_range: an inclusive IOVA range. */
    public static final UapiStruct IOVA_RANGE = UapiStruct.builder("vfio_iova_range")
            .u64("start", OUT).u64("end", OUT).build();

    /** VFIO_IOMMU_TYPE1_INFO_CAP_IOVA_RANGE: struct vfio_iommu_type1_info_cap_iova_range (version 1). */
    public static final VfioInfoCap TYPE1_IOVA_RANGE = new VfioInfoCap(
            UapiConstants.VFIO_IOMMU_TYPE1_INFO_CAP_IOVA_RANGE,
            UapiStruct.builder("vfio_iommu_type1_info_cap_iova_range")
                    .u16("id", OUT).u16("version", OUT).u32("next", OUT)
                    .u32("nr_iovas", OUT).u32("reserved", OUT).build(),
            "iova_ranges", IOVA_RANGE, "nr_iovas");

    /** VFIO_IOMMU_TYPE1_INFO_CAP_MIGRATION: struct vfio_iommu_type1_info_cap_migration (version 1). */
    public static final VfioInfoCap TYPE1_MIGRATION = new VfioInfoCap(
            UapiConstants.VFIO_IOMMU_TYPE1_INFO_CAP_MIGRATION,
            UapiStruct.builder("vfio_iommu_type1_info_cap_migration")
                    .u16("id", OUT).u16("version", OUT).u32("next", OUT).u32("flags", OUT)
                    .u64("pgsize_bitmap", OUT).u64("max_dirty_bitmap_size", OUT).build(),
            null, null, null);

    /** VFIO_IOMMU_TYPE1_INFO_DMA_AVAIL: struct vfio_iommu_type1_info_dma_avail (version 1). */
    public static final VfioInfoCap TYPE1_DMA_AVAIL = new VfioInfoCap(
            UapiConstants.VFIO_IOMMU_TYPE1_INFO_DMA_AVAIL,
            UapiStruct.builder("vfio_iommu_type1_info_dma_avail")
                    .u16("id", OUT).u16("version", OUT).u32("next", OUT).u32("avail", OUT).build(),
            null, null, null);

    /** The capabilities vfio.h defines for VFIO_IOMMU_GET_INFO of a type1 IOMMU. */
    public static final List<VfioInfoCap> TYPE1_INFO_CAPS = List.of(TYPE1_IOVA_RANGE, TYPE1_MIGRATION,
            TYPE1_DMA_AVAIL);

    /** The capability of {@code caps} with this id, or null. */
    public static VfioInfoCap byId(List<VfioInfoCap> caps, int id) {
        for (VfioInfoCap c : caps) {
            if (c.id == id) {
                return c;
            }
        }
        return null;
    }

    /** The size of the capability with {@code count} array elements (struct_size). */
    public long size(long count) {
        return fixed.size() + (arrayElement == null ? 0 : count * arrayElement.size());
    }
}
