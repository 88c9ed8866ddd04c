package io.iommufdsim.spi;

import org.osgi.annotation.versioning.ProviderType;

/**
 * What the core gives a driver to build an IOMMU instance on one simulated machine: the machine's
 * physical memory, in which the instance keeps its hardware translation structures, and the pool
 * of table pages. One platform per machine; instances of different machines never share one.
 */
@ProviderType
public interface IommuPlatform {
    PhysicalMemory memory();

    TablePageAllocator tablePages();
}
