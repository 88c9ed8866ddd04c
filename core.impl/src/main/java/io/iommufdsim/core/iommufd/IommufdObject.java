package io.iommufdsim.core.iommufd;

import java.util.concurrent.atomic.AtomicInteger;

/**
 * The header every iommufd object shares (iommufd_private.h: struct iommufd_object): its id in the
 * context's {@link ObjectTable}, its type, and its {@code users} count. A new object starts with one
 * user, the table's; any other object or file that depends on it adds one (reference §6.2), and
 * IOMMU_DESTROY succeeds only while the count is exactly 1.
 */
public abstract class IommufdObject {
    private final ObjectType type;
    private final AtomicInteger users = new AtomicInteger(1);
    private int id;

    protected IommufdObject(ObjectType type) {
        this.type = type;
    }

    /** The object's id; 0 until {@link ObjectTable#reserve} has given it one. */
    public final int id() {
        return id;
    }

    public final ObjectType type() {
        return type;
    }

    /** The current users count (1 = only the table holds the object). */
    public final int users() {
        return users.get();
    }

    /** refcount_inc(&obj->users): another object or file now depends on this one. */
    public final void addUser() {
        users.incrementAndGet();
    }

    /** refcount_dec(&obj->users): a dependent went away. The table's own reference is never dropped here. */
    public final void dropUser() {
        int left = users.decrementAndGet();
        if (left < 1) {
            users.incrementAndGet();
            throw new IllegalStateException(type + " " + id + ": users count underflow");
        }
    }

    /**
     * The type's destroy op (main.c: iommufd_object_ops[].destroy): release whatever the object holds,
     * dropping the users it took on other objects. Called by the table once the object has left it.
     */
    protected abstract void destroy();

    /**
     * The type's abort op, used when a fully initialised object is abandoned before it was published
     * (main.c: iommufd_object_abort_and_destroy). Types without a separate abort op destroy.
     */
    protected void abort() {
        destroy();
    }

    final void assignId(int newId) {
        this.id = newId;
    }

    /** refcount_dec_if_one(&obj->users). */
    final boolean dropLastUser() {
        return users.compareAndSet(1, 0);
    }

    /** Undo of {@link #dropLastUser} when the removal is abandoned. */
    final void restoreLastUser() {
        users.set(1);
    }

    @Override
    public String toString() {
        return type + "#" + id;
    }
}
