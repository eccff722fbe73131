//! The index's numbers as text: little-endian base-32 varints, every digit
//! but the last from one alphabet and the last from another, so a string
//! of them needs no separators (and is valid inside a JSON string).

const END: &[u8; 32] = b"0123456789ABCDEFGHIJKLMNOPQRSTUV";
const CONT: &[u8; 32] = b"WXYZabcdefghijklmnopqrstuvwxyz-_";

/// Appends `v` as a little-endian base-32 varint: every digit but the last
/// from CONT, the last from END.
pub(super) fn varint(out: &mut String, mut v: usize) {
    while v >= 32 {
        out.push(CONT[v & 31] as char);
        v >>= 5;
    }
    out.push(END[v] as char);
}

/// Decodes a string of varints.
pub fn varints(s: &str) -> Vec<usize> {
    let mut out = Vec::new();
    let (mut v, mut shift) = (0usize, 0u32);
    for b in s.bytes() {
        if let Some(i) = END.iter().position(|c| *c == b) {
            out.push(v + (i << shift));
            v = 0;
            shift = 0;
        } else if let Some(i) = CONT.iter().position(|c| *c == b) {
            v += i << shift;
            shift += 5;
        }
    }
    out
}

/// Decodes a postings string into (document, level) pairs.
pub fn decode(postings: &str) -> Vec<(usize, u8)> {
    let mut prev = None::<usize>;
    varints(postings)
        .into_iter()
        .map(|v| {
            let doc = prev.map_or(v >> 2, |p| p + (v >> 2) + 1);
            prev = Some(doc);
            (doc, (v & 3) as u8)
        })
        .collect()
}
