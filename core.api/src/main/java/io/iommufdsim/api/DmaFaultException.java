package io.iommufdsim.api;

/**
 * A DMA that the IOMMU refused: status EFAULT, with the faulting IOVA and the reason in the scenario
 * format's words ({@code "blocked"}, {@code "abort"}, {@code "not-present"}, {@code "permission"},
 * {@code "address-size"}, {@code "reserved-bit"}, with a {@code "stage1-"}/{@code "stage2-"} prefix
 * for nested translation).
 */
public class DmaFaultException extends IommufdException {
    private static final long serialVersionUID = 1L;

    private final long faultIova;
    private final String reason;

    public DmaFaultException(long faultIova, String reason) {
        super(Errno.EFAULT, reason);
        this.faultIova = faultIova;
        this.reason = reason;
    }

    public long faultIova() {
        return faultIova;
    }

    public String reason() {
        return reason;
    }
}
