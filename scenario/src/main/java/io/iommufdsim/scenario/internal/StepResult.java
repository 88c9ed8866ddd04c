package io.iommufdsim.scenario.internal;

import java.util.Map;

/**
 * What one step did: the status it got ({@code OK}, an errno name, or {@code ERROR} when the runner
 * could not carry it out), whether every expectation held, the outputs, and why it failed.
 */
record StepResult(String file, int row, int step, String op, String status, String expect, boolean ok,
                  Map<String, Object> out, String failure) {
}
