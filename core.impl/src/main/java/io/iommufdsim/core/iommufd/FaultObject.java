package io.iommufdsim.core.iommufd;

import io.iommufdsim.api.Errno;
import io.iommufdsim.api.IommufdException;
import io.iommufdsim.core.mem.RecordFile;
import java.util.List;
import java.util.Map;

/**
 * An IOMMUFD_OBJ_FAULT and its file (eventq.c: struct iommufd_fault, iommufd_fault_fops). The open
 * file holds one users reference on the object and one reference on the context
 * (iommufd_eventq_init), so IOMMU_DESTROY is EBUSY until the descriptor is closed, and the context
 * outlives a close of the iommufd descriptor while the fault descriptor is open.
 *
 * <p>Page-request groups reach the queue only from a device attached to a HWPT that uses this object;
 * without the device layer the queue is always empty, so nothing is delivered and no cookie is
 * outstanding.
 */
public final class FaultObject extends IommufdObject {
    /** IOMMUFD_PAGE_RESP_SUCCESS, IOMMUFD_PAGE_RESP_INVALID. */
    public static final int IOMMUFD_PAGE_RESP_SUCCESS = 0;
    public static final int IOMMUFD_PAGE_RESP_INVALID = 1;

    private final IommufdContext context;
    private QueueFile file;

    FaultObject(IommufdContext context) {
        super(ObjectType.FAULT);
        this.context = context;
    }

    /** iommufd_eventq_init: the file takes a users reference on the object and a context reference. */
    RecordFile openFile() {
        file = new QueueFile();
        addUser();
        context.get();
        return file;
    }

    /** iommufd_fault_destroy: the queue is empty (see class comment), so there is nothing to answer. */
    @Override
    protected void destroy() {
    }

    /** iommufd_object_abort_and_destroy: the file is released synchronously (__fput_sync) first. */
    @Override
    protected void abort() {
        if (file != null) {
            file.release();
        }
        destroy();
    }

    /** The fault queue's file: read(2) delivers page-request groups, write(2) takes responses. */
    private final class QueueFile implements RecordFile {
        private boolean released;

        /** iommufd_fault_fops_read: nothing is queued. */
        @Override
        public List<Map<String, Object>> readRecords(int count) throws IommufdException {
            throw new IommufdException(Errno.EAGAIN);
        }

        /**
         * iommufd_fault_fops_write: each struct iommu_hwpt_page_response in order; a code other than
         * SUCCESS/INVALID or a cookie that is not outstanding → EINVAL; the count of responses taken if
         * any was, else the error.
         */
        @Override
        public int writeRecords(List<Map<String, Object>> records) throws IommufdException {
            for (Map<String, Object> response : records) {
                long code = longField(response, "code");
                if (code != IOMMUFD_PAGE_RESP_SUCCESS && code != IOMMUFD_PAGE_RESP_INVALID) {
                    throw new IommufdException(Errno.EINVAL);
                }
                // xa_erase(&fault->response, cookie): no group was ever delivered
                throw new IommufdException(Errno.EINVAL);
            }
            return 0;
        }

        /** iommufd_eventq_fops_release. */
        @Override
        public void release() {
            synchronized (FaultObject.this) {
                if (released) {
                    return;
                }
                released = true;
            }
            dropUser();
            context.put();
        }
    }

    private static long longField(Map<String, Object> record, String name) {
        Object v = record.get(name);
        return v instanceof Number ? ((Number) v).longValue() : 0;
    }
}
