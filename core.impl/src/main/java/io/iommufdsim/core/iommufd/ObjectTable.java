package io.iommufdsim.core.iommufd;

import io.iommufdsim.api.Errno;
import io.iommufdsim.api.IommufdException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Consumer;

/**
 * A context's object ids, with the semantics of the xarray in main.c: ids are taken lowest-free
 * first from 1 up to 2^31-1 (XA_FLAGS_ALLOC1, xa_limit_31b); an object first {@link #reserve reserves}
 * its id (XA_ZERO_ENTRY) and becomes visible only when {@link #publish published}
 * (iommufd_object_finalize), or gives the id back with {@link #abort} / {@link #abortAndDestroy}.
 * Reserved ids and tombstones look missing (ENOENT) and are not reused while they stay.
 *
 * <p>Locking: this table's monitor is the xa_lock, the outermost lock of the core (context object
 * table → IOAS → iopt_pages → frame pins/accounting). Destroy ops run after it is dropped, so that an
 * object's destroy may drop users of other objects or remove them.
 *
 * <p>Short-term references: {@link #getHeld} is iommufd_get_object, which raises the users count for
 * the length of an ioctl so that a concurrent IOMMU_DESTROY of the object gets EBUSY; {@link #put} is
 * iommufd_put_object. (The kernel's wait_cnt, with which a kernel-initiated destroy waits for those
 * holders, is not modelled: such a destroy gets EBUSY as IOMMU_DESTROY does.)
 */
public final class ObjectTable {
    /** xa_limit_31b. */
    public static final int MAX_ID = Integer.MAX_VALUE;

    private enum State { RESERVED, PUBLISHED, TOMBSTONE }

    private static final class Slot {
        final IommufdObject object;
        State state;

        Slot(IommufdObject object, State state) {
            this.object = object;
            this.state = state;
        }
    }

    private final TreeMap<Integer, Slot> slots = new TreeMap<>();
    /** Free ids below {@link #next}; every id at or above {@code next} is free. */
    private final TreeSet<Integer> freeBelowNext = new TreeSet<>();
    private long next = 1;
    private final Consumer<IommufdObject> onRemove;

    /** A table; {@code onRemove} runs under the table lock when a published object leaves it. */
    public ObjectTable(Consumer<IommufdObject> onRemove) {
        this.onRemove = onRemove;
    }

    public ObjectTable() {
        this(o -> { });
    }

    /**
     * _iommufd_object_alloc: gives {@code object} the lowest free id without publishing it. EBUSY when
     * every id up to 2^31-1 is taken (xa_alloc).
     */
    public synchronized int reserve(IommufdObject object) throws IommufdException {
        if (object.id() != 0) {
            throw new IllegalStateException(object + " already has an id");
        }
        int id;
        if (!freeBelowNext.isEmpty()) {
            id = freeBelowNext.pollFirst();
        } else if (next <= MAX_ID) {
            id = (int) next++;
        } else {
            throw new IommufdException(Errno.EBUSY);
        }
        object.assignId(id);
        slots.put(id, new Slot(object, State.RESERVED));
        return id;
    }

    /** iommufd_object_finalize: makes a reserved object visible to lookups. */
    public synchronized void publish(IommufdObject object) {
        Slot slot = slotOf(object, State.RESERVED);
        slot.state = State.PUBLISHED;
    }

    /**
     * iommufd_object_abort: frees the id of an object that was reserved but never published, without
     * running its destroy op (nothing was initialised yet).
     */
    public synchronized void abort(IommufdObject object) {
        slotOf(object, State.RESERVED);
        if (!object.dropLastUser()) {
            // WARN_ON in the kernel: nobody may hold an unpublished object.
            throw new IllegalStateException(object + " is held by " + (object.users() - 1) + " others");
        }
        slots.remove(object.id());
        freeId(object.id());
    }

    /** iommufd_object_abort_and_destroy: runs the abort op of an initialised but unpublished object, then frees its id. */
    public void abortAndDestroy(IommufdObject object) {
        synchronized (this) {
            slotOf(object, State.RESERVED);
        }
        object.abort();
        abort(object);
    }

    /** iommufd_get_object(IOMMUFD_OBJ_ANY): missing, reserved or tombstoned ids → ENOENT. */
    public synchronized IommufdObject get(int id) throws IommufdException {
        Slot slot = slots.get(id);
        if (slot == null || slot.state != State.PUBLISHED) {
            throw new IommufdException(Errno.ENOENT);
        }
        return slot.object;
    }

    /** iommufd_get_object: as {@link #get(int)}, and an object of another type → ENOENT as well. */
    public synchronized IommufdObject get(int id, ObjectType type) throws IommufdException {
        IommufdObject object = get(id);
        if (object.type() != type) {
            throw new IommufdException(Errno.ENOENT);
        }
        return object;
    }

    /** {@link #get(int, ObjectType)} typed to the implementing class of that object type. */
    public <T extends IommufdObject> T get(int id, ObjectType type, Class<T> implementation)
            throws IommufdException {
        IommufdObject object = get(id, type);
        if (!implementation.isInstance(object)) {
            throw new IllegalStateException(object + " is a " + object.getClass().getName());
        }
        return implementation.cast(object);
    }

