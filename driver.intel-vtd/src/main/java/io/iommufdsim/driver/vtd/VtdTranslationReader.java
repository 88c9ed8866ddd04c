package io.iommufdsim.driver.vtd;

import io.iommufdsim.spi.IommuInstance;
import io.iommufdsim.spi.PageTableFormat;
import io.iommufdsim.spi.PhysicalMemory;
import io.iommufdsim.spi.TranslationConfig;

/**
 * How the hardware finds the translation of a request: root entry → context entry → (scalable mode)
 * PASID directory entry → PASID-table entry, read from physical memory only, with the checks QEMU's
 * model makes (hw/i386/intel_iommu.c vtd_dev_to_context_entry, vtd_root_entry_rsvd_bits_check,
 * vtd_context_entry_rsvd_bits_check, vtd_ce_get_pasid_entry, vtd_get_pe_in_pasid_leaf_table,
 * vtd_pe_type_check). A not-present entry anywhere in the chain (fault reasons 0x1/0x2, 0x39/0x41,
 * 0x51/0x59, PASIDE clear 0x45, PASID beyond the directory 0x46) means the request is blocked; a
 * reserved bit or an invalid field (0xA/0xB/0x3, 0x3A/0x42, 0x52/0x5B) is a "reserved-bit" fault.
 */
final class VtdTranslationReader {
    static final String RESERVED_BIT = "reserved-bit";

    private VtdTranslationReader() {
    }

    static TranslationConfig read(VtdInstance unit, int rid, int pasid) {
        VtdRegisters regs = unit.registers();
        PhysicalMemory memory = unit.memory();
        boolean scalable = regs.scalableMode();
        int bus = rid >>> 8;
        int devfn = rid & 0xff;
        long rootEntry = unit.rootTable() + (long) bus * RootEntry.SIZE;
        long rootLo = memory.readLong(rootEntry);
        long rootHi = memory.readLong(rootEntry + 8);
        long root = scalable && devfn >= 0x80 ? rootHi : rootLo;
        if ((root & RootEntry.PRESENT) == 0) {
            return TranslationConfig.blocked();
        }
        if ((rootLo & RootEntry.RESERVED) != 0 || (scalable ? (rootHi & RootEntry.RESERVED) != 0 : rootHi != 0)) {
            return TranslationConfig.fault(RESERVED_BIT);
        }
        long ce = ContextEntry.address(root & RootEntry.CTP, devfn, scalable);
        long ce0 = memory.readLong(ce);
        long ce1 = memory.readLong(ce + 8);
        if ((ce0 & ContextEntry.PRESENT) == 0) {
            return TranslationConfig.blocked();
        }
        return scalable ? scalable(unit, memory, ce, ce0, ce1, pasid) : legacy(unit, ce0, ce1, pasid);
    }

    /** Legacy-mode context entry: TT 0/1 walk the second-stage table at SLPTPTR with AW + 2 levels. */
    private static TranslationConfig legacy(VtdInstance unit, long lo, long hi, int pasid) {
        if ((lo & ContextEntry.LEGACY_RESERVED_LO) != 0 || (hi & ContextEntry.LEGACY_RESERVED_HI) != 0) {
            return TranslationConfig.fault(RESERVED_BIT);
        }
        if (pasid != IommuInstance.NO_PASID) {
            return TranslationConfig.blocked(); // legacy mode has no requests-with-PASID
        }
        int tt = (int) ((lo & ContextEntry.TT) >>> ContextEntry.TT_SHIFT);
        PageTableFormat format = unit.secondStageFormat((int) (hi & ContextEntry.AW) + 2);
        if (format == null || tt == ContextEntry.TT_PASS_THROUGH || tt == 3
                || (tt == ContextEntry.TT_DEV_IOTLB && !unit.registers().deviceTlb())) {
            // vtd_ce_type_check / vtd_is_sl_level_supported: invalid context entry (0x3); pass-through
            // is not a translation this SPI can express and this driver never writes it
            return TranslationConfig.fault(RESERVED_BIT);
        }
        return TranslationConfig.translate(format, lo & ContextEntry.ADDRESS, (int) ((hi >>> ContextEntry.DID_SHIFT) & 0xffff));
    }

