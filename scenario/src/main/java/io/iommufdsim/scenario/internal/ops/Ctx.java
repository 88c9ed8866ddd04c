package io.iommufdsim.scenario.internal.ops;

import io.iommufdsim.api.IommufdException;
import io.iommufdsim.api.IommufdFile;
import io.iommufdsim.api.SimMachine;
import io.iommufdsim.api.SimProcess;

/**
 * A step's {@code ctx}: an iommufd file opened on first use by the ctx's current process, and that
 * process (SIM_PROCESS switches it). After SIM_CLOSE the next use opens a new file.
 */
public final class Ctx {
    private final SimMachine machine;
    private SimProcess process;
    private IommufdFile file;

    Ctx(SimMachine machine, SimProcess process) {
        this.machine = machine;
        this.process = process;
    }

    public SimProcess process() {
        return process;
    }

    void switchTo(SimProcess p) {
        this.process = p;
    }

    /** The open iommufd file, opened now by the current process if there is none. */
    public IommufdFile file() throws IommufdException {
        if (file == null) {
            file = machine.openIommufd(process);
        }
        return file;
    }

    /** SIM_CLOSE: close never fails; a ctx never opened has nothing to close. */
    void close() {
        if (file != null) {
            IommufdFile f = file;
            file = null;
            f.close();
        }
    }
}
