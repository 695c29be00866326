//! Validity checks for the Advanced SIMD classes (Arm ARM C4.1.90).

pub fn three_same(_raw: u32) -> bool {
    false
}
pub fn three_diff(_raw: u32) -> bool {
    false
}
pub fn two_reg(_raw: u32) -> bool {
    false
}
pub fn across(_raw: u32) -> bool {
    false
}
pub fn copy(_raw: u32) -> bool {
    false
}
pub fn mod_imm(_raw: u32) -> bool {
    false
}
pub fn shift_imm(_raw: u32) -> bool {
    false
}
pub fn by_elem(_raw: u32) -> bool {
    false
}
pub fn permute(_raw: u32) -> bool {
    false
}
pub fn ext(_raw: u32) -> bool {
    false
}
pub fn tbl(_raw: u32) -> bool {
    false
}
pub fn scalar_three_same(_raw: u32) -> bool {
    false
}
pub fn scalar_two_reg(_raw: u32) -> bool {
    false
}
pub fn scalar_pairwise(_raw: u32) -> bool {
    false
}
pub fn scalar_copy(_raw: u32) -> bool {
    false
}
pub fn scalar_shift_imm(_raw: u32) -> bool {
    false
}
pub fn scalar_by_elem(_raw: u32) -> bool {
    false
}
