package io.iommufdsim.scenario.internal;

import com.fasterxml.jackson.databind.JsonNode;
import io.iommufdsim.api.DmaFaultException;
import io.iommufdsim.api.IommufdException;
import io.iommufdsim.api.SimMachineFactory;
import io.iommufdsim.scenario.ScenarioRunner;
import io.iommufdsim.scenario.internal.doc.InvalidScenarioException;
import io.iommufdsim.scenario.internal.doc.ParamRow;
import io.iommufdsim.scenario.internal.doc.ScenarioDocument;
import io.iommufdsim.scenario.internal.doc.Step;
import io.iommufdsim.scenario.internal.ops.OpCatalog;
import io.iommufdsim.scenario.internal.ops.Session;
import io.iommufdsim.scenario.internal.ops.StepCall;
import io.iommufdsim.scenario.internal.values.Checker;
import io.iommufdsim.scenario.internal.values.StepError;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * One {@code iommufd-sim run}: each file is parsed and validated whole (an invalid file runs no step),
 * then each selected parameter row runs on a fresh machine, step by step, printing one result each.
 */
final class ScenarioExecution {
    private static final String OK = "OK";
    /** The status of a step the runner could not carry out (see {@link StepError}). */
    private static final String ERROR = "ERROR";

    private final SimMachineFactory factory;
    private final OpCatalog catalog;
    private final Map<String, String> only;
    private final OutputFormat format;
    private int passed;
    private int failed;
    private boolean invalid;

    ScenarioExecution(SimMachineFactory factory, OpCatalog catalog, Map<String, String> only, PrintStream out,
                      boolean json) {
        this.factory = factory;
        this.catalog = catalog;
        this.only = only;
        this.format = new OutputFormat(out, json);
    }

    int run(List<Path> paths) {
        for (Path path : paths) {
            for (Path file : scenarioFiles(path)) {
                runFile(file);
            }
        }
        format.summary(passed, failed);
        if (invalid) {
            return ScenarioRunner.EXIT_INVALID;
        }
        return failed > 0 ? ScenarioRunner.EXIT_FAILED : ScenarioRunner.EXIT_PASSED;
    }

    /** A file as itself; a directory as its {@code *.json} files (recursively), in name order. */
    private List<Path> scenarioFiles(Path path) {
        if (!Files.isDirectory(path)) {
            return List.of(path);
        }
        try (Stream<Path> walk = Files.walk(path)) {
            return walk.filter(p -> Files.isRegularFile(p) && p.getFileName().toString().endsWith(".json"))
                    .sorted().toList();
        } catch (IOException e) {
            format.invalid(new InvalidScenarioException(path.toString(), -1, null, "cannot be listed: " + e.getMessage()));
            invalid = true;
            return List.of();
        }
    }

    private void runFile(Path path) {
        String file = path.toString();
        List<ParamRow> rows;
        try {
            byte[] content;
            try {
                content = Files.readAllBytes(path);
            } catch (IOException e) {
                throw new InvalidScenarioException(file, -1, null, "cannot be read: " + e.getMessage());
            }
            rows = ScenarioDocument.parse(file, content).rows(catalog);
        } catch (InvalidScenarioException e) {
            format.invalid(e);
            invalid = true;
            return;
        }
        for (ParamRow row : rows) {
            if (row.selectedBy(only)) {
                runRow(file, row);
            }
        }
    }

    private void runRow(String file, ParamRow row) {
        format.row(file, row.index(), row.params());
        try (Session session = new Session(factory.newMachine())) {
            for (Step step : row.steps()) {
                StepResult r = runStep(file, row.index(), session, step);
                if (r.ok()) {
                    passed++;
                } else {
                    failed++;
                }
                format.step(r);
            }
        }
    }

    private StepResult runStep(String file, int row, Session session, Step step) {
        String expect = step.expect() == null ? OK : step.expect().name();
        StepCall call = new StepCall(session, step.ctx(), step.args());
        String status;
        String failure = null;
        try {
            step.op().run(call);
            status = OK;
        } catch (IommufdException e) {
            status = e.errno().name();
        } catch (StepError e) {
            status = ERROR;
            failure = e.getMessage();
        } catch (RuntimeException e) {
            // a defect below the runner: reported on its step, the run goes on
            status = ERROR;
            failure = "internal error: " + e;
        }
        Map<String, Object> out = call.outputs();
        for (Map.Entry<String, String> save : step.save().entrySet()) {
            Object v = out.get(save.getValue());
            if (v != null) {
                session.vars().bind(save.getKey(), v);
            }
        }
        if (failure == null && !status.equals(expect)) {
            failure = "expected " + expect + ", got " + status;
        }
        if (failure == null) {
            failure = checkFailure(step.check(), out, session);
        }
        return new StepResult(file, row, step.index(), step.op().name(), status, expect, failure == null, out, failure);
    }

    private static String checkFailure(JsonNode check, Map<String, Object> out, Session session) {
        List<String> failures = new ArrayList<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = check.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            String m = Checker.mismatch(out.get(e.getKey()), e.getValue(), session.vars());
            if (m != null) {
                failures.add("check " + e.getKey() + ": " + m);
            }
        }
        return failures.isEmpty() ? null : String.join("; ", failures);
    }
}
