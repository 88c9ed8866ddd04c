package io.iommufdsim.core.mem;

import io.iommufdsim.api.Errno;
import io.iommufdsim.api.IommufdException;
import java.util.List;
import java.util.Map;

/**
 * A file whose read(2)/write(2) carry uAPI records (an iommufd fault queue, a vEVENTQ), each record an
 * object with the uAPI struct's field names. {@link ProcessImpl#readRecords} and
 * {@link ProcessImpl#writeRecords} dispatch here; other descriptors answer EINVAL.
 */
public interface RecordFile extends FileDescription {
    /** read(2) of up to {@code count} records; EAGAIN when nothing is queued. */
    List<Map<String, Object>> readRecords(int count) throws IommufdException;

    /**
     * write(2) of records; returns how many were taken. A file without a write method answers EINVAL,
     * as vfs_write does for a file that is not FMODE_CAN_WRITE.
     */
    default int writeRecords(List<Map<String, Object>> records) throws IommufdException {
        throw new IommufdException(Errno.EINVAL);
    }
}
