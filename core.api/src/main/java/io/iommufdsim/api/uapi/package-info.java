/** Layouts, numbers and named constants of the iommufd and VFIO uAPI structs. */
@Export
@Version("1.0.0")
package io.iommufdsim.api.uapi;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
