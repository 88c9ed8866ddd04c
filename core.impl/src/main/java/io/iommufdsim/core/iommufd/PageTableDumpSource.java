package io.iommufdsim.core.iommufd;

import io.iommufdsim.api.PageTableDump;

/** Implemented by paging HWPT objects so that SIM_PT_DUMP can list their leaves. */
public interface PageTableDumpSource {
    PageTableDump pageTableDump();
}
