package io.iommufdsim.core.iommufd;

import io.iommufdsim.api.EmulatedAccesses;
import io.iommufdsim.api.uapi.IoctlCommand;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.Map;
import java.util.function.Function;

/**
 * What an iommufd file can do: the handler of each iommufd ioctl (main.c: iommufd_ioctl_ops), the
 * handler of each IOMMU_OPTION option_id (main.c: iommufd_option's switch), and the legacy VFIO
 * container ioctls the compatibility path knows (vfio_compat.c: iommufd_vfio_ioctl). One table is built
 * per simulated machine and shared by its contexts; each package registers its own ioctls
 * ({@code CoreIoctls.registerInto}, the IOAS package's {@code IoasHandlers.registerInto}, ...).
 * Registration happens before the first file is opened; the table is read-only afterwards.
 */
public final class HandlerTable {
    private final Map<IoctlCommand, IoctlHandler> ioctls = new EnumMap<>(IoctlCommand.class);
    private final Map<Integer, IoctlHandler> options = new HashMap<>();
    private final Map<Integer, CompatIoctlHandler> compat = new HashMap<>();
    private Function<IommufdContext, EmulatedAccesses> accessesProvider;

    /** Registers the handler of an iommufd ioctl; each command has exactly one. */
    public synchronized HandlerTable register(IoctlCommand command, IoctlHandler handler) {
        if (command.target() != IoctlCommand.Target.IOMMUFD) {
            throw new IllegalArgumentException(command + " is not an iommufd ioctl");
        }
        putOnce(ioctls, command, handler);
        return this;
    }

    /**
     * Registers the handler of IOMMU_OPTION {@code optionId}. It runs after the generic
     * {@code __reserved} check, reads op/object_id/val64 from the call and sets val64 for a GET;
     * the OPTION handler then writes back val64 alone.
     */
    public synchronized HandlerTable registerOption(int optionId, IoctlHandler handler) {
        putOnce(options, optionId, handler);
        return this;
    }

    /** Registers a legacy VFIO container ioctl by its full ioctl number. */
    public synchronized HandlerTable registerCompat(int cmd, CompatIoctlHandler handler) {
        putOnce(compat, cmd, handler);
        return this;
    }

    /** Registers what builds a context's {@link EmulatedAccesses} (the IOAS package's access objects). */
    public synchronized HandlerTable registerAccesses(Function<IommufdContext, EmulatedAccesses> provider) {
        if (accessesProvider != null) {
            throw new IllegalStateException("accesses are already registered");
        }
        accessesProvider = provider;
        return this;
    }

    synchronized EmulatedAccesses accessesFor(IommufdContext context) {
        if (accessesProvider == null) {
            throw new IllegalStateException("no EmulatedAccesses provider is registered");
        }
        return accessesProvider.apply(context);
    }

    /** The handler of {@code command}, or null if its slot is unused. */
    public synchronized IoctlHandler handler(IoctlCommand command) {
        return ioctls.get(command);
    }

    /** The handler of IOMMU_OPTION {@code optionId}, or null for an unknown option. */
    public synchronized IoctlHandler option(int optionId) {
        return options.get(optionId);
    }

    /** The VFIO-compat handler of ioctl {@code cmd}, or null. */
    public synchronized CompatIoctlHandler compat(int cmd) {
        return compat.get(cmd);
    }

    private static <K, V> void putOnce(Map<K, V> map, K key, V value) {
        if (value == null) {
            throw new IllegalArgumentException("null handler for " + key);
        }
        if (map.putIfAbsent(key, value) != null) {
            throw new IllegalStateException(key + " is already registered");
        }
    }
}
