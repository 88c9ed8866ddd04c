package io.iommufdsim.scenario.internal.ops;

import io.iommufdsim.api.uapi.IoctlCommand;
import java.util.Map;

/**
 * Every op a step may name: the SIM_ actions, and each ioctl {@link IoctlCommand} has a layout for.
 * An ioctl without a layout there is an unknown op.
 */
public final class OpCatalog {
    private final Map<String, Op> simOps = SimOps.all();

    /** The op of this name, or null. */
    public Op op(String name) {
        Op op = simOps.get(name);
        if (op != null) {
            return op;
        }
        IoctlCommand command = IoctlCommand.byName(name);
        return command == null ? null : new IoctlOp(command);
    }
}
