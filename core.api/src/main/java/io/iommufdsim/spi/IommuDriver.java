package io.iommufdsim.spi;

import io.iommufdsim.api.IommufdException;
import org.osgi.annotation.versioning.ConsumerType;

/**
 * A vendor IOMMU driver, registered as an OSGi service by the vendor's bundle
 * ({@code @Component(service = IommuDriver.class)}). The core tracks the services dynamically: each
 * new machine gets {@link #createInstance}({@link #name()}, {@link IommuConfig#EMPTY}, ...) — the
 * default instance named after the driver, "with every capability the vendor's hardware can report"
 * (scenario-format.md) — and SIM_IOMMU_ADD makes more. When the service goes away (the bundle stops,
 * SIM_DRIVER_STOP) every machine destroys the iommufd objects that depend on the driver's instances
 * and {@link IommuInstance#release() releases} them; when it comes back, the instances are created
 * again from their saved names and configs, with their devices, unbound.
 *
 * <p>Drivers import only core.api (packages io.iommufdsim.api, .api.uapi, .spi).
 */
@ConsumerType
public interface IommuDriver {
    /** The driver's name as scenarios use it: "intel-vtd", "arm-smmuv3", "amd-vi", "s390". */
    String name();

    /**
     * A new IOMMU instance named {@code name} on the machine of {@code platform}. The driver reads
     * the common keys of {@code config} it supports and its own keys (its identification registers
     * under their uAPI hw_info field names, e.g. {@code cap_reg}/{@code ecap_reg} for VT-d) and must
     * call {@link IommuConfig#requireDriverKeys} so that an unknown key is
     * {@link io.iommufdsim.api.Errno#EINVAL}; a value its hardware cannot have is EINVAL too.
     * Structures may be allocated now (VT-d root table) or lazily.
     */
    IommuInstance createInstance(String name, IommuConfig config, IommuPlatform platform) throws IommufdException;
}
