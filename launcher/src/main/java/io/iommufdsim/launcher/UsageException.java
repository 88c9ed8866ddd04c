package io.iommufdsim.launcher;

/** The command line does not follow the usage; the message says what is wrong, for the user. */
final class UsageException extends Exception {
    private static final long serialVersionUID = 1L;

    UsageException(String message) {
        super(message);
    }
}
