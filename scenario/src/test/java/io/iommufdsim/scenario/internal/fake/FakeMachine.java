package io.iommufdsim.scenario.internal.fake;

import io.iommufdsim.api.Capability;
import io.iommufdsim.api.DeviceConfig;
import io.iommufdsim.api.Errno;
import io.iommufdsim.api.IommufdException;
import io.iommufdsim.api.IommufdFile;
import io.iommufdsim.api.SimDevice;
import io.iommufdsim.api.SimMachine;
import io.iommufdsim.api.SimProcess;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

public final class FakeMachine implements SimMachine {
    public final Map<String, FakeProcess> processes = new LinkedHashMap<>();
    public final Map<String, FakeDevice> devices = new LinkedHashMap<>();
    public final Map<String, Map<String, Object>> iommus = new LinkedHashMap<>();
    public final List<FakeFile> files = new ArrayList<>();
    public final List<String> driverEvents = new ArrayList<>();
    public boolean closed;

    FakeMachine() {
        processes.put(DEFAULT_PROCESS, new FakeProcess(DEFAULT_PROCESS, 1000, EnumSet.of(Capability.CAP_SYS_RESOURCE)));
        iommus.put("intel-vtd", Map.of());
    }

    @Override
    public SimProcess process(String name) {
        return processes.get(name);
    }

    @Override
    public SimProcess createProcess(String name, int uid, Set<Capability> capabilities) throws IommufdException {
        if (processes.containsKey(name)) {
            throw new IommufdException(Errno.EEXIST);
        }
        FakeProcess p = new FakeProcess(name, uid, capabilities);
        processes.put(name, p);
        return p;
    }

    @Override
    public IommufdFile openIommufd(SimProcess opener) throws IommufdException {
        FakeFile f = new FakeFile(((FakeProcess) opener).allocateFd(), opener);
        files.add(f);
        return f;
    }

    @Override
    public void addIommu(String driver, String name, Map<String, Object> config) throws IommufdException {
        if (!driver.equals("intel-vtd")) {
            throw new IommufdException(Errno.ENODEV);
        }
        if (iommus.containsKey(name)) {
            throw new IommufdException(Errno.EEXIST);
        }
        iommus.put(name, config);
    }

    @Override
    public SimDevice addDevice(String iommu, String name, DeviceConfig config) throws IommufdException {
        if (!iommus.containsKey(iommu)) {
            throw new IommufdException(Errno.ENOENT);
        }
        FakeDevice d = new FakeDevice(name, iommu, config);
        devices.put(name, d);
        return d;
    }

    @Override
    public SimDevice device(String name) {
        return devices.get(name);
    }

    @Override
    public void stopDriver(String driver) throws IommufdException {
        if (!driver.equals("intel-vtd")) {
            throw new IommufdException(Errno.ENOENT);
        }
        driverEvents.add("stop " + driver);
    }

    @Override
    public void startDriver(String driver) throws IommufdException {
        if (!driver.equals("intel-vtd")) {
            throw new IommufdException(Errno.ENOENT);
        }
        driverEvents.add("start " + driver);
    }

    @Override
    public void close() {
        closed = true;
    }
}