    /**
     * iommufd_get_object: as {@link #get(int, ObjectType)} (ENOENT for a missing, unpublished or other
     * type of object; {@code type} null is IOMMUFD_OBJ_ANY), and the object gains a users reference
     * until {@link #put}, atomically with the lookup, so that IOMMU_DESTROY meanwhile gets EBUSY.
     */
    public synchronized IommufdObject getHeld(int id, ObjectType type) throws IommufdException {
        IommufdObject object = type == null ? get(id) : get(id, type);
        object.addUser();
        return object;
    }

    /** {@link #getHeld(int, ObjectType)} typed to the implementing class of that object type. */
    public synchronized <T extends IommufdObject> T getHeld(int id, ObjectType type, Class<T> implementation)
            throws IommufdException {
        T object = get(id, type, implementation);
        object.addUser();
        return object;
    }

    /** Whether {@code object} is published in this table (not merely reserved, tombstoned or gone). */
    public synchronized boolean isPublished(IommufdObject object) {
        Slot slot = slots.get(object.id());
        return slot != null && slot.object == object && slot.state == State.PUBLISHED;
    }

    /** iommufd_put_object: gives back the reference {@link #getHeld} took. */
    public void put(IommufdObject object) {
        object.dropUser();
    }

    /**
     * iommufd_object_remove(ictx, NULL, id, 0), as IOMMU_DESTROY uses it: ENOENT for a missing,
     * reserved or tombstoned id; EBUSY while anything but the table holds the object; otherwise the
     * object leaves the table, its id becomes free and its destroy op runs.
     */
    public void remove(int id) throws IommufdException {
        IommufdObject object;
        synchronized (this) {
            Slot slot = slots.get(id);
            if (slot == null || slot.state != State.PUBLISHED) {
                throw new IommufdException(Errno.ENOENT);
            }
            object = slot.object;
            if (!object.dropLastUser()) {
                throw new IommufdException(Errno.EBUSY);
            }
            slots.remove(id);
            freeId(id);
            onRemove.accept(object);
        }
        object.destroy();
    }

    /**
     * iommufd_object_remove(ictx, obj, obj->id, flags) for a kernel-initiated destroy
     * (iommufd_object_destroy_user, iommufd_object_tombstone_user): the caller gives back the users
     * reference it held, then the object is removed if nobody else holds it (else EBUSY, and the
     * caller's reference stays dropped, as in the kernel). With {@code tombstone} the id stays taken
     * and looks missing until the context is released (reference §6.9).
     */
    public void removeHeld(IommufdObject object, boolean tombstone) throws IommufdException {
        synchronized (this) {
            Slot slot = slots.get(object.id());
            object.dropUser();
            if (slot == null || slot.object != object || slot.state != State.PUBLISHED) {
                throw new IommufdException(Errno.ENOENT);
            }
            if (!object.dropLastUser()) {
                throw new IommufdException(Errno.EBUSY);
            }
            if (tombstone) {
                slot.state = State.TOMBSTONE;
            } else {
                slots.remove(object.id());
                freeId(object.id());
            }
            onRemove.accept(object);
        }
        object.destroy();
    }

    /** xa_empty: true only if no id is taken at all — reserved ids and tombstones count as taken. */
    public synchronized boolean isEmpty() {
        return slots.isEmpty();
    }

    /** The published objects, lowest id first (tombstones and reserved ids excluded). */
    public synchronized List<IommufdObject> objects() {
        List<IommufdObject> list = new ArrayList<>();
        for (Slot slot : slots.values()) {
            if (slot.state == State.PUBLISHED) {
                list.add(slot.object);
            }
        }
        return list;
    }

    /**
     * iommufd_fops_release: destroys every object whose only user is the table, lowest id first,
     * and repeats until none is left — leaves go first and free their parents for the next round.
     * If a round destroys nothing while objects remain (a users-count bug; WARN in the kernel) the
     * rest is left alone. Tombstones and everything else are then dropped with the table.
     */
    public void releaseAll() {
        while (true) {
            boolean empty = true;
            int destroyed = 0;
            for (Map.Entry<Integer, Slot> entry : snapshotPublished()) {
                empty = false;
                IommufdObject object = entry.getValue().object;
                synchronized (this) {
                    if (slots.get(entry.getKey()) != entry.getValue() || !object.dropLastUser()) {
                        continue;
                    }
                    slots.remove(entry.getKey());
                    freeId(entry.getKey());
                    onRemove.accept(object);
                }
                destroyed++;
                object.destroy();
            }
            if (empty || destroyed == 0) {
                break;
            }
        }
        synchronized (this) {
            slots.clear();
            freeBelowNext.clear();
            next = 1;
        }
    }

    private synchronized List<Map.Entry<Integer, Slot>> snapshotPublished() {
        List<Map.Entry<Integer, Slot>> list = new ArrayList<>();
        for (Map.Entry<Integer, Slot> e : slots.entrySet()) {
            if (e.getValue().state == State.PUBLISHED) {
                list.add(Map.entry(e.getKey(), e.getValue()));
            }
        }
        return list;
    }

    private Slot slotOf(IommufdObject object, State expected) {
        Slot slot = slots.get(object.id());
        if (slot == null || slot.object != object || slot.state != expected) {
            throw new IllegalStateException(object + " is not " + expected + " in this table");
        }
        return slot;
    }

    private void freeId(int id) {
        if (id == next - 1) {
            next--;
            while (!freeBelowNext.isEmpty() && freeBelowNext.last() == next - 1) {
                freeBelowNext.pollLast();
                next--;
            }
        } else {
            freeBelowNext.add(id);
        }
    }
}
