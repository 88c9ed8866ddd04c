package io.iommufdsim.launcher;

import java.util.List;
import java.util.Map;

/**
 * One parsed command line: the main job (the demo), {@code run} with its options and paths, or help.
 *
 * @param paths the files and directories as the user spelled them (not yet resolved)
 */
record Invocation(Command command, boolean json, Map<String, String> only, List<String> paths) {
    enum Command { DEMO, RUN, HELP }

    static final Invocation DEMO = new Invocation(Command.DEMO, false, Map.of(), List.of());
    static final Invocation HELP = new Invocation(Command.HELP, false, Map.of(), List.of());

    Invocation {
        only = Map.copyOf(only);
        paths = List.copyOf(paths);
    }
}
