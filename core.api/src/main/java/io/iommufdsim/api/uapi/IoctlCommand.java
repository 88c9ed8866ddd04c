package io.iommufdsim.api.uapi;

import static io.iommufdsim.api.uapi.UapiField.Direction.IN;
import static io.iommufdsim.api.uapi.UapiField.Direction.INOUT;
import static io.iommufdsim.api.uapi.UapiField.Direction.OUT;

import java.util.List;

/**
 * The ioctls iommufd-sim serves, with their numbers and struct layouts
 * (include/uapi/linux/iommufd.h, include/uapi/linux/vfio.h). iommufd ioctls are {@code _IO(';', nr)},
 * so the number is {@code 0x3b00 | nr} and the struct size travels in its first u32.
 */
public enum IoctlCommand {
    IOMMU_DESTROY(0x3b80, Target.IOMMUFD, UapiStruct.builder("iommu_destroy")
            .u32("size", IN).u32("id", IN).build()),
    IOMMU_IOAS_ALLOC(0x3b81, Target.IOMMUFD, UapiStruct.builder("iommu_ioas_alloc")
            .u32("size", IN).u32("flags", IN).u32("out_ioas_id", OUT).build()),
    IOMMU_IOAS_ALLOW_IOVAS(0x3b82, Target.IOMMUFD, UapiStruct.builder("iommu_ioas_allow_iovas")
            .u32("size", IN).u32("ioas_id", IN).u32("num_iovas", IN).u32("__reserved", IN)
            .arrayPointer("allowed_iovas", IN, Structs.IOVA_RANGE, "num_iovas").build()),
    IOMMU_IOAS_COPY(0x3b83, Target.IOMMUFD, UapiStruct.builder("iommu_ioas_copy")
            .u32("size", IN).u32("flags", IN).u32("dst_ioas_id", IN).u32("src_ioas_id", IN)
            .u64("length", IN).u64("dst_iova", INOUT).u64("src_iova", IN).build()),
    IOMMU_IOAS_IOVA_RANGES(0x3b84, Target.IOMMUFD, UapiStruct.builder("iommu_ioas_iova_ranges")
            .u32("size", IN).u32("ioas_id", IN).u32("num_iovas", INOUT).u32("__reserved", IN)
            .arrayPointer("allowed_iovas", OUT, Structs.IOVA_RANGE, "num_iovas")
            .u64("out_iova_alignment", OUT).build()),
    IOMMU_IOAS_MAP(0x3b85, Target.IOMMUFD, UapiStruct.builder("iommu_ioas_map")
            .u32("size", IN).u32("flags", IN).u32("ioas_id", IN).u32("__reserved", IN)
            .u64("user_va", IN).u64("length", IN).u64("iova", INOUT).build()),
    IOMMU_IOAS_UNMAP(0x3b86, Target.IOMMUFD, UapiStruct.builder("iommu_ioas_unmap")
            .u32("size", IN).u32("ioas_id", IN).u64("iova", IN).u64("length", INOUT).build()),
    IOMMU_OPTION(0x3b87, Target.IOMMUFD, UapiStruct.builder("iommu_option")
            .u32("size", IN).u32("option_id", IN).u16("op", IN).u16("__reserved", IN)
            .u32("object_id", IN).u64("val64", INOUT).build()),
    IOMMU_VFIO_IOAS(0x3b88, Target.IOMMUFD, UapiStruct.builder("iommu_vfio_ioas")
            .u32("size", IN).u32("ioas_id", INOUT).u16("op", IN).u16("__reserved", IN).build()),
    IOMMU_HWPT_ALLOC(0x3b89, Target.IOMMUFD, UapiStruct.builder("iommu_hwpt_alloc")
            .u32("size", IN).u32("flags", IN).u32("dev_id", IN).u32("pt_id", IN)
            .u32("out_hwpt_id", OUT).u32("__reserved", IN).minimumEndsHere()
            .u32("data_type", IN).u32("data_len", IN).u64("data_uptr", IN)
            .u32("fault_id", IN).u32("__reserved2", IN).build()),
    IOMMU_GET_HW_INFO(0x3b8a, Target.IOMMUFD, UapiStruct.builder("iommu_hw_info")
            .u32("size", IN).u32("flags", IN).u32("dev_id", IN).u32("data_len", INOUT)
            .u64("data_uptr", IN).u32("out_data_type", INOUT).u8("out_max_pasid_log2", OUT)
            .bytes("__reserved", 3, IN).minimumEndsHere().u64("out_capabilities", OUT).build()),
    IOMMU_HWPT_SET_DIRTY_TRACKING(0x3b8b, Target.IOMMUFD, UapiStruct.builder("iommu_hwpt_set_dirty_tracking")
            .u32("size", IN).u32("flags", IN).u32("hwpt_id", IN).u32("__reserved", IN).build()),
    IOMMU_HWPT_GET_DIRTY_BITMAP(0x3b8c, Target.IOMMUFD, UapiStruct.builder("iommu_hwpt_get_dirty_bitmap")
            .u32("size", IN).u32("hwpt_id", IN).u32("flags", IN).u32("__reserved", IN)
            .u64("iova", IN).u64("length", IN).u64("page_size", IN)
            // the bitmap has no count field: its size follows from length / page_size
            .arrayPointer("data", INOUT, Structs.U64, null).build()),
    IOMMU_HWPT_INVALIDATE(0x3b8d, Target.IOMMUFD, UapiStruct.builder("iommu_hwpt_invalidate")
            .u32("size", IN).u32("hwpt_id", IN).u64("data_uptr", IN).u32("data_type", IN)
            .u32("entry_len", IN).u32("entry_num", INOUT).u32("__reserved", IN).build()),
    IOMMU_FAULT_QUEUE_ALLOC(0x3b8e, Target.IOMMUFD, UapiStruct.builder("iommu_fault_alloc")
            .u32("size", IN).u32("flags", IN).u32("out_fault_id", OUT).u32("out_fault_fd", OUT).build()),
    IOMMU_IOAS_MAP_FILE(0x3b8f, Target.IOMMUFD, UapiStruct.builder("iommu_ioas_map_file")
            .u32("size", IN).u32("flags", IN).u32("ioas_id", IN).s32("fd", IN)
            .u64("start", IN).u64("length", IN).u64("iova", INOUT).build()),
    IOMMU_VIOMMU_ALLOC(0x3b90, Target.IOMMUFD, UapiStruct.builder("iommu_viommu_alloc")
            .u32("size", IN).u32("flags", IN).u32("type", IN).u32("dev_id", IN).u32("hwpt_id", IN)
            .u32("out_viommu_id", OUT).minimumEndsHere()
            .u32("data_len", IN).u32("__reserved", IN).u64("data_uptr", IN).build()),
    IOMMU_VDEVICE_ALLOC(0x3b91, Target.IOMMUFD, UapiStruct.builder("iommu_vdevice_alloc")
            .u32("size", IN).u32("viommu_id", IN).u32("dev_id", IN).u32("out_vdevice_id", OUT)
            .u64("virt_id", IN).build()),
    IOMMU_IOAS_CHANGE_PROCESS(0x3b92, Target.IOMMUFD, UapiStruct.builder("iommu_ioas_change_process")
            .u32("size", IN).u32("__reserved", IN).build()),
    IOMMU_VEVENTQ_ALLOC(0x3b93, Target.IOMMUFD, UapiStruct.builder("iommu_veventq_alloc")
            .u32("size", IN).u32("flags", IN).u32("viommu_id", IN).u32("type", IN).u32("veventq_depth", IN)
            .u32("out_veventq_id", OUT).u32("out_veventq_fd", OUT).minimumEndsHere()
            .u32("__reserved", IN).build()),
    IOMMU_HW_QUEUE_ALLOC(0x3b94, Target.IOMMUFD, UapiStruct.builder("iommu_hw_queue_alloc")
            .u32("size", IN).u32("flags", IN).u32("viommu_id", IN).u32("type", IN).u32("index", IN)
            .u32("out_hw_queue_id", OUT).u64("nesting_parent_iova", IN).u64("length", IN).build()),

