//! Stage 2 of the pipeline: span-aware parsers, one per syntax. Every parser keeps byte spans on
//! every node it returns, and reports syntax errors at the parser's position.

pub mod bicep;
pub mod hcl;
pub mod json;
pub mod lines;
pub mod own_yaml;
pub mod toml;
pub mod tree;
pub mod yaml;

/// A table of which bytes are in a class: the bytes of `extra`, and ASCII letters and digits
/// when `alphanumeric`. Lexers scan runs of a class with one lookup a byte.
pub(crate) const fn byte_set(extra: &[u8], alphanumeric: bool) -> [bool; 256] {
    let mut table = [false; 256];
    let mut b = 0;
    while b < 256 {
        table[b] = alphanumeric && (b as u8).is_ascii_alphanumeric();
        b += 1;
    }
    let mut i = 0;
    while i < extra.len() {
        table[extra[i] as usize] = true;
        i += 1;
    }
    table
}

#[cfg(test)]
mod tests {
    #[test]
    fn byte_set_holds_the_class_and_nothing_else() {
        let names = super::byte_set(b"_-", true);
        let stops = super::byte_set(b"\"$\n", false);
        for b in 0..=255u8 {
            let name = b.is_ascii_alphanumeric() || b == b'_' || b == b'-';
            assert_eq!(names[usize::from(b)], name, "{b}");
            assert_eq!(
                stops[usize::from(b)],
                matches!(b, b'"' | b'$' | b'\n'),
                "{b}"
            );
        }
    }
}
