package io.iommufdsim.driver.vtd;

import io.iommufdsim.spi.IommuDevice;

record TestDevice(String name, int rid, int pasidBits, boolean pri) implements IommuDevice {
}
