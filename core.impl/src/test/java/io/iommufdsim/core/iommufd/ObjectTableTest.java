package io.iommufdsim.core.iommufd;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.iommufdsim.api.Errno;
import io.iommufdsim.api.IommufdException;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class ObjectTableTest {
    private final List<String> log = new ArrayList<>();
    private final ObjectTable table = new ObjectTable();

    private TestObject ioas() {
        return new TestObject(ObjectType.IOAS, log);
    }

    private static void assertErrno(Errno expected, org.junit.jupiter.api.function.Executable call) {
        assertEquals(expected, assertThrows(IommufdException.class, call).errno());
    }

    @Test
    void idsStartAtOneAndTheLowestFreeIdIsReused() throws Exception {
        TestObject a = ioas().publishIn(table);
        TestObject b = ioas().publishIn(table);
        TestObject c = ioas().publishIn(table);
        assertEquals(List.of(1, 2, 3), List.of(a.id(), b.id(), c.id()));
        table.remove(2);
        table.remove(1);
        assertEquals(1, ioas().publishIn(table).id());
        assertEquals(2, ioas().publishIn(table).id());
        assertEquals(4, ioas().publishIn(table).id());
    }

    @Test
    void freeingTheHighestIdsLetsThemBeTakenAgainInOrder() throws Exception {
        for (int i = 0; i < 5; i++) {
            ioas().publishIn(table);
        }
        table.remove(5);
        table.remove(3);
        table.remove(4);
        assertEquals(3, ioas().publishIn(table).id());
        assertEquals(4, ioas().publishIn(table).id());
        assertEquals(5, ioas().publishIn(table).id());
        assertEquals(6, ioas().publishIn(table).id());
    }

    @Test
    void aReservedIdIsInvisibleAndNotReusedUntilAborted() throws Exception {
        TestObject pending = ioas();
        table.reserve(pending);
        assertErrno(Errno.ENOENT, () -> table.get(1));
        assertErrno(Errno.ENOENT, () -> table.remove(1));
        assertEquals(List.of(), table.objects());
        assertEquals(2, ioas().publishIn(table).id());
        table.abort(pending);
        assertEquals(0, pending.destroyed + pending.aborted);
        assertEquals(1, ioas().publishIn(table).id());
    }

    @Test
    void abortAndDestroyRunsTheAbortOpAndFreesTheId() throws Exception {
        TestObject parent = ioas().publishIn(table);
        TestObject child = new TestObject(ObjectType.HWPT_PAGING, log, parent);
        table.reserve(child);
        assertEquals(2, parent.users());
        table.abortAndDestroy(child);
        assertEquals(1, child.aborted);
        assertEquals(1, parent.users());
        assertEquals(2, ioas().publishIn(table).id());
    }

    @Test
    void lookupOfAnotherTypeIsEnoent() throws Exception {
        TestObject a = ioas().publishIn(table);
        assertSame(a, table.get(a.id(), ObjectType.IOAS));
        assertErrno(Errno.ENOENT, () -> table.get(a.id(), ObjectType.HWPT_PAGING));
        assertErrno(Errno.ENOENT, () -> table.get(0));
        assertErrno(Errno.ENOENT, () -> table.get(-1));
    }

    @Test
    void removeOfAHeldObjectIsEbusyAndKeepsIt() throws Exception {
        TestObject parent = ioas().publishIn(table);
        TestObject child = new TestObject(ObjectType.HWPT_PAGING, log, parent).publishIn(table);
        assertErrno(Errno.EBUSY, () -> table.remove(parent.id()));
        assertSame(parent, table.get(parent.id()));
        assertEquals(2, parent.users());
        assertEquals(0, parent.destroyed);
        table.remove(child.id());
        table.remove(parent.id());
        assertEquals(List.of("destroy HWPT_PAGING#2", "destroy IOAS#1"), log);
        assertTrue(table.isEmpty());
    }

    @Test
    void aTombstoneLooksMissingKeepsItsIdAndMakesTheTableNonEmpty() throws Exception {
        TestObject vdev = new TestObject(ObjectType.VDEVICE, log).publishIn(table);
        vdev.addUser(); // the caller's reference
        table.removeHeld(vdev, true);
        assertEquals(1, vdev.destroyed);
        assertErrno(Errno.ENOENT, () -> table.get(1));
        assertErrno(Errno.ENOENT, () -> table.remove(1));
        assertEquals(2, ioas().publishIn(table).id());
        table.remove(2);
        assertTrue(!table.isEmpty());
        assertEquals(List.of(), table.objects());
    }

    @Test
    void releaseDestroysLeavesFirstUntilNothingIsLeft() throws Exception {
        TestObject ioas = ioas().publishIn(table);
        TestObject hwpt = new TestObject(ObjectType.HWPT_PAGING, log, ioas).publishIn(table);
        TestObject nested = new TestObject(ObjectType.HWPT_NESTED, log, hwpt).publishIn(table);
        table.releaseAll();
        assertEquals(List.of("destroy HWPT_NESTED#3", "destroy HWPT_PAGING#2", "destroy IOAS#1"), log);
        assertTrue(table.isEmpty());
        assertEquals(1, nested.destroyed);
    }
}
