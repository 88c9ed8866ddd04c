package io.iommufdsim.core.mem;

/**
 * The kernel's per-uid user_struct: its locked_vm is shared by every process of that uid and is what
 * iommufd charges in "user" accounting mode (pages.c: incr_user_locked_vm).
 */
public final class UserStruct {
    private final int uid;
    private final PageCounter lockedVm = new PageCounter();

    UserStruct(int uid) {
        this.uid = uid;
    }

    public int uid() {
        return uid;
    }

    /** user_struct->locked_vm in pages. */
    public PageCounter lockedVm() {
        return lockedVm;
    }
}
