package io.iommufdsim.spi;

/**
 * Why a table walk did not produce a translation. A vendor driver maps each to its own hardware
 * fault reason; {@link #reason()} is the word the scenario format uses (see DmaFaultException).
 */
public enum WalkFault {
    /** The IOVA lies outside the input address width (VT-d "address beyond AW", SMMU translation fault). */
    ADDRESS_SIZE("address-size"),
    /** An entry on the walk is not present. */
    NOT_PRESENT("not-present"),
    /** An entry on the walk has a reserved bit set or an encoding the level does not allow. */
    RESERVED_BIT("reserved-bit");

    private final String reason;

    WalkFault(String reason) {
        this.reason = reason;
    }

    public String reason() {
        return reason;
    }
}
