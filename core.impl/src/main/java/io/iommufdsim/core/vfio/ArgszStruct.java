package io.iommufdsim.core.vfio;

import io.iommufdsim.api.IommufdException;
import io.iommufdsim.api.UserMemory;
import io.iommufdsim.api.uapi.IoctlCommand;
import io.iommufdsim.api.uapi.UapiStruct;

/**
 * A vfio.h struct led by {@code argsz}, as the compat handlers copy it: only the mandatory part
 * (offsetofend of its last mandatory field, the layout's minimum size) is read from the user, into a
 * zeroed image of the kernel's size. The kernel then compares argsz with that minimum itself.
 */
final class ArgszStruct {
    private final UapiStruct layout;
    private final byte[] image;

    private ArgszStruct(UapiStruct layout, byte[] image) {
        this.layout = layout;
        this.image = image;
    }

    /** copy_from_user(&cmd, arg, minsz): EFAULT if those bytes cannot be read. */
    static ArgszStruct copyIn(IoctlCommand command, UserMemory memory, long arg) throws IommufdException {
        UapiStruct layout = command.struct();
        byte[] image = new byte[layout.size()];
        memory.copyFromUser(arg, image, 0, layout.minSize());
        return new ArgszStruct(layout, image);
    }

    int minsz() {
        return layout.minSize();
    }

    /** {@code argsz < minsz}: the caller's struct is older than the mandatory part (EINVAL). */
    boolean argszTooSmall() {
        return get("argsz") < layout.minSize();
    }

    long get(String field) {
        return layout.require(field).get(image);
    }

    void set(String field, long value) {
        layout.require(field).set(image, value);
    }

    /** copy_to_user(arg, &cmd, length): the first {@code length} bytes; EFAULT if they cannot be written. */
    void copyOut(UserMemory memory, long arg, int length) throws IommufdException {
        memory.copyToUser(arg, image, 0, length);
    }
}
