package io.iommufdsim.core.iommufd;

import io.iommufdsim.api.IommufdException;
import io.iommufdsim.api.SimProcess;
import io.iommufdsim.api.UserMemory;
import io.iommufdsim.api.uapi.IoctlCommand;
import io.iommufdsim.api.uapi.UapiField;
import io.iommufdsim.api.uapi.UapiStruct;
import io.iommufdsim.core.mem.ProcessImpl;

/**
 * One iommufd ioctl in progress (iommufd_private.h: struct iommufd_ucmd): the context, the calling
 * process, the caller's memory, the user pointer, the size the user declared and the kernel-size image
 * of the struct (zero-filled past a shorter user size). A handler reads and writes fields by their
 * uAPI names and calls {@link #respond()} to copy the result out.
 */
public final class IoctlCall {
    private final IommufdContext context;
    private final SimProcess caller;
    private final UserMemory memory;
    private final IoctlCommand command;
    private final long arg;
    private final long userSize;
    private final byte[] image;
    private IommufdObject newObject;

    IoctlCall(IommufdContext context, SimProcess caller, UserMemory memory, IoctlCommand command, long arg,
              long userSize, byte[] image) {
        this.context = context;
        this.caller = caller;
        this.memory = memory;
        this.command = command;
        this.arg = arg;
        this.userSize = userSize;
        this.image = image;
    }

    public IommufdContext context() {
        return context;
    }

    /** The context's object table. */
    public ObjectTable objects() {
        return context.objects();
    }

    public SimProcess caller() {
        return caller;
    }

    /** The caller as the memory model's process (its mm, user, fd table and RLIMIT_MEMLOCK). */
    public ProcessImpl process() {
        if (!(caller instanceof ProcessImpl)) {
            throw new IllegalStateException(caller + " is not a process of a simulated machine");
        }
        return (ProcessImpl) caller;
    }

    /** The caller's address space, for user pointers inside the struct. */
    public UserMemory memory() {
        return memory;
    }

    public IoctlCommand command() {
        return command;
    }

    public UapiStruct struct() {
        return command.struct();
    }

    /** The user address of the struct. */
    public long arg() {
        return arg;
    }

    /** The {@code size} word the user passed, unsigned (may be below or above the kernel size). */
    public long userSize() {
        return userSize;
    }

    /** A field of the struct, zero-extended (sign-extended for signed fields). */
    public long get(String field) {
        return struct().require(field).get(image);
    }

    /** A u32 object-id field as the table's int id (ids above 2^31-1 become negative and never match). */
    public int id(String field) {
        return (int) get(field);
    }

    /** Sets a field of the kernel's copy; the user sees it only after {@link #respond()}. */
    public void set(String field, long value) {
        struct().require(field).set(image, value);
    }

    /**
     * iommufd_ucmd_respond: copies min(user size, kernel size) bytes of the struct back to the user;
     * EFAULT if that fails.
     */
    public void respond() throws IommufdException {
        memory.copyToUser(arg, image, 0, (int) Math.min(userSize, image.length));
    }

    /** Copies one field back to the user, as IOMMU_OPTION does for {@code val64}; EFAULT on failure. */
    public void respondField(String field) throws IommufdException {
        UapiField f = struct().require(field);
        memory.copyToUser(arg + f.offset(), image, f.offset(), f.width());
    }

    /**
     * _iommufd_object_alloc_ucmd: reserves an id for {@code object} and makes this call its owner. When
     * the handler returns, the dispatcher publishes it on success, or aborts and destroys it on failure
     * (so a failed ioctl — a failed write-back included — frees the id).
     */
    public <T extends IommufdObject> T allocObject(T object) throws IommufdException {
        if (newObject != null) {
            throw new IllegalStateException(command + " already allocated " + newObject);
        }
        context.objects().reserve(object);
        newObject = object;
        return object;
    }

    IommufdObject newObject() {
        return newObject;
    }

    byte[] image() {
        return image;
    }
}
