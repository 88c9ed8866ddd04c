package io.iommufdsim.core.mem;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.iommufdsim.api.Errno;
import io.iommufdsim.api.IommufdException;
import org.junit.jupiter.api.Test;

class FaultInjectionTest {
    private final FaultInjection faults = new FaultInjection();

    @Test
    void theNthCallOfTheArmedKindFailsOnce() throws IommufdException {
        faults.failNth(FaultInjection.Kind.PIN, 3);
        faults.check(FaultInjection.Kind.PIN);
        faults.check(FaultInjection.Kind.FRAME_ALLOC);
        faults.check(FaultInjection.Kind.PIN);
        assertTrue(faults.isArmed());
        IommufdException e = assertThrows(IommufdException.class, () -> faults.check(FaultInjection.Kind.PIN));
        assertEquals(Errno.ENOMEM, e.errno());
        assertFalse(faults.isArmed());
        assertEquals(1, faults.firedCount());
        faults.check(FaultInjection.Kind.PIN);
    }

    @Test
    void anyCountsEveryFailurePoint() throws IommufdException {
        faults.failNth(FaultInjection.Kind.ANY, 2);
        faults.check(FaultInjection.Kind.TABLE_PAGE);
        assertThrows(IommufdException.class, () -> faults.check(FaultInjection.Kind.FRAME_ALLOC));
    }

    @Test
    void disarmingPreventsTheFailure() throws IommufdException {
        faults.failNth(FaultInjection.Kind.ANY, 1);
        faults.disarm();
        faults.check(FaultInjection.Kind.PIN);
        assertEquals(0, faults.firedCount());
        assertThrows(IllegalArgumentException.class, () -> faults.failNth(FaultInjection.Kind.PIN, 0));
    }
}
