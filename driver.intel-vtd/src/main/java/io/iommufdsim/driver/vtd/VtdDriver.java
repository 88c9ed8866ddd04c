package io.iommufdsim.driver.vtd;

import io.iommufdsim.api.IommufdException;
import io.iommufdsim.spi.IommuConfig;
import io.iommufdsim.spi.IommuDriver;
import io.iommufdsim.spi.IommuInstance;
import io.iommufdsim.spi.IommuPlatform;

import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;

/**
 * The Intel VT-d driver service, "intel-vtd". Each instance is one DMA-remapping unit whose CAP/ECAP
 * registers come from the SIM_IOMMU_ADD configuration ({@link VtdConfig}; the default instance has
 * {@link VtdRegisters#DEFAULT}).
 */
@Component(service = IommuDriver.class)
public final class VtdDriver implements IommuDriver {
    public static final String NAME = "intel-vtd";

    @Activate
    public VtdDriver() {
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public IommuInstance createInstance(String name, IommuConfig config, IommuPlatform platform)
            throws IommufdException {
        return new VtdInstance(name, VtdConfig.registers(config), platform);
    }
}
