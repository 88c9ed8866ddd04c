package io.iommufdsim.api;

import java.util.Set;
import org.osgi.annotation.versioning.ProviderType;

/**
 * One simulated machine: physical memory, processes, iommufd files, and (through the drivers that
 * are loaded) IOMMU instances and devices. Machines are independent of each other.
 */
@ProviderType
public interface SimMachine extends AutoCloseable {
    String DEFAULT_PROCESS = "main";

    /**
     * The process {@code name}, or null. A new machine has {@value #DEFAULT_PROCESS}: uid 1000,
     * CAP_SYS_RESOURCE, RLIMIT_MEMLOCK 8 MiB.
     */
    SimProcess process(String name);

    /** A new process; {@link Errno#EEXIST} if the name is taken. RLIMIT_MEMLOCK starts at 8 MiB. */
    SimProcess createProcess(String name, int uid, Set<Capability> capabilities) throws IommufdException;

    /** open("/dev/iommu") by {@code opener}: a new iommufd context with its own object ids. */
    IommufdFile openIommufd(SimProcess opener) throws IommufdException;

    /**
     * Adds an IOMMU instance of a loaded driver (SIM_IOMMU_ADD). Unknown driver: {@link Errno#ENODEV};
     * name taken: {@link Errno#EEXIST}; a config key the driver does not know, or a bad value:
     * {@link Errno#EINVAL}.
     */
    void addIommu(String driver, String name, java.util.Map<String, Object> config) throws IommufdException;

    /** Adds a PCI device behind IOMMU instance {@code iommu}: {@link Errno#ENOENT} if there is no such instance. */
    SimDevice addDevice(String iommu, String name, DeviceConfig config) throws IommufdException;

    /** The device {@code name}, or null. */
    SimDevice device(String name);

    /** Stops a vendor driver's bundle (hot-plug): {@link Errno#ENOENT} if no such driver is installed. */
    void stopDriver(String driver) throws IommufdException;

    /** Starts a vendor driver's bundle again: {@link Errno#ENOENT} if no such driver is installed. */
    void startDriver(String driver) throws IommufdException;

    @Override
    void close();
}
