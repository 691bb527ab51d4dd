//! The line-oriented config syntaxes: `.env`, INI (and `.conf`/`.cfg`), Java properties. Each
//! parser returns the file's `key = value` entries with the byte offset of every value; they
//! never fail (a line that is not an entry is skipped, or, in INI, read whole).

/// One entry: its key (INI keys prefixed with their `[section].`), its value's text as written
/// (quotes and inline comments cut), and the byte offset where that text starts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry<'a> {
    pub key: String,
    pub at: usize,
    pub value: &'a str,
}

/// `KEY=value`, `export KEY=value`, `KEY="value"` (double-quoted values may span lines),
/// `KEY='value'`, and `# comments`.
pub(crate) fn dotenv(text: &str) -> Vec<Entry<'_>> {
    let mut out = Vec::new();
    // Byte offset before which lines belong to a multi-line value already scanned.
    let mut skip_to = 0;
    for (start, line) in lines(text) {
        if start < skip_to {
            continue;
        }
        let body = line.trim_start();
        let mut at = start + (line.len() - body.len());
        let body = match body.strip_prefix("export") {
            Some(rest) if rest.starts_with([' ', '\t']) => {
                let rest = rest.trim_start();
                at += body.len() - rest.len();
                rest
            }
            _ => body,
        };
        let key_len = body
            .find(|c: char| !(c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-')))
            .unwrap_or(body.len());
        if key_len == 0 {
            continue;
        }
        let key = &body[..key_len];
        let after_key = body[key_len..].trim_start();
        let Some(value) = after_key.strip_prefix('=') else {
            continue;
        };
        let value_trimmed = value.trim_start();
        let value_at = at + (body.len() - value_trimmed.len());
        let (raw_start, raw) = match value_trimmed.chars().next() {
            Some(q @ ('"' | '\'' | '`')) => {
                let from = value_at + 1;
                match closing_quote(&text[from..], q) {
                    Some(len) => {
                        skip_to = from + len;
                        (from, &text[from..from + len])
                    }
                    None => (from, &value_trimmed[1..]),
                }
            }
            _ => (value_at, strip_inline_comment(value_trimmed, &['#'])),
        };
        out.push(Entry {
            key: key.to_string(),
            at: raw_start,
            value: raw,
        });
    }
    out
}

/// `[section]`, `key = value`, `key: value`, `;` and `#` comments. Lines that are not
/// `key = value` (an nginx `proxy_pass https://…;` in a `.conf`) are scanned whole.
pub(crate) fn ini(text: &str) -> Vec<Entry<'_>> {
    let mut out = Vec::new();
    let mut section: Option<String> = None;
    for (start, line) in lines(text) {
        let body = line.trim_start();
        let at = start + (line.len() - body.len());
        if body.is_empty() || body.starts_with([';', '#']) {
            continue;
        }
        if let Some(end) = body.strip_prefix('[').and_then(|inner| inner.find(']')) {
            section = Some(body[1..=end].trim().to_string());
            continue;
        }
        match split_key_value(body, &['=', ':']) {
            Some((key, value_offset)) if !key.contains(char::is_whitespace) => {
                let name = match &section {
                    Some(s) => format!("{s}.{key}"),
                    None => key.to_string(),
                };
                let value = &body[value_offset..];
                let value = strip_inline_comment(value, &[';', '#']);
                let (value, shift) = unquote(value);
                out.push(Entry {
                    key: name,
                    at: at + value_offset + shift,
                    value,
                });
            }
            _ => {
                let name = body.split_whitespace().next().unwrap_or("line");
                let name = name.trim_end_matches([':', '=', ';']);
                out.push(Entry {
                    key: name.to_string(),
                    at,
                    value: body,
                });
            }
        }
    }
    out
}

/// `key=value`, `key: value`, `key value`; `#` and `!` comments; a trailing `\` continues the
/// value on the next line.
pub(crate) fn properties(text: &str) -> Vec<Entry<'_>> {
    let mut out = Vec::new();
    let mut continuing: Option<String> = None;
    for (start, line) in lines(text) {
        let body = line.trim_start();
        let at = start + (line.len() - body.len());
        let continues =
            body.ends_with('\\') && (body.len() - body.trim_end_matches('\\').len()) % 2 == 1;
        if let Some(key) = continuing.take() {
            out.push(Entry {
                key: key.clone(),
                at,
                value: body,
            });
            if continues {
                continuing = Some(key);
            }
            continue;
        }
        if body.is_empty() || body.starts_with(['#', '!']) {
            continue;
        }
        let Some((key, value_offset)) = split_key_value(body, &['=', ':', ' ', '\t']) else {
            continue;
        };
        let key = key.replace('\\', "");
        let value = &body[value_offset..];
        out.push(Entry {
            key: key.clone(),
            at: at + value_offset,
            value,
        });
        if continues {
            continuing = Some(key);
        }
    }
    out
}

