//! The protocol's positions and URIs at the edge: byte offsets (what every span holds) to and
//! from `Position`s in the negotiated encoding, and `file://` URIs to and from paths.

use std::path::{Path, PathBuf};
use std::str::FromStr;

use lsp_types::{Position, PositionEncodingKind, Range, Uri};

use crate::source::{LineIndex, SourceFile, Span, clamp_to_char_boundary};

/// The unit of `Position.character`, agreed in `initialize`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Encoding {
    /// UTF-16 code units: the protocol's default, which every client understands.
    #[default]
    Utf16,
    /// Bytes: our spans as they are, when the client offers it.
    Utf8,
}

impl Encoding {
    /// UTF-8 when the client offers it (no conversion at all), else UTF-16.
    pub(crate) fn negotiate(offered: Option<&[PositionEncodingKind]>) -> Encoding {
        match offered {
            Some(kinds) if kinds.contains(&PositionEncodingKind::UTF8) => Encoding::Utf8,
            _ => Encoding::Utf16,
        }
    }

    pub(crate) fn kind(self) -> PositionEncodingKind {
        match self {
            Encoding::Utf16 => PositionEncodingKind::UTF16,
            Encoding::Utf8 => PositionEncodingKind::UTF8,
        }
    }

    /// The position of a byte offset.
    pub(crate) fn position(self, text: &str, index: &LineIndex, offset: usize) -> Position {
        match self {
            Encoding::Utf16 => {
                let (line, character) = index.utf16_position(text, offset);
                Position { line, character }
            }
            Encoding::Utf8 => {
                let offset = clamp_to_char_boundary(text, offset);
                let line = index.line_of(offset);
                let start = index.line_start(line).unwrap_or(0);
                Position {
                    line: line as u32,
                    character: (offset - start) as u32,
                }
            }
        }
    }

    /// The byte offset of a position; past the end of a line it clamps to the line's end.
    pub(crate) fn offset(self, text: &str, index: &LineIndex, pos: Position) -> usize {
        match self {
            Encoding::Utf16 => index.offset_of_utf16(text, pos.line, pos.character),
            Encoding::Utf8 => {
                let Some(start) = index.line_start(pos.line as usize) else {
                    return text.len();
                };
                let end = index.line_range(pos.line as usize, text).end;
                clamp_to_char_boundary(text, (start + pos.character as usize).min(end))
            }
        }
    }

    pub(crate) fn range(self, file: &SourceFile, span: Span) -> Range {
        Range {
            start: self.position(&file.text(), &file.index(), span.start),
            end: self.position(&file.text(), &file.index(), span.end),
        }
    }
}

/// The local path a `file://` URI names; `None` for other schemes.
pub(crate) fn uri_to_path(uri: &Uri) -> Option<PathBuf> {
    let rest = uri.as_str().strip_prefix("file://")?;
    // `file:///p` (empty host) or `file://localhost/p`.
    let path = if rest.starts_with('/') {
        rest
    } else {
        &rest[rest.find('/')?..]
    };
    let path = path.split(['?', '#']).next().unwrap_or(path);
    let decoded = percent_encoding::percent_decode_str(path)
        .decode_utf8()
        .ok()?
        .into_owned();
    // `file:///C:/x` on Windows.
    #[cfg(windows)]
    let decoded = decoded.trim_start_matches('/').to_string();
    Some(PathBuf::from(decoded))
}

/// The `file://` URI of an absolute path.
pub(crate) fn path_to_uri(path: &Path) -> Uri {
    let s = path.to_string_lossy().replace('\\', "/");
    let mut out = String::from("file://");
    if !s.starts_with('/') {
        out.push('/');
    }
    out.extend(percent_encoding::utf8_percent_encode(&s, PATH_ESCAPES));
    Uri::from_str(&out).unwrap_or_else(|_| Uri::from_str("file:///").expect("a valid URI"))
}

/// What a `file://` URI's path escapes: everything but unreserved characters, `/` and `:`.
const PATH_ESCAPES: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~')
    .remove(b'/')
    .remove(b':');

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn utf16_counts_non_ascii_before_the_span() {
        // "é" is 2 bytes and 1 UTF-16 unit; "🔒" is 4 bytes and 2 units.
        let f = SourceFile::new("a.tf", "# é🔒\nx = \"🔒\" # y\n");
        let y = f.text().find('y').unwrap();
        let r = Encoding::Utf16.range(&f, Span::new(y, y + 1));
        assert_eq!(r.start, Position::new(1, 11));
        assert_eq!(r.end, Position::new(1, 12));
        assert_eq!(Encoding::Utf16.offset(&f.text(), &f.index(), r.start), y);
        let r8 = Encoding::Utf8.range(&f, Span::new(y, y + 1));
        assert_eq!(r8.start, Position::new(1, 13));
        assert_eq!(Encoding::Utf8.offset(&f.text(), &f.index(), r8.start), y);
    }

    #[test]
    fn positions_past_the_line_clamp_to_its_end() {
        let f = SourceFile::new("a", "ab\ncd\n");
        assert_eq!(
            Encoding::Utf16.offset(&f.text(), &f.index(), Position::new(0, 99)),
            2
        );
        assert_eq!(
            Encoding::Utf8.offset(&f.text(), &f.index(), Position::new(0, 99)),
            2
        );
        assert_eq!(
            Encoding::Utf8.offset(&f.text(), &f.index(), Position::new(9, 0)),
            6
        );
    }

    #[test]
    fn negotiation_prefers_utf8_only_when_offered() {
        assert_eq!(Encoding::negotiate(None), Encoding::Utf16);
        assert_eq!(
            Encoding::negotiate(Some(&[PositionEncodingKind::UTF16])),
            Encoding::Utf16
        );
        assert_eq!(
            Encoding::negotiate(Some(&[
                PositionEncodingKind::UTF16,
                PositionEncodingKind::UTF8
            ])),
            Encoding::Utf8
        );
    }

    #[test]
    fn uris_round_trip_with_spaces_and_unicode() {
        let p = Path::new("/tmp/my repo/é/main.tf");
        let uri = path_to_uri(p);
        assert_eq!(uri.as_str(), "file:///tmp/my%20repo/%C3%A9/main.tf");
        assert_eq!(uri_to_path(&uri).unwrap(), p);
        let host = Uri::from_str("file://localhost/etc/x.tf").unwrap();
        assert_eq!(uri_to_path(&host).unwrap(), Path::new("/etc/x.tf"));
        assert!(uri_to_path(&Uri::from_str("untitled:Untitled-1").unwrap()).is_none());
    }
}