    private static TranslationConfig scalable(VtdInstance unit, PhysicalMemory memory, long ce, long ce0, long ce1,
            int pasid) {
        if ((ce0 & ContextEntry.SM_RESERVED_W0) != 0 || (ce1 & ContextEntry.SM_RESERVED_W1) != 0
                || memory.readLong(ce + 16) != 0 || memory.readLong(ce + 24) != 0) {
            return TranslationConfig.fault(RESERVED_BIT);
        }
        int hwPasid;
        if (pasid == IommuInstance.NO_PASID) {
            hwPasid = (int) (ce1 & ContextEntry.RID_PASID);
        } else if ((ce0 & ContextEntry.PASIDE) == 0) {
            return TranslationConfig.blocked();
        } else {
            hwPasid = pasid;
        }
        int pdts = (int) ((ce0 & ContextEntry.PDTS) >>> ContextEntry.PDTS_SHIFT);
        int dirIndex = hwPasid >>> PasidEntry.PDE_SHIFT;
        if (dirIndex >= 1 << (pdts + 7)) {
            return TranslationConfig.blocked();
        }
        long pde = memory.readLong((ce0 & ContextEntry.ADDRESS) + 8L * dirIndex);
        if ((pde & PasidEntry.PRESENT) == 0) {
            return TranslationConfig.blocked();
        }
        if ((pde & PasidEntry.DIR_RESERVED) != 0) {
            return TranslationConfig.fault(RESERVED_BIT);
        }
        long pe = (pde & PasidEntry.ADDRESS) + (long) (hwPasid & PasidEntry.TABLE_INDEX_MASK) * PasidEntry.SIZE;
        long pe0 = memory.readLong(pe);
        if ((pe0 & PasidEntry.PRESENT) == 0) {
            return TranslationConfig.blocked();
        }
        long pe1 = memory.readLong(pe + 8);
        long pe2 = memory.readLong(pe + 16);
        int did = (int) (pe1 & PasidEntry.DID);
        VtdRegisters regs = unit.registers();
        int pgtt = (int) ((pe0 & PasidEntry.PGTT) >>> PasidEntry.PGTT_SHIFT);
        switch (pgtt) {
            case PasidEntry.PGTT_FL_ONLY -> {
                int flpm = (int) ((pe2 & PasidEntry.FLPM) >>> PasidEntry.FLPM_SHIFT);
                PageTableFormat format = regs.flts() && flpm <= 1 ? unit.firstStageFormat(4 + flpm) : null;
                if (format == null || (pe2 & PasidEntry.POINTER_RESERVED) != 0) {
                    return TranslationConfig.fault(RESERVED_BIT);
                }
                return TranslationConfig.translate(format, pe2 & PasidEntry.ADDRESS, did);
            }
            case PasidEntry.PGTT_SL_ONLY -> {
                int aw = (int) ((pe0 & PasidEntry.AW) >>> PasidEntry.AW_SHIFT);
                PageTableFormat format = regs.slts() ? unit.secondStageFormat(aw + 2) : null;
                if (format == null || (pe0 & PasidEntry.POINTER_RESERVED) != 0
                        || ((pe0 & PasidEntry.SSADE) != 0 && !regs.slads())) { // §9.6: SSADE reserved without SLADS
                    return TranslationConfig.fault(RESERVED_BIT);
                }
                // SSADE: the walk sets A/D in the second-stage entries (VT-d 3.0 §3.6.2, §9.6)
                return TranslationConfig.translate(format, pe0 & PasidEntry.ADDRESS, did,
                        (pe0 & PasidEntry.SSADE) != 0);
            }
            default -> {
                // 0, 5-7 are reserved; nested (3) and pass-through (4) are valid hardware settings that
                // this SPI cannot express and this driver never writes
                return TranslationConfig.fault(RESERVED_BIT);
            }
        }
    }
}
