package io.iommufdsim.core.iommufd;

import static io.iommufdsim.api.uapi.IoctlCommand.IOMMU_DESTROY;
import static io.iommufdsim.api.uapi.IoctlCommand.IOMMU_HWPT_ALLOC;
import static io.iommufdsim.api.uapi.IoctlCommand.IOMMU_IOAS_ALLOC;
import static io.iommufdsim.api.uapi.IoctlCommand.IOMMU_OPTION;
import static io.iommufdsim.api.uapi.IoctlCommand.IOMMU_VIOMMU_ALLOC;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.iommufdsim.api.Errno;
import io.iommufdsim.api.IommufdException;
import io.iommufdsim.api.uapi.IoctlCommand;
import io.iommufdsim.api.uapi.UapiConstants;
import io.iommufdsim.core.mem.MachineMemory;
import io.iommufdsim.core.mem.ProcessImpl;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/** main.c: iommufd_fops_ioctl, rule by rule (reference §2). */
class DispatchTest {
    private static final long BUF = 0x10000;
    private static final int PAGE = TestUserMemory.PAGE;

    private final List<String> log = new ArrayList<>();
    private final ProcessImpl main = MachineMemory.createDefault().process("main");
    private final TestUserMemory mem = new TestUserMemory().map(BUF, 4 * PAGE);
    private final HandlerTable handlers = new HandlerTable();
    private final IommufdContext ctx;
    private int calls;

    DispatchTest() throws IommufdException {
        CoreIoctls.registerInto(handlers);
        DeviceObjectIoctls.registerInto(handlers);
        // a creating handler in the slot of IOAS_ALLOC, as the IOAS package will register one
        handlers.register(IOMMU_IOAS_ALLOC, call -> {
            calls++;
            TestObject ioas = call.allocObject(new TestObject(ObjectType.IOAS, log));
            call.set("out_ioas_id", ioas.id());
            call.respond();
            return 0;
        });
        ctx = IommufdContext.open(handlers, main, main.fds());
    }

    private long ioctl(int cmd, long arg) throws IommufdException {
        return ctx.ioctl(main, cmd, arg, mem);
    }

    private void assertErrno(Errno expected, int cmd, long arg) {
        assertEquals(expected, assertThrows(IommufdException.class, () -> ioctl(cmd, arg)).errno());
    }

    private static int nr(int nr) {
        return (';' << 8) | nr;
    }

    @Test
    void nrBelowTheIommufdRangeGoesToTheVfioCompatPathWhichKnowsNothingYet() {
        mem.poke(BUF, Raw.struct(IOMMU_DESTROY, "id", 1));
        assertErrno(Errno.ENOTTY, nr(0x7f), BUF);
        // the compat path comes before the size word: a NULL pointer is still ENOTTY
        assertErrno(Errno.ENOTTY, nr(0x7f), 0);
        assertErrno(Errno.ENOTTY, nr(0x95), BUF);
        assertErrno(Errno.ENOTTY, nr(0xa0), BUF);
    }

    @Test
    void aCompatHandlerServesItsIoctlNumberOutsideTheRange() throws IommufdException {
        HandlerTable withCompat = new HandlerTable();
        int vfioGetApiVersion = nr(0x64); // VFIO_GET_API_VERSION _IO(';', 100)
        withCompat.registerCompat(vfioGetApiVersion, (c, caller, arg, m) -> 0);
        IommufdContext other = IommufdContext.open(withCompat, main, main.fds());
        assertEquals(0, other.ioctl(main, vfioGetApiVersion, 0, mem));
        assertEquals(Errno.ENOTTY, assertThrows(IommufdException.class,
                () -> other.ioctl(main, nr(0x65), 0, mem)).errno());
    }

    @Test
    void anUnreadableSizeWordIsEfaultEvenBeforeTheNumberIsChecked() {
        assertErrno(Errno.EFAULT, IOMMU_DESTROY.number(), 0);
        assertErrno(Errno.EFAULT, 0x3c80, 0); // wrong type letter, still EFAULT first
        assertErrno(Errno.EFAULT, IOMMU_DESTROY.number(), BUF + 4 * PAGE - 2); // size word crosses into nothing
    }