    VFIO_DEVICE_BIND_IOMMUFD(0x3b76, Target.VFIO_DEVICE, UapiStruct.builder("vfio_device_bind_iommufd")
            .u32("argsz", IN).u32("flags", IN).s32("iommufd", IN).u32("out_devid", OUT).minimumEndsHere()
            .u64("token_uuid_ptr", IN).build()),
    VFIO_DEVICE_ATTACH_IOMMUFD_PT(0x3b77, Target.VFIO_DEVICE, UapiStruct.builder("vfio_device_attach_iommufd_pt")
            .u32("argsz", IN).u32("flags", IN).u32("pt_id", INOUT).minimumEndsHere()
            .u32("pasid", IN).build()),
    VFIO_DEVICE_DETACH_IOMMUFD_PT(0x3b78, Target.VFIO_DEVICE, UapiStruct.builder("vfio_device_detach_iommufd_pt")
            .u32("argsz", IN).u32("flags", IN).minimumEndsHere().u32("pasid", IN).build()),

    // The VFIO type1 container ioctls iommufd serves on its own fd (vfio_compat.c: iommufd_vfio_ioctl).
    // Numbers are _IO(VFIO_TYPE, VFIO_BASE + n) = 0x3b64 + n. The first three take a plain value
    // (VFIO_GET_API_VERSION none, VFIO_CHECK_EXTENSION an extension id, VFIO_SET_IOMMU an IOMMU type);
    // the others an argsz-led struct whose minimum is offsetofend of the field named in the handler.
    VFIO_GET_API_VERSION(0x3b64, Target.VFIO_CONTAINER, UapiStruct.PLAIN_VALUE),
    VFIO_CHECK_EXTENSION(0x3b65, Target.VFIO_CONTAINER, UapiStruct.PLAIN_VALUE),
    VFIO_SET_IOMMU(0x3b66, Target.VFIO_CONTAINER, UapiStruct.PLAIN_VALUE),
    VFIO_IOMMU_GET_INFO(0x3b70, Target.VFIO_CONTAINER, UapiStruct.builder("vfio_iommu_type1_info")
            .u32("argsz", INOUT).u32("flags", OUT).u64("iova_pgsizes", OUT).minimumEndsHere()
            .u32("cap_offset", OUT).u32("pad", IN).build(), VfioInfoCap.TYPE1_INFO_CAPS),
    VFIO_IOMMU_MAP_DMA(0x3b71, Target.VFIO_CONTAINER, UapiStruct.builder("vfio_iommu_type1_dma_map")
            .u32("argsz", IN).u32("flags", IN).u64("vaddr", IN).u64("iova", IN).u64("size", IN).build()),
    VFIO_IOMMU_UNMAP_DMA(0x3b72, Target.VFIO_CONTAINER, UapiStruct.builder("vfio_iommu_type1_dma_unmap")
            .u32("argsz", IN).u32("flags", IN).u64("iova", IN).u64("size", INOUT).build()),
    /** Not served by iommufd (ENOTTY): listed so that scenarios can show the refusal by name. */
    VFIO_IOMMU_DIRTY_PAGES(0x3b75, Target.VFIO_CONTAINER, UapiStruct.builder("vfio_iommu_type1_dirty_bitmap")
            .u32("argsz", IN).u32("flags", IN).build());

