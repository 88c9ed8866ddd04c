package io.iommufdsim.launcher;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The {@code iommufd-sim} command line: {@code run [--json] [--only KEY=VALUE]... FILE_OR_DIR...}
 * (../shared/spec/scenario-format.md "Running"), no arguments for the main job, or {@code help}.
 */
final class CommandLine {
    /**
     * The framework property that carries the arguments into the OSGi framework. Each argument is
     * preceded by {@link #SEPARATOR} (so arguments may hold spaces, and "" is no argument at all);
     * a value that does not start with it is split at whitespace, for hand-typed {@code -D} options.
     */
    static final String ARGS_PROPERTY = "iommufdsim.args";
    /** ASCII unit separator: cannot appear in a file name typed on a command line by accident. */
    static final char SEPARATOR = '\u001f';

    static final String USAGE = """
            usage: iommufd-sim                      run the demo scenario (IOAS map, copy, access, unmap;
                                                    a VT-d device's DMA through a 2 MiB page)
                   iommufd-sim run [--json] [--only KEY=VALUE]... FILE_OR_DIR...
                                                    run scenario files; a directory runs its *.json by name
                   iommufd-sim help                 this text
            exit status: 0 every expectation held, 1 one did not, 2 invalid scenario or usage,
                         3 the simulator itself failed
            """;

    private CommandLine() {
    }

    /** Splits the value of {@link #ARGS_PROPERTY} back into the arguments the user typed. */
    static List<String> decode(String encoded) {
        List<String> args = new ArrayList<>();
        if (encoded.isEmpty()) {
            return args;
        }
        if (encoded.charAt(0) == SEPARATOR) {
            int start = 1;
            for (int next; (next = encoded.indexOf(SEPARATOR, start)) >= 0; start = next + 1) {
                args.add(encoded.substring(start, next));
            }
            args.add(encoded.substring(start));
            return args;
        }
        for (String word : encoded.trim().split("\\s+")) {
            if (!word.isEmpty()) {
                args.add(word);
            }
        }
        return args;
    }

    /** The inverse of {@link #decode} for separator-encoded values. */
    static String encode(List<String> args) {
        StringBuilder encoded = new StringBuilder();
        for (String arg : args) {
            encoded.append(SEPARATOR).append(arg);
        }
        return encoded.toString();
    }

    static Invocation parse(List<String> args) throws UsageException {
        if (args.isEmpty()) {
            return Invocation.DEMO;
        }
        String command = args.get(0);
        switch (command) {
            case "help", "--help", "-h" -> {
                if (args.size() > 1) {
                    throw new UsageException("help takes no arguments");
                }
                return Invocation.HELP;
            }
            case "run" -> {
                return parseRun(args.subList(1, args.size()));
            }
            default -> throw new UsageException("unknown command '" + command + "'");
        }
    }

    private static Invocation parseRun(List<String> args) throws UsageException {
        boolean json = false;
        Map<String, String> only = new LinkedHashMap<>();
        List<String> paths = new ArrayList<>();
        boolean options = true;
        for (int i = 0; i < args.size(); i++) {
            String arg = args.get(i);
            if (options && arg.equals("--")) {
                options = false;
            } else if (options && arg.equals("--json")) {
                json = true;
            } else if (options && arg.equals("--only")) {
                if (i + 1 == args.size()) {
                    throw new UsageException("--only needs KEY=VALUE");
                }
                addFilter(only, args.get(++i));
            } else if (options && arg.startsWith("-") && arg.length() > 1) {
                throw new UsageException("unknown option '" + arg + "'");
            } else {
                paths.add(arg);
            }
        }
        if (paths.isEmpty()) {
            throw new UsageException("run needs at least one scenario file or directory");
        }
        return new Invocation(Invocation.Command.RUN, json, only, paths);
    }

    private static void addFilter(Map<String, String> only, String filter) throws UsageException {
        int eq = filter.indexOf('=');
        if (eq <= 0) {
            throw new UsageException("--only needs KEY=VALUE, got '" + filter + "'");
        }
        String key = filter.substring(0, eq);
        if (only.putIfAbsent(key, filter.substring(eq + 1)) != null) {
            throw new UsageException("--only " + key + " is given twice");
        }
    }
}
