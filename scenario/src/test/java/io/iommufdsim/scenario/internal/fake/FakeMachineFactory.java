package io.iommufdsim.scenario.internal.fake;

import io.iommufdsim.api.SimMachineFactory;
import java.util.ArrayList;
import java.util.List;

/** A small stand-in for the core, enough to test the runner's own behaviour. */
public final class FakeMachineFactory implements SimMachineFactory {
    public final List<FakeMachine> machines = new ArrayList<>();

    @Override
    public FakeMachine newMachine() {
        FakeMachine m = new FakeMachine();
        machines.add(m);
        return m;
    }
}
