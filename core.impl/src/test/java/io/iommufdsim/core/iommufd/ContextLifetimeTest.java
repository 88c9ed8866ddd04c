package io.iommufdsim.core.iommufd;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.iommufdsim.api.Errno;
import io.iommufdsim.api.IommufdException;
import io.iommufdsim.api.IommufdFile;
import io.iommufdsim.api.uapi.IoctlCommand;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** open/close of /dev/iommu (main.c: iommufd_fops_open, iommufd_fops_release). */
class ContextLifetimeTest {
    private final List<String> log = new ArrayList<>();
    private final Harness h = new Harness();

    ContextLifetimeTest() throws IommufdException {
    }

    @Test
    void openingTakesTheLowestFreeDescriptorFromThree() throws Exception {
        assertEquals(3, h.ctx.fd());
        IommufdFile second = h.machine.openIommufd(h.main);
        assertEquals(4, second.fd());
        h.ctx.close();
        assertEquals(3, h.machine.openIommufd(h.main).fd());
        assertEquals(AccountMode.USER, ((IommufdContext) second).accountMode());
    }

    @Test
    void closeDestroysEveryObjectLeafFirst() throws Exception {
        TestObject ioas = h.object(ObjectType.IOAS, log);
        TestObject hwpt = new TestObject(ObjectType.HWPT_PAGING, log, ioas).publishIn(h.ctx.objects());
        TestObject other = h.object(ObjectType.IOAS, log);
        new TestObject(ObjectType.HWPT_NESTED, log, hwpt).publishIn(h.ctx.objects());
        h.ctx.setCompatIoas(ioas);
        h.ctx.close();
        assertEquals(List.of("destroy IOAS#3", "destroy HWPT_NESTED#4", "destroy HWPT_PAGING#2", "destroy IOAS#1"), log);
        assertTrue(h.ctx.isReleased());
        assertTrue(h.ctx.objects().isEmpty());
        assertNull(h.ctx.compatIoas());
        assertEquals(1, other.destroyed);
        assertEquals(Errno.EBADF, assertThrows(IommufdException.class, () -> h.main.fds().get(3)).errno());
    }

    @Test
    void aReferenceHeldElsewhereKeepsTheObjectsAfterClose() throws Exception {
        TestObject ioas = h.object(ObjectType.IOAS, log);
        h.ctx.get(); // e.g. a bound device or an access
        h.ctx.close();
        assertFalse(h.ctx.isOpen());
        assertFalse(h.ctx.isReleased());
        assertSame(ioas, h.ctx.objects().get(ioas.id()));
        h.ctx.put();
        assertTrue(h.ctx.isReleased());
        assertEquals(List.of("destroy IOAS#1"), log);
    }

    @Test
    void closingTwiceIsHarmlessAndDoesNotCloseAReusedDescriptor() throws Exception {
        h.ctx.close();
        IommufdFile next = h.machine.openIommufd(h.main);
        assertEquals(3, next.fd());
        h.ctx.close();
        assertTrue(((IommufdContext) next).isOpen());
        assertSame(next, h.main.fds().get(3));
    }

    @Test
    void closingTheDescriptorThroughTheProcessReleasesTheContext() throws Exception {
        h.object(ObjectType.IOAS, log);
        h.main.closeFd(h.ctx.fd());
        assertTrue(h.ctx.isReleased());
        assertEquals(List.of("destroy IOAS#1"), log);
    }

    @Test
    void processExitReleasesTheContext() throws Exception {
        h.object(ObjectType.IOAS, log);
        h.main.exit();
        assertTrue(h.ctx.isReleased());
        assertEquals(List.of("destroy IOAS#1"), log);
    }

    @Test
    void aContextAlsoAnswersThroughTheProcessDescriptorTable() throws Exception {
        assertSame(h.ctx, h.main.fds().get(h.ctx.fd()));
        h.main.write(h.buf, Raw.struct(IoctlCommand.IOMMU_DESTROY, "id", 1));
        assertEquals(Errno.ENOENT, assertThrows(IommufdException.class,
                () -> h.ctx.ioctl(h.main, IoctlCommand.IOMMU_DESTROY.number(), h.buf, h.main.memory())).errno());
    }
}
