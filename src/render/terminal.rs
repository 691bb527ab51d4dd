//! Text from scanned files on a terminal. A resource name, a label's evidence or a file's line
//! comes from the repository being checked, which may be hostile: a control character in it
//! would reach the terminal as a command (move the cursor, rewrite a line already printed, set
//! the window title) instead of as text. The `human` and `short` formats show such characters
//! escaped, as Rust writes them (`\u{1b}`).

use std::borrow::Cow;
use std::fmt::Write as _;

/// Whether `c` is shown escaped: C0 and C1 control characters and DEL (tab and newline excepted,
/// which the formats lay text out with), and the bidirectional embeddings, overrides and
/// isolates, which make a terminal show text in another order than it is written (the "Trojan
/// Source" characters rustc also refuses to print as they are).
pub fn is_unsafe(c: char) -> bool {
    (c.is_control() && c != '\t' && c != '\n')
        || matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

/// `s` with every unsafe character escaped; borrowed when there is none (nearly always).
pub fn escape(s: &str) -> Cow<'_, str> {
    if !s.chars().any(is_unsafe) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        push_escaped(&mut out, c);
    }
    Cow::Owned(out)
}

/// Appends `c` to `out`, escaped if it is unsafe.
pub fn push_escaped(out: &mut String, c: char) {
    if is_unsafe(c) {
        // Writing to a String cannot fail.
        let _ = write!(out, "{}", c.escape_unicode());
    } else {
        out.push(c);
    }
}

/// How many bytes `s` takes once escaped.
pub fn escaped_len(s: &str) -> usize {
    s.chars()
        .map(|c| {
            if is_unsafe(c) {
                c.escape_unicode().len()
            } else {
                c.len_utf8()
            }
        })
        .sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_c0_c1_del_and_bidi_but_keeps_tab_newline_and_text() {
        assert_eq!(escape("plain é 🔒\ttab\nline"), "plain é 🔒\ttab\nline");
        assert!(matches!(escape("plain"), Cow::Borrowed(_)));
        assert_eq!(
            escape("\x1b[2J\rx\x07\x7f\u{9b}\u{202e}"),
            "\\u{1b}[2J\\u{d}x\\u{7}\\u{7f}\\u{9b}\\u{202e}"
        );
        let s = "a\x1bé\u{2066}";
        assert_eq!(escaped_len(s), escape(s).len());
    }
}
