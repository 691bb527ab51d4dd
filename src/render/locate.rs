//! What the CI formats share: UTF-16 regions, URIs of paths, and stable fingerprints.

use std::collections::HashMap;

use sha2::{Digest, Sha256};

use crate::eval::finding::{Finding, reserved};
use crate::source::{SourceFile, Span};

/// A 1-based region; columns in UTF-16 code units, the end column just after the region.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Region {
    pub start_line: usize,
    pub start_column: usize,
    pub end_line: usize,
    pub end_column: usize,
}

pub fn utf16_region(file: &SourceFile, span: Span) -> Region {
    let (sl, sc) = file.utf16_position(span.start);
    let (el, ec) = file.utf16_position(span.end.max(span.start));
    Region {
        start_line: sl as usize + 1,
        start_column: sc as usize + 1,
        end_line: el as usize + 1,
        end_column: ec as usize + 1,
    }
}

/// A relative path as a URI reference: `/` kept, everything outside RFC 3986's unreserved
/// characters percent-encoded (so `é`, spaces, `#` and `%` survive URI parsing).
pub fn uri_of(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    for b in path.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~' | b'/') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// What identifies a finding across runs: rule, path, and the deployment's type and name (and
/// module instance), or
/// for findings about no deployment the text of their first line. Never the line number, so
/// an edit elsewhere in the file keeps the finding's identity. Baselines and `--new-since`
/// (src/baseline/mod.rs) match findings by it too.
pub fn identity(f: &Finding) -> String {
    let mut key = format!("{}\0{}\0", f.rule, f.path());
    if let Some(d) = &f.deployment {
        key.push_str(&format!("{}\0{}", d.type_, d.name));
        // Instances of one module resource differ by their address and the calls that made
        // them (a Terragrunt instance has no address of its own).
        if d.is_instance() {
            key.push_str(&format!("\0{}", d.address()));
            for c in &d.calls {
                key.push_str(&format!("\0{}:{}", c.path, c.name));
            }
            // Two plans of one configuration (per environment) make two instances.
            if let Some(plan) = &d.plan {
                key.push_str(&format!("\0{}", plan.path));
            }
        }
    } else if &*f.rule != reserved::PARSE_ERROR {
        // A parse error moves as the file is fixed; one per file is its identity.
        key.push_str(&first_line(f));
    }
    key
}

/// A finding's identity without its path, for following a file that was renamed or moved
/// (src/baseline/mod.rs): rule, deployment type, name and module address, or for findings
/// about no deployment the text of their first line.
pub fn moved_identity(f: &Finding) -> String {
    let mut key = format!("{}\0", f.rule);
    if let Some(d) = &f.deployment {
        key.push_str(&format!("{}\0{}", d.type_, d.name));
        if d.is_instance() {
            key.push_str(&format!("\0{}", d.address()));
        }
    } else if &*f.rule != reserved::PARSE_ERROR {
        key.push_str(&first_line(f));
    }
    sha256_hex(&key)
}

/// The text of a finding's first line, trimmed (its file's text read once).
fn first_line(f: &Finding) -> String {
    let c = f.file.contents();
    let line = c.index().line_of(f.span.start.min(c.text.len()));
    c.text[c.index().line_range(line, &c.text)]
        .trim()
        .to_string()
}

/// One fingerprint per finding, in the findings' order: the SHA-256 of its identity, and for
/// the second and later findings with the same identity (two resources named alike in one
/// file) of the identity and its occurrence number, so every finding's is unique.
pub fn fingerprints(findings: &[Finding]) -> Vec<String> {
    let mut prints = Fingerprints::default();
    findings.iter().map(|f| prints.next(f)).collect()
}

/// [`fingerprints`] one finding at a time, for a report written as it is made: what it keeps
/// per identity seen is 16 bytes of its digest and a count, not the identity's text (which,
/// with the fingerprints of a whole run collected, was 16 MB for 73,000 findings).
#[derive(Default)]
pub struct Fingerprints {
    seen: HashMap<u128, usize>,
}

impl Fingerprints {
    /// The fingerprint of the next finding of the run.
    pub fn next(&mut self, f: &Finding) -> String {
        let id = identity(f);
        let digest = Sha256::digest(id.as_bytes());
        let key = u128::from_le_bytes(digest[..16].try_into().expect("a SHA-256 has 32 bytes"));
        let n = self.seen.entry(key).or_insert(0);
        *n += 1;
        if *n == 1 {
            hex(&digest)
        } else {
            sha256_hex(&format!("{id}\0{n}"))
        }
    }
}

pub fn sha256_hex(s: &str) -> String {
    hex(&Sha256::digest(s.as_bytes()))
}

/// Lower-case hexadecimal of `bytes`.
pub(crate) fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uri_encodes_non_ascii_and_reserved_bytes() {
        assert_eq!(uri_of("infra/main.tf"), "infra/main.tf");
        assert_eq!(uri_of("infra/café #1.tf"), "infra/caf%C3%A9%20%231.tf");
    }

    #[test]
    fn utf16_region_counts_astral_chars_twice() {
        let f = SourceFile::new("a.tf", "x\n/* 🔒 */ resource {\n");
        let start = f.text().find("resource").unwrap();
        let r = utf16_region(&f, Span::new(start, start + 8));
        assert_eq!(
            r,
            Region {
                start_line: 2,
                start_column: 10,
                end_line: 2,
                end_column: 18
            }
        );
        // Counted in chars the same place is column 9.
        assert_eq!(f.line_col(start).column, 9);
    }
}
