package io.iommufdsim.spi;

import io.iommufdsim.api.Errno;
import io.iommufdsim.api.IommufdException;
import io.iommufdsim.api.IovaRange;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * The configuration of one IOMMU instance (SIM_IOMMU_ADD's {@code config}), parsed by the core into
 * the common keys every driver understands and the driver's own keys. Values are what the scenario
 * runner produces from JSON: {@link Long} numbers, {@link Boolean}s, {@link String}s, {@link List}s
 * and {@link Map}s. A common key with a value of the wrong type is EINVAL here; a driver key the
 * driver does not know is EINVAL in {@link #requireDriverKeys}.
 *
 * <h2>Common keys</h2>
 * <ul>
 * <li>{@code nesting}, {@code dirty_tracking}, {@code pasid} (booleans): turn the feature off (or on,
 * if the model's default hardware lacks it) — a driver clears or sets the identification-register
 * bits behind the feature (VT-d: ECAP.NEST; ECAP.SLADS; ECAP.PASID) and then behaves as those
 * registers say. Absent: the driver's default (every capability the vendor can report).</li>
 * <li>{@code levels}: the page-table depth of the host (paging-domain) format, e.g. 3 for a VT-d unit
 * whose SAGAW allows only 39-bit tables. A depth the vendor cannot have is EINVAL.</li>
 * <li>{@code page_sizes}: the leaf sizes the hardware supports, a list of byte counts (numbers, or
 * strings such as {@code "4k"}, {@code "2M"}, {@code "1g"}); {@link #pageSizes()} is their bitmap.
 * A size the format cannot hold is EINVAL.</li>
 * <li>{@code reserved}: a list of {@code {start, last}} IOVA ranges every device behind the instance
 * reports as reserved, on top of the vendor's own regions. The core applies them; the driver
 * need not look at them.</li>
 * </ul>
 */
public final class IommuConfig {
    public static final String NESTING = "nesting";
    public static final String DIRTY_TRACKING = "dirty_tracking";
    public static final String PASID = "pasid";
    public static final String LEVELS = "levels";
    public static final String PAGE_SIZES = "page_sizes";
    public static final String RESERVED = "reserved";

    /** The configuration of a default instance: no keys. */
    public static final IommuConfig EMPTY = new IommuConfig(null, null, null, 0, 0, List.of(), Map.of());

    private final Boolean nesting;
    private final Boolean dirtyTracking;
    private final Boolean pasid;
    private final int levels;
    private final long pageSizes;
    private final List<IovaRange> reserved;
    private final Map<String, Object> driverKeys;

    private IommuConfig(Boolean nesting, Boolean dirtyTracking, Boolean pasid, int levels, long pageSizes,
            List<IovaRange> reserved, Map<String, Object> driverKeys) {
        this.nesting = nesting;
        this.dirtyTracking = dirtyTracking;
        this.pasid = pasid;
        this.levels = levels;
        this.pageSizes = pageSizes;
        this.reserved = reserved;
        this.driverKeys = driverKeys;
    }

    /** Parses a SIM_IOMMU_ADD config map (null: empty). EINVAL for a common key of the wrong type or value. */
    public static IommuConfig parse(Map<String, Object> config) throws IommufdException {
        if (config == null || config.isEmpty()) {
            return EMPTY;
        }
        Boolean nesting = null;
        Boolean dirty = null;
        Boolean pasid = null;
        int levels = 0;
        long pageSizes = 0;
        List<IovaRange> reserved = List.of();
        Map<String, Object> driver = new LinkedHashMap<>();
        for (Map.Entry<String, Object> e : config.entrySet()) {
            Object v = e.getValue();
            switch (e.getKey()) {
                case NESTING -> nesting = bool(v);
                case DIRTY_TRACKING -> dirty = bool(v);
                case PASID -> pasid = bool(v);
                case LEVELS -> {
                    long l = number(v);
                    if (l < 1 || l > 8) {
                        throw invalid();
                    }
                    levels = (int) l;
                }
                case PAGE_SIZES -> pageSizes = pageSizes(v);
                case RESERVED -> reserved = ranges(v);
                default -> driver.put(e.getKey(), v);
            }
        }
        return new IommuConfig(nesting, dirty, pasid, levels, pageSizes, reserved,
                Collections.unmodifiableMap(driver));
    }

    /** {@code nesting}, or null when not given. */
    public Boolean nesting() {
        return nesting;
    }

    /** {@code dirty_tracking}, or null when not given. */
    public Boolean dirtyTracking() {
        return dirtyTracking;
    }

    /** {@code pasid}, or null when not given. */
    public Boolean pasid() {
        return pasid;
    }

    /** {@code levels}, or 0 when not given. */
    public int levels() {
        return levels;
    }

    /** Bitmap of {@code page_sizes}, or 0 when not given. */
    public long pageSizes() {
        return pageSizes;
    }

    /** {@code reserved}, empty when not given. */
    public List<IovaRange> reserved() {
        return reserved;
    }

    /** Every key that is not a common key, in the order given. */
    public Map<String, Object> driverKeys() {
        return driverKeys;
    }

    /** EINVAL unless every driver key is in {@code known} (a key the driver does not know). */
    public void requireDriverKeys(Set<String> known) throws IommufdException {
        for (String k : driverKeys.keySet()) {
            if (!known.contains(k)) {
                throw invalid();
            }
        }
    }

    /** The driver key {@code key} as an unsigned 64-bit number, or {@code absent}; EINVAL if not a number. */
    public long driverNumber(String key, long absent) throws IommufdException {
        Object v = driverKeys.get(key);
        return v == null ? absent : number(v);
    }

    /** The driver key {@code key} as a list of numbers, or null when absent; EINVAL if not a list of numbers. */
    public long[] driverNumbers(String key) throws IommufdException {
        Object v = driverKeys.get(key);
        if (v == null) {
            return null;
        }
        if (!(v instanceof List<?> list)) {
            throw invalid();
        }
        long[] out = new long[list.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = number(list.get(i));
        }
        return out;
    }

    /** The driver key {@code key} as a boolean, or {@code absent}; EINVAL if not a boolean. */
    public boolean driverBoolean(String key, boolean absent) throws IommufdException {
        Object v = driverKeys.get(key);
        return v == null ? absent : bool(v);
    }

    private static IommufdException invalid() {
        return new IommufdException(Errno.EINVAL);
    }

    private static boolean bool(Object v) throws IommufdException {
        if (v instanceof Boolean b) {
            return b;
        }
        throw invalid();
    }

    private static long number(Object v) throws IommufdException {
        if (v instanceof Long || v instanceof Integer || v instanceof Short || v instanceof Byte) {
            return ((Number) v).longValue();
        }
        if (v instanceof String s) {
            try {
                return s.startsWith("0x") || s.startsWith("0X") ? Long.parseUnsignedLong(s.substring(2), 16)
                        : Long.parseUnsignedLong(s);
            } catch (NumberFormatException e) {
                throw invalid();
            }
        }
        throw invalid();
    }

    private static long pageSizes(Object v) throws IommufdException {
        if (!(v instanceof List<?> list) || list.isEmpty()) {
            throw invalid();
        }
        long bitmap = 0;
        for (Object o : list) {
            long size = o instanceof String s ? sizeName(s) : number(o);
            if (size < PhysicalMemory.PAGE_SIZE || Long.bitCount(size) != 1) {
                throw invalid();
            }
            bitmap |= size;
        }
        return bitmap;
    }

    private static long sizeName(String s) throws IommufdException {
        String t = s.trim().toLowerCase(Locale.ROOT);
        int shift = switch (t.isEmpty() ? ' ' : t.charAt(t.length() - 1)) {
            case 'k' -> 10;
            case 'm' -> 20;
            case 'g' -> 30;
            case 't' -> 40;
            default -> -1;
        };
        if (shift < 0) {
            return number(s);
        }
        long n = number(t.substring(0, t.length() - 1));
        if (n <= 0 || Long.numberOfLeadingZeros(n) <= shift) {
            throw invalid();
        }
        return n << shift;
    }

    private static List<IovaRange> ranges(Object v) throws IommufdException {
        if (!(v instanceof List<?> list)) {
            throw invalid();
        }
        List<IovaRange> out = new ArrayList<>();
        for (Object o : list) {
            if (!(o instanceof Map<?, ?> m) || m.size() != 2 || !m.containsKey("start") || !m.containsKey("last")) {
                throw invalid();
            }
            long start = number(m.get("start"));
            long last = number(m.get("last"));
            if (Long.compareUnsigned(start, last) > 0) {
                throw invalid();
            }
            out.add(new IovaRange(start, last));
        }
        return List.copyOf(out);
    }
}
