/**
 * The driver SPI: what a vendor IOMMU bundle plugs into the core. A driver registers an
 * {@link io.iommufdsim.spi.IommuDriver} service; its {@link io.iommufdsim.spi.IommuInstance}s describe
 * the hardware (capabilities, hw_info, the {@link io.iommufdsim.spi.PageTableFormat} of each kind of
 * domain, reserved regions) and program and read back the unit's translation structures in
 * {@link io.iommufdsim.spi.PhysicalMemory}. The core owns the page-table engine, the IOTLB and the
 * iommufd object model.
 */
@Export
@Version("1.1.0")
package io.iommufdsim.spi;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
