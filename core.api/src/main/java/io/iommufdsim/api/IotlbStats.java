package io.iommufdsim.api;

/** Counters of an IOMMU instance's translation cache as one device sees it. */
public record IotlbStats(long hits, long misses, long invalidations) {
}
