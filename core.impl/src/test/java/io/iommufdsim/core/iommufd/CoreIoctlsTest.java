package io.iommufdsim.core.iommufd;

import static io.iommufdsim.api.uapi.IoctlCommand.IOMMU_DESTROY;
import static io.iommufdsim.api.uapi.IoctlCommand.IOMMU_OPTION;
import static io.iommufdsim.api.uapi.IoctlCommand.IOMMU_VFIO_IOAS;
import static io.iommufdsim.api.uapi.UapiConstants.IOMMU_OPTION_HUGE_PAGES;
import static io.iommufdsim.api.uapi.UapiConstants.IOMMU_OPTION_OP_GET;
import static io.iommufdsim.api.uapi.UapiConstants.IOMMU_OPTION_OP_SET;
import static io.iommufdsim.api.uapi.UapiConstants.IOMMU_OPTION_RLIMIT_MODE;
import static io.iommufdsim.api.uapi.UapiConstants.IOMMU_VFIO_IOAS_CLEAR;
import static io.iommufdsim.api.uapi.UapiConstants.IOMMU_VFIO_IOAS_GET;
import static io.iommufdsim.api.uapi.UapiConstants.IOMMU_VFIO_IOAS_SET;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;

import io.iommufdsim.api.Capability;
import io.iommufdsim.api.Errno;
import io.iommufdsim.api.IommufdException;
import io.iommufdsim.core.mem.ProcessImpl;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import org.junit.jupiter.api.Test;

/** IOMMU_DESTROY, IOMMU_OPTION and IOMMU_VFIO_IOAS (reference §3.1, §3.9, §3.10). */
class CoreIoctlsTest {
    private final List<String> log = new ArrayList<>();
    private final Harness h = new Harness();

    CoreIoctlsTest() throws IommufdException {
    }

    private long rlimitMode() throws IommufdException {
        byte[] out = h.ioctl(IOMMU_OPTION, "option_id", IOMMU_OPTION_RLIMIT_MODE, "op", IOMMU_OPTION_OP_GET);
        return Raw.field(IOMMU_OPTION, out, "val64");
    }

    // IOMMU_DESTROY

    @Test
    void destroyOfIdZeroOrAnUnknownIdIsEnoent() throws Exception {
        TestObject ioas = h.object(ObjectType.IOAS, log);
        h.fails(Errno.ENOENT, IOMMU_DESTROY, "id", 0);
        h.fails(Errno.ENOENT, IOMMU_DESTROY, "id", 2);
        h.fails(Errno.ENOENT, IOMMU_DESTROY, "id", 0xffffffffL);
        assertSame(ioas, h.ctx.objects().get(1));
        assertEquals(List.of(), log);
    }

    @Test
    void destroyOfAnObjectSomethingElseHoldsIsEbusyAndKeepsIt() throws Exception {
        TestObject ioas = h.object(ObjectType.IOAS, log);
        new TestObject(ObjectType.HWPT_PAGING, log, ioas).publishIn(h.ctx.objects());
        h.fails(Errno.EBUSY, IOMMU_DESTROY, "id", ioas.id());
        assertSame(ioas, h.ctx.objects().get(ioas.id()));
        assertEquals(2, ioas.users());
        assertEquals(List.of(), log);
    }

    @Test
    void destroyRemovesTheObjectAndItsIdIsReused() throws Exception {
        TestObject ioas = h.object(ObjectType.IOAS, log);
        h.ioctl(IOMMU_DESTROY, "id", ioas.id());
        assertEquals(List.of("destroy IOAS#1"), log);
        h.fails(Errno.ENOENT, IOMMU_DESTROY, "id", 1);
        assertEquals(1, h.object(ObjectType.IOAS, log).id());
    }

    @Test
    void destroyOfAnUnpublishedIdIsEnoent() throws Exception {
        TestObject pending = new TestObject(ObjectType.IOAS, log);
        h.ctx.objects().reserve(pending);
        h.fails(Errno.ENOENT, IOMMU_DESTROY, "id", pending.id());
        assertEquals(0, pending.destroyed);
    }

    // IOMMU_OPTION

    @Test
    void optionWithNonZeroReservedIsEopnotsupp() throws Exception {
        h.fails(Errno.EOPNOTSUPP, IOMMU_OPTION, "option_id", IOMMU_OPTION_RLIMIT_MODE, "op", IOMMU_OPTION_OP_SET,
                "__reserved", 1, "val64", 1);
        assertEquals(AccountMode.USER, h.ctx.accountMode());
    }

    @Test
    void anUnknownOptionIsEopnotsupp() throws Exception {
        h.fails(Errno.EOPNOTSUPP, IOMMU_OPTION, "option_id", 2, "op", IOMMU_OPTION_OP_GET);
        h.fails(Errno.EOPNOTSUPP, IOMMU_OPTION, "option_id", 0xffffffffL, "op", IOMMU_OPTION_OP_GET);
    }