    @Test
    void aNumberThatDoesNotMatchItsSlotExactlyIsEnotty() {
        mem.poke(BUF, Raw.struct(IOMMU_DESTROY, "id", 0));
        assertErrno(Errno.ENOTTY, 0x3c80, BUF);                 // type letter '<' instead of ';'
        assertErrno(Errno.ENOTTY, 0xc0083b80, BUF);             // _IOWR size/direction bits
        assertErrno(Errno.ENOENT, IOMMU_DESTROY.number(), BUF); // the exact number reaches the handler
    }

    @Test
    void aSlotWithoutAHandlerIsEnotty() throws IommufdException {
        IommufdContext bare = IommufdContext.open(new HandlerTable(), main, main.fds());
        mem.poke(BUF, Raw.struct(IOMMU_HWPT_ALLOC));
        assertEquals(Errno.ENOTTY, assertThrows(IommufdException.class,
                () -> bare.ioctl(main, IOMMU_HWPT_ALLOC.number(), BUF, mem)).errno());
    }

    @Test
    void aSizeBelowTheMinimumIsEinval() {
        byte[] s = Raw.struct(IOMMU_DESTROY, "size", 4, "id", 1);
        mem.poke(BUF, s);
        assertErrno(Errno.EINVAL, IOMMU_DESTROY.number(), BUF);
        mem.poke(BUF, Raw.struct(IOMMU_HWPT_ALLOC, "size", 20, "dev_id", 7));
        assertErrno(Errno.EINVAL, IOMMU_HWPT_ALLOC.number(), BUF);
        // 24 (offsetofend __reserved) is enough for HWPT_ALLOC: the handler runs and looks dev_id up
        mem.poke(BUF, Raw.struct(IOMMU_HWPT_ALLOC, "size", 24, "dev_id", 7));
        assertErrno(Errno.ENOENT, IOMMU_HWPT_ALLOC.number(), BUF);
    }

    @Test
    void aShortStructIsZeroExtendedSoIgnoredTrailingFieldsReadAsZero() {
        // data_type sits at offset 24: beyond a 24-byte struct, so the bytes there are not read
        mem.poke(BUF, Raw.struct(IOMMU_HWPT_ALLOC, "size", 24, "dev_id", 7, "data_len", 5));
        assertErrno(Errno.ENOENT, IOMMU_HWPT_ALLOC.number(), BUF);
        // with the full size the same bytes are read: data_type NONE with data_len 5 → EINVAL
        mem.poke(BUF, Raw.struct(IOMMU_HWPT_ALLOC, "dev_id", 7, "data_len", 5));
        assertErrno(Errno.EINVAL, IOMMU_HWPT_ALLOC.number(), BUF);
    }

    @Test
    void aNonZeroTailBeyondTheKernelStructIsE2bigAndAZeroTailIsAccepted() {
        byte[] s = Raw.struct(IOMMU_DESTROY, "size", 8 + 100, "id", 1);
        mem.poke(BUF, s);
        mem.poke(BUF + 8, new byte[100]);
        assertErrno(Errno.ENOENT, IOMMU_DESTROY.number(), BUF);
        mem.poke(BUF + 8 + 99, new byte[] {1});
        assertErrno(Errno.E2BIG, IOMMU_DESTROY.number(), BUF);
    }

    @Test
    void anUnreadableTailIsEfaultAndANonZeroByteBeforeItIsE2big() {
        long arg = BUF + 4 * PAGE - 8; // the struct ends exactly where the mapping ends
        mem.poke(arg, Raw.struct(IOMMU_DESTROY, "size", 16, "id", 1));
        assertErrno(Errno.EFAULT, IOMMU_DESTROY.number(), arg);
        long arg2 = BUF + 4 * PAGE - 12;
        mem.poke(arg2, Raw.struct(IOMMU_DESTROY, "size", 16, "id", 1));
        mem.poke(arg2 + 8, new byte[] {0, 0, 0, 9});
        assertErrno(Errno.E2BIG, IOMMU_DESTROY.number(), arg2);
    }

