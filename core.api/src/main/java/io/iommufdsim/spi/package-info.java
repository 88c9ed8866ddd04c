/** The driver SPI: what a vendor IOMMU bundle plugs into the core. */
@Export
@Version("1.0.0")
package io.iommufdsim.spi;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