    @Test
    void hugePagesIsDelegatedToTheHandlerItsOwnerRegisters() throws Exception {
        HandlerTable t = new HandlerTable();
        CoreIoctls.registerInto(t);
        t.registerOption(IOMMU_OPTION_HUGE_PAGES, call -> {
            call.set("val64", call.get("object_id") + 1000);
            return 0;
        });
        IommufdContext c = IommufdContext.open(t, h.main, h.main.fds());
        h.main.write(h.buf, Raw.struct(IOMMU_OPTION, "option_id", IOMMU_OPTION_HUGE_PAGES, "op", IOMMU_OPTION_OP_GET,
                "object_id", 5));
        c.ioctl(h.main, IOMMU_OPTION.number(), h.buf, h.main.memory());
        assertEquals(1005, Raw.field(IOMMU_OPTION, h.main.read(h.buf, 24), "val64"));
    }

    @Test
    void rlimitModeIsUserByDefaultAndSetToMmWithCapSysResource() throws Exception {
        assertEquals(0, rlimitMode());
        h.ioctl(IOMMU_OPTION, "option_id", IOMMU_OPTION_RLIMIT_MODE, "op", IOMMU_OPTION_OP_SET, "val64", 1);
        assertEquals(1, rlimitMode());
        assertEquals(AccountMode.MM, h.ctx.accountMode());
        h.ioctl(IOMMU_OPTION, "option_id", IOMMU_OPTION_RLIMIT_MODE, "op", IOMMU_OPTION_OP_SET, "val64", 0);
        assertEquals(0, rlimitMode());
    }

    @Test
    void rlimitModeSetWithoutCapSysResourceIsEpermAndChangesNothing() throws Exception {
        ProcessImpl user = h.machine.createProcess("user", 1001, EnumSet.noneOf(Capability.class));
        h.failsAs(Errno.EPERM, user, IOMMU_OPTION, "option_id", IOMMU_OPTION_RLIMIT_MODE, "op", IOMMU_OPTION_OP_SET,
                "val64", 1);
        assertEquals(AccountMode.USER, h.ctx.accountMode());
        // EPERM comes before the object check and before the value check
        h.object(ObjectType.IOAS, log);
        h.failsAs(Errno.EPERM, user, IOMMU_OPTION, "option_id", IOMMU_OPTION_RLIMIT_MODE, "op", IOMMU_OPTION_OP_SET,
                "val64", 2);
        // GET needs no capability
        byte[] out = h.ioctlAs(user, IOMMU_OPTION, "option_id", IOMMU_OPTION_RLIMIT_MODE, "op", IOMMU_OPTION_OP_GET);
        assertEquals(0, Raw.field(IOMMU_OPTION, out, "val64"));
    }

    @Test
    void rlimitModeSetWithAnyObjectIsEbusyBeforeTheValueIsChecked() throws Exception {
        TestObject ioas = h.object(ObjectType.IOAS, log);
        h.fails(Errno.EBUSY, IOMMU_OPTION, "option_id", IOMMU_OPTION_RLIMIT_MODE, "op", IOMMU_OPTION_OP_SET, "val64", 1);
        h.fails(Errno.EBUSY, IOMMU_OPTION, "option_id", IOMMU_OPTION_RLIMIT_MODE, "op", IOMMU_OPTION_OP_SET, "val64", 2);
        assertEquals(AccountMode.USER, h.ctx.accountMode());
        h.ioctl(IOMMU_DESTROY, "id", ioas.id());
        h.ioctl(IOMMU_OPTION, "option_id", IOMMU_OPTION_RLIMIT_MODE, "op", IOMMU_OPTION_OP_SET, "val64", 1);
        assertEquals(AccountMode.MM, h.ctx.accountMode());
    }

    @Test
    void rlimitModeSetWhileOnlyATombstoneRemainsIsEbusy() throws Exception {
        TestObject vdev = h.object(ObjectType.VDEVICE, log);
        vdev.addUser();
        h.ctx.objects().removeHeld(vdev, true);
        h.fails(Errno.EBUSY, IOMMU_OPTION, "option_id", IOMMU_OPTION_RLIMIT_MODE, "op", IOMMU_OPTION_OP_SET, "val64", 1);
        assertEquals(AccountMode.USER, h.ctx.accountMode());
    }

