package io.iommufdsim.core.iommufd;

import io.iommufdsim.api.uapi.IoctlCommand;
import io.iommufdsim.api.uapi.UapiStruct;

/** Builds little-endian struct images for raw ioctl tests. */
final class Raw {
    private Raw() {
    }

    /** The struct of {@code command} with {@code size} set to the kernel size and the given name/value pairs. */
    static byte[] struct(IoctlCommand command, Object... fieldsAndValues) {
        UapiStruct s = command.struct();
        byte[] image = new byte[s.size()];
        s.require("size").set(image, s.size());
        for (int i = 0; i < fieldsAndValues.length; i += 2) {
            s.require((String) fieldsAndValues[i]).set(image, ((Number) fieldsAndValues[i + 1]).longValue());
        }
        return image;
    }

    static long field(IoctlCommand command, byte[] image, String field) {
        return command.struct().require(field).get(image);
    }
}
