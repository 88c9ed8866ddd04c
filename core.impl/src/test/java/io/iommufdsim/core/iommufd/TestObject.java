package io.iommufdsim.core.iommufd;

import java.util.List;

/** An object for table tests: records its destroy/abort in a log and may hold a parent. */
final class TestObject extends IommufdObject {
    private final List<String> log;
    private final IommufdObject parent;
    int destroyed;
    int aborted;

    TestObject(ObjectType type, List<String> log) {
        this(type, log, null);
    }

    TestObject(ObjectType type, List<String> log, IommufdObject parent) {
        super(type);
        this.log = log;
        this.parent = parent;
        if (parent != null) {
            parent.addUser();
        }
    }

    @Override
    protected void destroy() {
        destroyed++;
        log.add("destroy " + this);
        if (parent != null) {
            parent.dropUser();
        }
    }

    @Override
    protected void abort() {
        aborted++;
        log.add("abort " + this);
        if (parent != null) {
            parent.dropUser();
        }
    }

    /** Reserves and publishes in {@code table}. */
    TestObject publishIn(ObjectTable table) throws Exception {
        table.reserve(this);
        table.publish(this);
        return this;
    }
}
