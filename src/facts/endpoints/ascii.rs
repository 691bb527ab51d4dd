//! The matches of the host pattern (`HOST_RE` in src/facts/endpoints.rs) in ASCII text, found
//! by reading the pattern's structure instead of running the regex: most values scanned are
//! ASCII, and there the regex's forward and reverse searches were a tenth of a large run's
//! extraction. Text with any other byte goes to the regex, whose case rules (the Kelvin sign,
//! the long s) and Unicode white space this module does not follow.
//!
//! The pattern, leftmost-first, case-insensitive:
//!
//! ```text
//! (scheme :// (userinfo @)?)?  (label .)+ tld  (: port)?  ([/?#] path)?
//! scheme   = [a-z][a-z0-9+.-]*        userinfo = [^\s/?#@'"<>]*
//! label    = [a-z0-9]([a-z0-9-]*[a-z0-9])?
//! tld      = [a-z]([a-z0-9-]*[a-z0-9])?
//! port     = [0-9]{1,5}               path     = [^\s'"<>`]*
//! ```
//!
//! Each piece's repetition stops at a character its class does not hold, and what must follow
//! it (`://`, `@`, `.`) is not in the class, so each piece has one possible extent and the
//! regex's backtracking only chooses between the optional parts and the number of labels.
//! [`find`] tries them in the regex's order of preference, so it returns the regex's match.
//! Unit tests compare the two on random strings (src/facts/endpoints/tests.rs).

/// One match: where it starts and ends, whether it has a scheme, and the host's bounds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Found {
    pub start: usize,
    pub end: usize,
    pub has_scheme: bool,
    pub host_start: usize,
    pub host_end: usize,
}

/// The leftmost match in the ASCII text `b` at or after `from`.
pub(super) fn find(b: &[u8], from: usize) -> Option<Found> {
    // A failed attempt tells which later starts would fail the same way: a scheme read from
    // any position of the same run ends at the same place, and a host from any position of
    // a chain of labels meets the same labels. Those starts are skipped (linear time).
    let mut scheme_tried_to = from;
    let mut host_tried_to = from;
    let mut p = from;
    while p < b.len() {
        let c = b[p];
        if !c.is_ascii_alphanumeric() {
            p += 1;
            continue;
        }
        if c.is_ascii_alphabetic() && p >= scheme_tried_to {
            let s = run_end(b, p + 1, is_scheme_char);
            if b[s..].starts_with(b"://")
                && let Some(found) = after_scheme(b, p, s + 3)
            {
                return Some(found);
            }
            scheme_tried_to = s;
        }
        if p >= host_tried_to {
            match host(b, p) {
                Ok(host_end) => return Some(tail(b, p, false, p, host_end)),
                Err(chain_end) => host_tried_to = chain_end,
            }
        }
        p += 1;
    }
    None
}

/// The scheme branch from `start`, its `://` ending at `q`: with user information when an `@`
/// ends it and a host follows, else a host right at `q`.
fn after_scheme(b: &[u8], start: usize, q: usize) -> Option<Found> {
    let u = run_end(b, q, |c| {
        !(is_space(c) || matches!(c, b'/' | b'?' | b'#' | b'@' | b'\'' | b'"' | b'<' | b'>'))
    });
    if b.get(u) == Some(&b'@')
        && let Ok(end) = host(b, u + 1)
    {
        return Some(tail(b, start, true, u + 1, end));
    }
    host(b, q).ok().map(|end| tail(b, start, true, q, end))
}

/// The end of a host starting at `p`: as many `label.` as follow (at least one), then a tld;
/// with fewer labels when no tld starts where the last one ends. `Err` holds a position no
/// host starts before (after `p`): where the chain of labels read stopped.
fn host(b: &[u8], p: usize) -> Result<usize, usize> {
    if !b.get(p).is_some_and(u8::is_ascii_alphanumeric) {
        return Err(p + 1);
    }
    let mut labels = 0;
    // With fewer labels, the tld is a label read: the last one after the first that starts
    // with a letter (a label ends with a letter or digit, so all of it is the tld).
    let mut fewer = None;
    let mut i = p;
    loop {
        let e = run_end(b, i, is_label_char);
        if b[e - 1] == b'-' || b.get(e) != Some(&b'.') {
            if labels == 0 {
                return Err(e);
            }
            break;
        }
        if labels > 0 && b[i].is_ascii_alphabetic() {
            fewer = Some(e);
        }
        labels += 1;
        i = e + 1;
        if !b.get(i).is_some_and(u8::is_ascii_alphanumeric) {
            break;
        }
    }
    tld(b, i).or(fewer).ok_or(i)
}

/// The end of a tld at `q`: a letter, then label characters to the last letter or digit.
fn tld(b: &[u8], q: usize) -> Option<usize> {
    if !b.get(q).is_some_and(u8::is_ascii_alphabetic) {
        return None;
    }
    let mut t = run_end(b, q + 1, is_label_char);
    while t > q + 1 && b[t - 1] == b'-' {
        t -= 1;
    }
    Some(t)
}

/// The match from `start` with its host at `host_start..host_end`, then a port and a path
/// when they follow.
fn tail(b: &[u8], start: usize, has_scheme: bool, host_start: usize, host_end: usize) -> Found {
    let mut end = host_end;
    if b.get(end) == Some(&b':') {
        let digits = run_end(b, end + 1, |c| c.is_ascii_digit()) - (end + 1);
        if digits > 0 {
            end += 1 + digits.min(5);
        }
    }
    if matches!(b.get(end), Some(b'/' | b'?' | b'#')) {
        end = run_end(b, end + 1, |c| {
            !(is_space(c) || matches!(c, b'\'' | b'"' | b'<' | b'>' | b'`'))
        });
    }
    Found {
        start,
        end,
        has_scheme,
        host_start,
        host_end,
    }
}

/// The first position at or after `i` whose byte `keep` does not hold.
fn run_end(b: &[u8], i: usize, keep: impl Fn(u8) -> bool) -> usize {
    b[i.min(b.len())..]
        .iter()
        .position(|&c| !keep(c))
        .map_or(b.len(), |n| i + n)
}

fn is_label_char(c: u8) -> bool {
    c.is_ascii_alphanumeric() || c == b'-'
}

fn is_scheme_char(c: u8) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, b'+' | b'.' | b'-')
}

/// `\s` on ASCII: tab, line feed, vertical tab, form feed, carriage return and space.
fn is_space(c: u8) -> bool {
    matches!(c, b'\t' | b'\n' | b'\x0b' | b'\x0c' | b'\r' | b' ')
}
