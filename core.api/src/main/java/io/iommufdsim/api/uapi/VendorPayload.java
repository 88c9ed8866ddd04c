package io.iommufdsim.api.uapi;

/**
 * The vendor struct an ioctl reaches through a user pointer: the pointer field, the field holding its
 * length in bytes, and the field whose {@link VendorStructs.Kind} enum value names the struct.
 * A {@link VendorStructs.Kind#HW_INFO} struct is written by the kernel, a
 * {@link VendorStructs.Kind#HWPT_DATA} one read.
 */
public record VendorPayload(String pointerField, String lengthField, String typeField, VendorStructs.Kind kind) {
    /** True if the kernel writes the struct (IOMMU_GET_HW_INFO), false if it reads it. */
    public boolean writtenByKernel() {
        return kind == VendorStructs.Kind.HW_INFO;
    }
}