    /** Which kind of file the ioctl is issued on. */
    public enum Target {
        IOMMUFD,
        VFIO_DEVICE,
        /** A legacy VFIO container ioctl, issued on the iommufd fd (main.c hands it to vfio_compat.c). */
        VFIO_CONTAINER
    }

    private final int number;
    private final Target target;
    private final UapiStruct struct;
    private final List<VfioInfoCap> capabilities;

    IoctlCommand(int number, Target target, UapiStruct struct) {
        this(number, target, struct, List.of());
    }

    IoctlCommand(int number, Target target, UapiStruct struct, List<VfioInfoCap> capabilities) {
        this.number = number;
        this.target = target;
        this.struct = struct;
        this.capabilities = capabilities;
    }

    /**
     * True for an ioctl whose argument is a value rather than a user pointer to a struct
     * (VFIO_GET_API_VERSION, VFIO_CHECK_EXTENSION, VFIO_SET_IOMMU).
     */
    public boolean takesPlainValue() {
        return struct.fields().isEmpty();
    }

    /**
     * The capabilities an INFO ioctl may chain after its struct (found from its {@code cap_offset}),
     * empty for every other ioctl.
     */
    public List<VfioInfoCap> capabilities() {
        return capabilities;
    }

    /**
     * The vendor struct this ioctl reaches through {@code data_uptr}, or null: IOMMU_GET_HW_INFO
     * writes the struct {@code out_data_type} names, IOMMU_HWPT_ALLOC reads the one {@code data_type}
     * names (iommufd.h). IOMMU_VIOMMU_ALLOC keys its data by the viommu {@code type}, and
     * IOMMU_HWPT_INVALIDATE passes an array of entries: neither is described here.
     */
    public VendorPayload vendorPayload() {
        return switch (this) {
            case IOMMU_GET_HW_INFO -> new VendorPayload("data_uptr", "data_len", "out_data_type",
                    VendorStructs.Kind.HW_INFO);
            case IOMMU_HWPT_ALLOC -> new VendorPayload("data_uptr", "data_len", "data_type",
                    VendorStructs.Kind.HWPT_DATA);
            default -> null;
        };
    }

    public int number() {
        return number;
    }

    public Target target() {
        return target;
    }

    public UapiStruct struct() {
        return struct;
    }

    /** The command with this ioctl name, or null. */
    public static IoctlCommand byName(String name) {
        for (IoctlCommand c : values()) {
            if (c.name().equals(name)) {
                return c;
            }
        }
        return null;
    }

    /** The command with this ioctl number, or null. */
    public static IoctlCommand byNumber(long number) {
        for (IoctlCommand c : values()) {
            if (c.number == number) {
                return c;
            }
        }
        return null;
    }
}
