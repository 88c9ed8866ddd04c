/** The scenario runner service. */
@Export
@Version("1.0.0")
package io.iommufdsim.scenario;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
