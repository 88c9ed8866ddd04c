package io.iommufdsim.api;

/**
 * The failure of a simulated system call, carrying the errno the kernel would return. Bad user input
 * is normal input: this exception has no stack trace and no message beyond the errno's name.
 */
public class IommufdException extends Exception {
    private static final long serialVersionUID = 1L;

    private final Errno errno;

    public IommufdException(Errno errno) {
        super(errno.name(), null, false, false);
        this.errno = errno;
    }

    public IommufdException(Errno errno, String detail) {
        super(errno.name() + ": " + detail, null, false, false);
        this.errno = errno;
    }

    public Errno errno() {
        return errno;
    }
}
