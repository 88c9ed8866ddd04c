package io.iommufdsim.spi;

/**
 * What the hardware uses for DMA from one (requester id, PASID), as read back from the instance's
 * translation structures in physical memory ({@link IommuInstance#readTranslation}): a page table
 * to walk (format, root, the domain tag the IOTLB entries carry), or a refusal.
 *
 * <p>The core caches a config per (device, PASID) the way hardware caches context/PASID entries,
 * and drops the cached copy whenever it attaches, replaces or detaches there (the context/PASID
 * cache invalidation every driver issues then); the read itself is therefore not on the per-access
 * path and may allocate.
 *
 * @param kind        what the hardware does
 * @param format      the table format to walk ({@link Kind#TRANSLATE} only)
 * @param rootPa      the root table's physical address ({@link Kind#TRANSLATE} only)
 * @param domainTag   the tag of IOTLB entries filled by this walk: the domain id written in the
 *                    structure (VT-d DID, SMMUv3 ASID/VMID, AMD DomainID) ({@link Kind#TRANSLATE} only)
 * @param faultReason for {@link Kind#FAULT}: the scenario format's reason word (e.g. "reserved-bit"
 *                    for a malformed context or PASID entry)
 * @param dirtyTracking the structure enables the hardware's access/dirty updates for this translation
 *                    (VT-d PASID-entry SSADE, SMMUv3 CD/STE HA+HD, AMD DTE HAD) ({@link Kind#TRANSLATE}
 *                    only): every DMA then sets the format's {@link DirtyBits#accessSet()} in the entries it
 *                    walks and a write makes the leaf write-dirty, through the format's {@link DirtyBits}
 */
public record TranslationConfig(Kind kind, PageTableFormat format, long rootPa, int domainTag, String faultReason,
        boolean dirtyTracking) {
    /** What the hardware does with a DMA. */
    public enum Kind {
        /** Walk {@code format} from {@code rootPa}. */
        TRANSLATE,
        /**
         * No translation is set up (structure entry not present, or a blocking domain): every DMA
         * faults with reason "blocked".
         */
        BLOCKED,
        /** The structure says abort (an SMMUv3 abort STE, VT-d PGTT "blocked"): reason "abort". */
        ABORT,
        /** A malformed structure entry: the DMA faults with {@code faultReason}. */
        FAULT
    }

    private static final TranslationConfig BLOCKED_CONFIG = new TranslationConfig(Kind.BLOCKED, null, 0, 0, "blocked");
    private static final TranslationConfig ABORT_CONFIG = new TranslationConfig(Kind.ABORT, null, 0, 0, "abort");

    public TranslationConfig {
        if (kind == null || (kind == Kind.TRANSLATE && format == null) || (kind == Kind.FAULT && faultReason == null)
                || (dirtyTracking && (kind != Kind.TRANSLATE || format.dirtyBits().isEmpty()))) {
            throw new IllegalArgumentException("translation config " + kind);
        }
    }

    /** A config without hardware access/dirty updates. */
    public TranslationConfig(Kind kind, PageTableFormat format, long rootPa, int domainTag, String faultReason) {
        this(kind, format, rootPa, domainTag, faultReason, false);
    }

    public static TranslationConfig translate(PageTableFormat format, long rootPa, int domainTag) {
        return new TranslationConfig(Kind.TRANSLATE, format, rootPa, domainTag, null, false);
    }

    /**
     * A translation whose structure entry also says whether the hardware updates access/dirty bits
     * ({@code dirtyTracking}; the format must then have {@link PageTableFormat#dirtyBits()}).
     */
    public static TranslationConfig translate(PageTableFormat format, long rootPa, int domainTag,
            boolean dirtyTracking) {
        return new TranslationConfig(Kind.TRANSLATE, format, rootPa, domainTag, null, dirtyTracking);
    }

    public static TranslationConfig blocked() {
        return BLOCKED_CONFIG;
    }

    public static TranslationConfig abort() {
        return ABORT_CONFIG;
    }

    public static TranslationConfig fault(String reason) {
        return new TranslationConfig(Kind.FAULT, null, 0, 0, reason);
    }
}
