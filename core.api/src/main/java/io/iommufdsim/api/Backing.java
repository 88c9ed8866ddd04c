package io.iommufdsim.api;

/** How an anonymous mapping or a memfd is backed by simulated physical memory. */
public enum Backing {
    /** Scattered 4 KiB frames: no two neighbouring pages are physically contiguous. */
    FOUR_K("4k"),
    /** Transparent huge pages: 2 MiB-aligned, physically contiguous 2 MiB runs. */
    THP("thp"),
    /** hugetlbfs with 1 GiB pages: 1 GiB-aligned, physically contiguous 1 GiB runs. */
    HUGETLB_1G("hugetlb-1g"),
    /** A VM_PFNMAP range such as a device BAR: CPU-accessible, refused by pin_user_pages. */
    MMIO("mmio");

    private final String scenarioName;

    Backing(String scenarioName) {
        this.scenarioName = scenarioName;
    }

    /** The name the scenario format uses ({@code "4k"}, {@code "thp"}, ...). */
    public String scenarioName() {
        return scenarioName;
    }

    public static Backing byScenarioName(String name) {
        for (Backing b : values()) {
            if (b.scenarioName.equals(name)) {
                return b;
            }
        }
        return null;
    }
}
