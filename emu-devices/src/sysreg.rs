//! System register encodings, as the CPU will hand them to the devices that implement
//! registers (generic timer, GICv3 CPU interface). The key is bits [20:5] of the MRS/MSR
//! instruction: op0:op1:CRn:CRm:op2, so the CPU passes `(insn >> 5) & 0xFFFF` unchanged.

/// Pack op0, op1, CRn, CRm, op2 the way MRS/MSR encode them.
pub const fn encode(op0: u32, op1: u32, crn: u32, crm: u32, op2: u32) -> u32 {
    (op0 & 3) << 14 | (op1 & 7) << 11 | (crn & 15) << 7 | (crm & 15) << 3 | (op2 & 7)
}

#[cfg(test)]
mod tests {
    #[test]
    fn matches_the_mrs_instruction_bits() {
        // mrs x0, cntvct_el0 = 0xd53be040 (op0=3 op1=3 CRn=14 CRm=0 op2=2).
        assert_eq!(
            super::encode(3, 3, 14, 0, 2),
            (0xd53b_e040u32 >> 5) & 0xFFFF
        );
        // msr icc_pmr_el1, x0 = 0xd5184600 (op0=3 op1=0 CRn=4 CRm=6 op2=0).
        assert_eq!(super::encode(3, 0, 4, 6, 0), (0xd518_4600u32 >> 5) & 0xFFFF);
    }
}
