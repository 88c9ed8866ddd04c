package io.iommufdsim.api;

/** An inclusive IOVA range, as struct iommu_iova_range. */
public record IovaRange(long start, long last) {
}