    @Test
    void rlimitModeValueTwoIsEinvalAndChangesNothing() throws Exception {
        byte[] out = h.fails(Errno.EINVAL, IOMMU_OPTION, "option_id", IOMMU_OPTION_RLIMIT_MODE, "op",
                IOMMU_OPTION_OP_SET, "val64", 2);
        assertEquals(2, Raw.field(IOMMU_OPTION, out, "val64"));
        assertEquals(AccountMode.USER, h.ctx.accountMode());
    }

    @Test
    void rlimitModeWithAnObjectIdOrAnUnknownOpIsEopnotsupp() throws Exception {
        h.fails(Errno.EOPNOTSUPP, IOMMU_OPTION, "option_id", IOMMU_OPTION_RLIMIT_MODE, "op", IOMMU_OPTION_OP_GET,
                "object_id", 1);
        h.fails(Errno.EOPNOTSUPP, IOMMU_OPTION, "option_id", IOMMU_OPTION_RLIMIT_MODE, "op", 2, "val64", 1);
        assertEquals(AccountMode.USER, h.ctx.accountMode());
    }

    @Test
    void aFailedGetWritesNothingBack() throws Exception {
        byte[] out = h.fails(Errno.EOPNOTSUPP, IOMMU_OPTION, "option_id", IOMMU_OPTION_RLIMIT_MODE, "op",
                IOMMU_OPTION_OP_GET, "object_id", 1, "val64", 99);
        assertEquals(99, Raw.field(IOMMU_OPTION, out, "val64"));
    }

    // IOMMU_VFIO_IOAS

    @Test
    void vfioIoasGetWithoutACompatIoasIsEnodev() throws Exception {
        byte[] out = h.fails(Errno.ENODEV, IOMMU_VFIO_IOAS, "op", IOMMU_VFIO_IOAS_GET, "ioas_id", 77);
        assertEquals(77, Raw.field(IOMMU_VFIO_IOAS, out, "ioas_id"));
    }

    @Test
    void vfioIoasSetOfSomethingThatIsNotAnIoasIsEnoent() throws Exception {
        TestObject fault = h.object(ObjectType.FAULT, log);
        h.fails(Errno.ENOENT, IOMMU_VFIO_IOAS, "op", IOMMU_VFIO_IOAS_SET, "ioas_id", 9);
        h.fails(Errno.ENOENT, IOMMU_VFIO_IOAS, "op", IOMMU_VFIO_IOAS_SET, "ioas_id", fault.id());
        assertNull(h.ctx.compatIoas());
    }

    @Test
    void vfioIoasSetGetAndClear() throws Exception {
        h.object(ObjectType.FAULT, log);
        TestObject ioas = h.object(ObjectType.IOAS, log);
        h.ioctl(IOMMU_VFIO_IOAS, "op", IOMMU_VFIO_IOAS_SET, "ioas_id", ioas.id());
        assertEquals(1, ioas.users()); // SET takes no reference
        byte[] out = h.ioctl(IOMMU_VFIO_IOAS, "op", IOMMU_VFIO_IOAS_GET);
        assertEquals(ioas.id(), Raw.field(IOMMU_VFIO_IOAS, out, "ioas_id"));
        h.ioctl(IOMMU_VFIO_IOAS, "op", IOMMU_VFIO_IOAS_CLEAR);
        h.fails(Errno.ENODEV, IOMMU_VFIO_IOAS, "op", IOMMU_VFIO_IOAS_GET);
        assertSame(ioas, h.ctx.objects().get(ioas.id(), ObjectType.IOAS)); // CLEAR destroys nothing
    }

    @Test
    void destroyingTheCompatIoasClearsIt() throws Exception {
        TestObject ioas = h.object(ObjectType.IOAS, log);
        h.ioctl(IOMMU_VFIO_IOAS, "op", IOMMU_VFIO_IOAS_SET, "ioas_id", ioas.id());
        h.ioctl(IOMMU_DESTROY, "id", ioas.id());
        h.fails(Errno.ENODEV, IOMMU_VFIO_IOAS, "op", IOMMU_VFIO_IOAS_GET);
        // the id is reused by a new IOAS, which is not the compat IOAS
        h.object(ObjectType.IOAS, log);
        h.fails(Errno.ENODEV, IOMMU_VFIO_IOAS, "op", IOMMU_VFIO_IOAS_GET);
    }

    @Test
    void vfioIoasWithNonZeroReservedOrAnUnknownOpIsEopnotsupp() throws Exception {
        TestObject ioas = h.object(ObjectType.IOAS, log);
        h.fails(Errno.EOPNOTSUPP, IOMMU_VFIO_IOAS, "op", IOMMU_VFIO_IOAS_SET, "ioas_id", ioas.id(), "__reserved", 1);
        h.fails(Errno.EOPNOTSUPP, IOMMU_VFIO_IOAS, "op", 3, "ioas_id", ioas.id());
        assertNull(h.ctx.compatIoas());
    }
}
