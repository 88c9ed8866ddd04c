package io.iommufdsim.scenario.internal.ops;

import io.iommufdsim.api.Errno;
import io.iommufdsim.api.IommufdException;
import io.iommufdsim.api.SimDevice;
import io.iommufdsim.api.SimMachine;
import io.iommufdsim.api.SimProcess;
import io.iommufdsim.scenario.internal.values.Vars;
import java.util.HashMap;
import java.util.Map;

/** The state of one parameter row: a fresh machine, its ctxs and the variables saved so far. */
public final class Session implements AutoCloseable {
    public static final String DEFAULT_CTX = "default";

    private final SimMachine machine;
    private final Vars vars = new Vars();
    private final Map<String, Ctx> ctxs = new HashMap<>();

    public Session(SimMachine machine) {
        this.machine = machine;
    }

    public SimMachine machine() {
        return machine;
    }

    public Vars vars() {
        return vars;
    }

    /** The ctx of this name; a new name starts with the default process. */
    public Ctx ctx(String name) {
        return ctxs.computeIfAbsent(name, n -> new Ctx(machine, machine.process(SimMachine.DEFAULT_PROCESS)));
    }

    /** The process {@code name}: {@link Errno#ESRCH} ("no such process") when there is none. */
    public SimProcess process(String name) throws IommufdException {
        SimProcess p = machine.process(name);
        if (p == null) {
            throw new IommufdException(Errno.ESRCH);
        }
        return p;
    }

    /** The device {@code name}: {@link Errno#ENOENT} when there is none (scenario-format.md). */
    public SimDevice device(String name) throws IommufdException {
        SimDevice d = machine.device(name);
        if (d == null) {
            throw new IommufdException(Errno.ENOENT);
        }
        return d;
    }

    @Override
    public void close() {
        machine.close();
    }
}