/// Lines with their byte offsets, without terminators (`\n` or `\r\n`).
fn lines(text: &str) -> impl Iterator<Item = (usize, &str)> {
    let mut offset = 0;
    text.split_inclusive('\n').map(move |raw| {
        let start = offset;
        offset += raw.len();
        let line = raw.strip_suffix('\n').unwrap_or(raw);
        let line = line.strip_suffix('\r').unwrap_or(line);
        match line.strip_prefix('\u{feff}') {
            Some(rest) if start == 0 => (3, rest),
            _ => (start, line),
        }
    })
}

/// Length up to the closing quote; `\` escapes inside double quotes.
fn closing_quote(s: &str, q: char) -> Option<usize> {
    let mut escaped = false;
    for (i, c) in s.char_indices() {
        if escaped {
            escaped = false;
        } else if c == '\\' && q == '"' {
            escaped = true;
        } else if c == q {
            return Some(i);
        }
    }
    None
}

/// A value up to a comment that follows whitespace (`x # note`); `#` inside a URL stays.
fn strip_inline_comment<'a>(value: &'a str, markers: &[char]) -> &'a str {
    let bytes = value.as_bytes();
    for (i, c) in value.char_indices() {
        if markers.contains(&c) && i > 0 && bytes[i - 1].is_ascii_whitespace() {
            return value[..i].trim_end();
        }
    }
    value.trim_end()
}

/// The key before the first unescaped separator, and the offset where the value starts
/// (separator and surrounding blanks skipped).
fn split_key_value<'a>(body: &'a str, separators: &[char]) -> Option<(&'a str, usize)> {
    let mut escaped = false;
    for (i, c) in body.char_indices() {
        if escaped {
            escaped = false;
            continue;
        }
        if c == '\\' {
            escaped = true;
            continue;
        }
        if separators.contains(&c) {
            let key = body[..i].trim_end();
            if key.is_empty() {
                return None;
            }
            let mut rest = &body[i..];
            // `key = value`, `key : value`, `key value`: one separator among blanks.
            rest = rest.trim_start_matches([' ', '\t']);
            if let Some(r) = rest.strip_prefix(['=', ':']) {
                rest = r;
            }
            rest = rest.trim_start_matches([' ', '\t']);
            return Some((key, body.len() - rest.len()));
        }
    }
    None
}

/// A value without its surrounding quotes, and how many bytes were cut from its start.
fn unquote(value: &str) -> (&str, usize) {
    for q in ['"', '\''] {
        if value.len() >= 2 && value.starts_with(q) && value.ends_with(q) {
            return (&value[1..value.len() - 1], 1);
        }
    }
    (value, 0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entries(parsed: Vec<Entry<'_>>) -> Vec<(String, usize, &str)> {
        parsed.into_iter().map(|e| (e.key, e.at, e.value)).collect()
    }

    #[test]
    fn dotenv_values_with_offsets_quotes_exports_and_comments() {
        let text = "# c\nexport A=https://a.example # note\nB=\"x\ny\"\nC='q'\n";
        assert_eq!(
            entries(dotenv(text)),
            vec![
                ("A".into(), 13, "https://a.example"),
                ("B".into(), 41, "x\ny"),
                ("C".into(), 49, "q"),
            ]
        );
        assert_eq!(&text[13..30], "https://a.example");
    }

    #[test]
    fn ini_sections_prefix_keys_and_other_lines_are_read_whole() {
        let text = "[db]\nhost = \"h.example\" ; c\nproxy_pass https://x;\n";
        assert_eq!(
            entries(ini(text)),
            vec![
                ("db.host".into(), 13, "h.example"),
                ("proxy_pass".into(), 28, "proxy_pass https://x;"),
            ]
        );
    }

    #[test]
    fn properties_continue_after_a_backslash() {
        let text = "\u{feff}a.b = one \\\n  two\n! c\nk v\n";
        assert_eq!(
            entries(properties(text)),
            vec![
                ("a.b".into(), 9, "one \\"),
                ("a.b".into(), 17, "two"),
                ("k".into(), 27, "v"),
            ]
        );
    }
}
