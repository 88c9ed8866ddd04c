package io.iommufdsim.api;

import java.util.List;

/**
 * How SIM_DEVICE_ADD describes a PCI device: its PASID width (-1: the vendor's default), whether it
 * supports PRI, and extra reserved regions it reports.
 */
public record DeviceConfig(int pasidBits, boolean pri, List<IovaRange> reserved) {
    public static final DeviceConfig DEFAULT = new DeviceConfig(-1, false, List.of());
}
