/** The iommufd-sim API: the simulated machine, its processes and iommufd files, errno and uAPI layouts. */
@Export
@Version("1.0.0")
package io.iommufdsim.api;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