    @Test
    void aStructThatCannotBeCopiedIsEfault() {
        long arg = BUF + 4 * PAGE - 4; // size word readable, id is not
        mem.poke(arg, new byte[] {8, 0, 0, 0});
        assertErrno(Errno.EFAULT, IOMMU_DESTROY.number(), arg);
    }

    @Test
    void aCreatedObjectIsPublishedOnSuccessAndItsIdWrittenBack() throws IommufdException {
        mem.poke(BUF, Raw.struct(IOMMU_IOAS_ALLOC));
        assertEquals(0, ioctl(IOMMU_IOAS_ALLOC.number(), BUF));
        assertEquals(1, Raw.field(IOMMU_IOAS_ALLOC, mem.peek(BUF, 12), "out_ioas_id"));
        assertEquals(ObjectType.IOAS, ctx.objects().get(1).type());
    }

    @Test
    void aFailedWriteBackAbortsTheNewObjectAndFreesItsId() throws IommufdException {
        long ro = BUF + 2 * PAGE;
        mem.poke(ro, Raw.struct(IOMMU_IOAS_ALLOC));
        mem.readOnly(ro, PAGE);
        assertErrno(Errno.EFAULT, IOMMU_IOAS_ALLOC.number(), ro);
        assertEquals(List.of("abort IOAS#1"), log);
        assertEquals(List.of(), ctx.objects().objects());
        assertTrue(ctx.objects().isEmpty());
        mem.poke(BUF, Raw.struct(IOMMU_IOAS_ALLOC));
        ioctl(IOMMU_IOAS_ALLOC.number(), BUF);
        assertEquals(1, Raw.field(IOMMU_IOAS_ALLOC, mem.peek(BUF, 12), "out_ioas_id"));
    }

    @Test
    void writeBackCopiesOnlyWhatTheUserSizeCovers() throws IommufdException {
        HandlerTable t = new HandlerTable();
        t.register(IOMMU_VIOMMU_ALLOC, call -> {
            call.set("out_viommu_id", 42);
            call.set("data_uptr", 0x1234);
            call.respond();
            return 0;
        });
        IommufdContext c = IommufdContext.open(t, main, main.fds());
        byte[] sentinel = new byte[16];
        Arrays.fill(sentinel, (byte) 0x5a);
        mem.poke(BUF, Raw.struct(IOMMU_VIOMMU_ALLOC, "size", 24, "type", 1));
        mem.poke(BUF + 24, sentinel);
        c.ioctl(main, IOMMU_VIOMMU_ALLOC.number(), BUF, mem);
        assertEquals(42, Raw.field(IOMMU_VIOMMU_ALLOC, mem.peek(BUF, 40), "out_viommu_id"));
        assertArrayEquals(sentinel, mem.peek(BUF + 24, 16));
    }

    @Test
    void optionWritesBackOnlyVal64() throws IommufdException {
        // the struct's first 16 bytes are read-only; val64 (offset 16) starts on the next, writable page
        long arg = BUF + 2 * PAGE - 16;
        mem.poke(arg, Raw.struct(IOMMU_OPTION, "option_id", UapiConstants.IOMMU_OPTION_RLIMIT_MODE,
                "op", UapiConstants.IOMMU_OPTION_OP_GET, "val64", 77));
        mem.readOnly(arg, 16);
        assertEquals(0, ioctl(IOMMU_OPTION.number(), arg));
        assertEquals(0, Raw.field(IOMMU_OPTION, mem.peek(arg, 24), "val64"));
    }

    @Test
    void ioctlOnAClosedDescriptorIsEbadf() {
        mem.poke(BUF, Raw.struct(IOMMU_DESTROY, "id", 1));
        ctx.close();
        assertErrno(Errno.EBADF, IOMMU_DESTROY.number(), BUF);
    }

    @Test
    void everyNumberOfTheIommufdRangeHasAUapiLayout() {
        for (int n = IommufdContext.CMD_BASE; n < IommufdContext.CMD_END; n++) {
            IoctlCommand c = IoctlCommand.byNumber(nr(n));
            assertTrue(c != null && c.target() == IoctlCommand.Target.IOMMUFD, "nr 0x" + Integer.toHexString(n));
        }
    }
}
