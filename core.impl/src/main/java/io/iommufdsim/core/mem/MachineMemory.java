package io.iommufdsim.core.mem;

import io.iommufdsim.api.Capability;
import io.iommufdsim.api.Errno;
import io.iommufdsim.api.IommufdException;
import io.iommufdsim.api.SimMachine;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The memory side of one simulated machine: physical memory, the frame allocator, the frame pin
 * counts, fault injection, the per-uid user_structs and the processes by name.
 */
public final class MachineMemory {
    /** Physical address width of the simulated machine (46 bits = 64 TiB, like many x86 servers). */
    public static final int DEFAULT_PHYSICAL_ADDRESS_BITS = 46;
    /** uid of the default process. */
    public static final int DEFAULT_UID = 1000;

    private final SparsePhysicalMemory physical;
    private final FaultInjection faults = new FaultInjection();
    private final FrameAllocator frames;
    private final FramePins pins = new FramePins(faults);
    private final Map<Integer, UserStruct> users = new LinkedHashMap<>();
    private final Map<String, ProcessImpl> processes = new LinkedHashMap<>();

    public MachineMemory(int physicalAddressBits) {
        this.physical = new SparsePhysicalMemory(physicalAddressBits);
        this.frames = new FrameAllocator(physical, faults);
    }

    /**
     * A machine with the default process {@value SimMachine#DEFAULT_PROCESS}: uid 1000,
     * CAP_SYS_RESOURCE, RLIMIT_MEMLOCK 8 MiB (scenario-format.md, "Processes").
     */
    public static MachineMemory createDefault() {
        MachineMemory m = new MachineMemory(DEFAULT_PHYSICAL_ADDRESS_BITS);
        try {
            m.createProcess(SimMachine.DEFAULT_PROCESS, DEFAULT_UID, EnumSet.of(Capability.CAP_SYS_RESOURCE));
        } catch (IommufdException e) {
            throw new IllegalStateException(e);
        }
        return m;
    }

    public SparsePhysicalMemory physical() {
        return physical;
    }

    public FrameAllocator frames() {
        return frames;
    }

    public FramePins pins() {
        return pins;
    }

    public FaultInjection faults() {
        return faults;
    }

    /** The user_struct of {@code uid}, created on first use. */
    public synchronized UserStruct user(int uid) {
        return users.computeIfAbsent(uid, UserStruct::new);
    }

    /** The process {@code name} (alive or exited), or null. */
    public synchronized ProcessImpl process(String name) {
        return processes.get(name);
    }

    /** Processes in creation order. */
    public synchronized List<ProcessImpl> processes() {
        return new ArrayList<>(processes.values());
    }

    /** A new process with RLIMIT_MEMLOCK 8 MiB; EEXIST if the name is taken, EINVAL for a null or empty name. */
    public synchronized ProcessImpl createProcess(String name, int uid, Set<Capability> capabilities)
            throws IommufdException {
        if (name == null || name.isEmpty() || capabilities == null) {
            throw new IommufdException(Errno.EINVAL);
        }
        if (processes.containsKey(name)) {
            throw new IommufdException(Errno.EEXIST);
        }
        ProcessImpl p = new ProcessImpl(this, name, uid, capabilities, user(uid));
        processes.put(name, p);
        return p;
    }

    /** Every process exits (machine shutdown). */
    public void shutdown() {
        for (ProcessImpl p : processes()) {
            p.exit();
        }
    }
}
