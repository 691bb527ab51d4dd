//! Where the comments of a file are, in its own syntax: a small lexer per syntax that knows
//! its strings, so that a `#` or `//` inside a value is never taken for a comment.
//!
//! None of the parsers cloudpact uses hands its comments over with positions (saphyr's events,
//! the HCL parser of `parse::hcl` and the `toml` crate skip them), and a directive must also be
//! found in a file that does not parse (it may suppress the `cloudpact.parse-error`). The
//! lexers are best effort on broken text: an unterminated string ends at the end of its line
//! (HCL, Bicep, TOML, INI) or of the file (YAML, `.env`), so what follows it is not a comment.
//! `.pact` files use the policy formatter's exact comment scan (`dsl::fmt::comments`).

/// One comment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Comment {
    /// Byte offset of the opener (`#`, `//`, `/*`, `;`, `!`).
    pub start: usize,
    /// Byte offset of the text after the opener.
    pub body: usize,
    /// Byte offset of the end: the line's end for a line comment, after `*/` for a block one.
    pub end: usize,
    /// The character the opener repeats (`/**`, `##`): skipped before a directive.
    pub opener: u8,
    /// A `/* … */` comment.
    pub block: bool,
}

/// The comment syntax of a file, by its name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    /// No comments (JSON): use `waivers`.
    None,
    /// Terraform, OpenTofu, HCL: `#`, `//`, `/* */`; `"…"` strings with `${…}` templates,
    /// heredocs.
    Hcl,
    /// YAML (and Helm templates, CloudFormation `.template`): `#` at a line's start or after
    /// a blank, outside quoted scalars and block scalars.
    Yaml,
    /// TOML: `#` at a line's start or after a blank, outside strings.
    Toml,
    /// INI: `#` or `;` at a line's start or after a blank, outside a quoted value.
    Ini,
    /// `.env`: `#` at a line's start or after a blank, outside a quoted value.
    Dotenv,
    /// Java properties: lines starting with `#` or `!` only (a value may hold either).
    Properties,
    /// Bicep: `//`, `/* */`; `'…'` strings with `${…}`, `'''…'''`.
    Bicep,
    /// cloudpact policies: `#`, `//`, `/* */`; `"…"` strings.
    Pact,
    /// JavaScript, Go, Java and the like: `//`, `/* */`; `"…"`, `'…'` and `` `…` `` strings.
    CLike,
    /// Anything else line-oriented (shell, Dockerfile): lines starting with `#` only.
    Hash,
}

impl Lang {
    /// The syntax of a path, by its name.
    pub(crate) fn of(path: &str) -> Lang {
        let name = path.rsplit('/').next().unwrap_or(path).to_ascii_lowercase();
        if name == ".env" || name.starts_with(".env.") || name.ends_with(".env") {
            return Lang::Dotenv;
        }
        let ext = name.rsplit_once('.').map_or("", |(_, e)| e);
        match ext {
            "json" | "ipynb" | "tfstate" => Lang::None,
            "tf" | "tofu" | "tfvars" | "hcl" | "nomad" => Lang::Hcl,
            "pact" => Lang::Pact,
            "yaml" | "yml" | "tpl" | "template" => Lang::Yaml,
            "toml" => Lang::Toml,
            "ini" | "cfg" | "conf" => Lang::Ini,
            "properties" => Lang::Properties,
            "bicep" | "bicepparam" => Lang::Bicep,
            "js" | "mjs" | "cjs" | "ts" | "mts" | "cts" | "jsonc" | "go" | "java" | "cs" | "kt" => {
                Lang::CLike
            }
            _ => Lang::Hash,
        }
    }
}

/// Every comment of `text` in the syntax `lang`, in order.
pub(crate) fn comments(text: &str, lang: Lang) -> Vec<Comment> {
    match lang {
        Lang::None => Vec::new(),
        Lang::Hcl => code(text, Code::HCL),
        Lang::Bicep => code(text, Code::BICEP),
        Lang::CLike => code(text, Code::C_LIKE),
        Lang::Pact => crate::dsl::fmt::comments(text)
            .into_iter()
            .map(|c| {
                let block = text[c.span.start..].starts_with("/*");
                let opener = if block {
                    b'*'
                } else {
                    text.as_bytes()[c.span.start]
                };
                let len = if text[c.span.start..].starts_with('#') {
                    1
                } else {
                    2
                };
                Comment {
                    start: c.span.start,
                    body: c.span.start + len,
                    end: c.span.end,
                    opener,
                    block,
                }
            })
            .collect(),
        Lang::Yaml => yaml(text),
        Lang::Toml => toml(text),
        Lang::Ini => ini(text),
        Lang::Dotenv => dotenv(text),
        Lang::Properties => properties(text),
        Lang::Hash => lines(text)
            .filter_map(|(start, line)| {
                let at = start + (line.len() - line.trim_start().len());
                line.trim_start().starts_with('#').then(|| Comment {
                    opener: b'#',
                    ..line_comment(at, 1, start + line.len())
                })
            })
            .collect(),
    }
}

/// Each line with its start offset, without its `\n`.
fn lines(text: &str) -> impl Iterator<Item = (usize, &str)> {
    let mut at = 0;
    text.split_inclusive('\n').map(move |l| {
        let start = at;
        at += l.len();
        (start, l.strip_suffix('\n').unwrap_or(l))
    })
}

fn line_comment(start: usize, opener_len: usize, end: usize) -> Comment {
    Comment {
        start,
        body: start + opener_len,
        end,
        opener: 0,
        block: false,
    }
}

/// The end of the line holding `at` (the offset of its `\n`, or the text's end).
fn line_end(b: &[u8], at: usize) -> usize {
    b[at.min(b.len())..]
        .iter()
        .position(|&c| c == b'\n')
        .map_or(b.len(), |i| at + i)
}

/// Whether `at` starts a line or follows a blank: where `#` opens a comment in the
/// line-oriented formats.
fn after_blank(b: &[u8], at: usize) -> bool {
    at == 0 || matches!(b[at - 1], b' ' | b'\t' | b'\n' | b'\r')
}

/// The syntaxes lexed as code with strings and nested `${…}` templates.
#[derive(Clone, Copy)]
struct Code {
    hash: bool,
    quote: u8,
    /// Other quotes whose strings hold no template (`'…'`, `` `…` `` in C-like text).
    other_quotes: &'static [u8],
    /// `'''…'''` verbatim strings (Bicep).
    triple: bool,
    /// `<<EOF` heredocs (HCL).
    heredoc: bool,
    templates: bool,
}

impl Code {
    const HCL: Code = Code {
        hash: true,
        quote: b'"',
        other_quotes: &[],
        triple: false,
        heredoc: true,
        templates: true,
    };
    const BICEP: Code = Code {
        hash: false,
        quote: b'\'',
        other_quotes: &[],
        triple: true,
        heredoc: false,
        templates: true,
    };
    const C_LIKE: Code = Code {
        hash: false,
        quote: b'"',
        other_quotes: b"'`",
        triple: false,
        heredoc: false,
        templates: false,
    };
}

/// What the code lexer is inside: code (top level or a template's `${…}`, with the braces
/// opened there) or a string.
enum Frame {
    Code { braces: usize },
    Str { quote: u8 },
}

/// Comments of code with strings: an explicit stack of strings and templates, so deep
/// nesting cannot overflow the call stack.
fn code(text: &str, syn: Code) -> Vec<Comment> {
    let b = text.as_bytes();
    let mut out = Vec::new();
    let mut stack = vec![Frame::Code { braces: 0 }];
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        let next = b.get(i + 1).copied();
        match stack.last_mut() {
            Some(Frame::Str { quote }) => {
                let quote = *quote;
                match c {
                    b'\\' => i += 2,
                    b'\n' if quote != b'`' => {
                        // An unterminated string ends with its line.
                        stack.pop();
                        i += 1;
                    }
                    _ if c == quote => {
                        stack.pop();
                        i += 1;
                    }
                    b'$' | b'%' if syn.templates && quote == syn.quote && next == Some(b'{') => {
                        stack.push(Frame::Code { braces: 0 });
                        i += 2;
                    }
                    // `$${` and `%%{` are a literal `${` and `%{` in HCL.
                    b'$' | b'%' if syn.templates && next == Some(c) => i += 2,
                    _ => i += 1,
                }
            }
            Some(Frame::Code { braces }) => match c {
                b'#' if syn.hash => {
                    let end = line_end(b, i);
                    out.push(Comment {
                        opener: b'#',
                        ..line_comment(i, 1, end)
                    });
                    i = end;
                }
                b'/' if next == Some(b'/') => {
                    let end = line_end(b, i);
                    out.push(Comment {
                        opener: b'/',
                        ..line_comment(i, 2, end)
                    });
                    i = end;
                }
                b'/' if next == Some(b'*') => {
                    let end = text[i + 2..].find("*/").map_or(b.len(), |n| i + 2 + n + 2);
                    out.push(Comment {
                        start: i,
                        body: i + 2,
                        end,
                        opener: b'*',
                        block: true,
                    });
                    i = end;
                }
                b'\'' if syn.triple && text[i..].starts_with("'''") => {
                    i = text[i + 3..].find("'''").map_or(b.len(), |n| i + 3 + n + 3);
                }
                b'<' if syn.heredoc && next == Some(b'<') => i = heredoc(text, i),
                _ if c == syn.quote || syn.other_quotes.contains(&c) => {
                    stack.push(Frame::Str { quote: c });
                    i += 1;
                }
                b'{' => {
                    *braces += 1;
                    i += 1;
                }
                b'}' => {
                    if *braces > 0 {
                        *braces -= 1;
                    } else if stack.len() > 1 {
                        // The end of a template's `${…}`: back in its string.
                        stack.pop();
                    }
                    i += 1;
                }
                _ => i += 1,
            },
            None => break,
        }
    }
    out
}

/// Past an HCL heredoc starting at `at` (`<<EOF` or `<<-EOF`, then its lines, then a line
/// holding only `EOF`); just past `<<` when it is not one.
fn heredoc(text: &str, at: usize) -> usize {
    let rest = &text[at + 2..];
    let rest = rest.strip_prefix('-').unwrap_or(rest);
    let name_len = rest
        .bytes()
        .take_while(|c| c.is_ascii_alphanumeric() || matches!(c, b'_' | b'-'))
        .count();
    let name = &rest[..name_len];
    let after = &rest[name_len..];
    let header_end = after.find('\n');
    if name.is_empty()
        || !name.as_bytes()[0].is_ascii_alphabetic()
        || header_end.is_none_or(|e| !after[..e].trim().is_empty())
    {
        return at + 2;
    }
    let body_start = text.len() - after.len() + header_end.unwrap_or(0) + 1;
    let mut end = text.len();
    for (start, line) in lines(&text[body_start..]) {
        if line.trim() == name {
            end = body_start + start + line.len();
            break;
        }
    }
    end
}

/// YAML: `#` after a blank outside quoted scalars, and no comment inside a block scalar.
fn yaml(text: &str) -> Vec<Comment> {
    let b = text.as_bytes();
    let mut out = Vec::new();
    // While in a block scalar: the indentation its lines must exceed (`-1`: a document's).
    let mut block: Option<isize> = None;
    // Open `[` and `{`: inside them `,` ends a plain scalar.
    let mut flow = 0usize;
    let mut i = 0;
    while i < b.len() {
        // `i` is at a line's start.
        let end = line_end(b, i);
        let line = &text[i..end];
        let indent = line.len() - line.trim_start_matches(' ').len();
        let marker = line.starts_with("---") || line.starts_with("...");
        if let Some(n) = block {
            let blank = line.trim().is_empty();
            if blank || (indent as isize > n && !(n < 0 && marker)) {
                i = end + 1;
                continue;
            }
            block = None;
        }
        let mut j = i + indent;
        if marker && matches!(b.get(i + 3), Some(b' ' | b'\t' | b'\r' | b'\n') | None) {
            j = i + 3;
        }
        // Whether a plain scalar runs here: quotes and `|` inside it are characters.
        let mut plain = false;
        // Where the line's node starts: a document (`---`), a sequence entry's `-`, or its
        // first key or value. A block scalar on the line belongs to that node.
        let mut dash: Option<usize> = None;
        let mut first: Option<usize> = None;
        while j < end {
            let c = b[j];
            match c {
                b'#' if after_blank(b, j) => {
                    out.push(Comment {
                        opener: b'#',
                        ..line_comment(j, 1, end)
                    });
                    break;
                }
                b'"' | b'\'' if !plain => {
                    first.get_or_insert(j - i);
                    j = quoted(b, j);
                    continue;
                }
                b'|' | b'>' if !plain => {
                    let header = &text[j + 1..end];
                    let indicators = header
                        .bytes()
                        .take_while(|c| c.is_ascii_digit() || matches!(c, b'+' | b'-'))
                        .count();
                    let after = &header[indicators..];
                    if after.trim().is_empty() || after.starts_with([' ', '\t']) {
                        let node = if marker {
                            -1
                        } else {
                            first.or(dash).unwrap_or(indent) as isize
                        };
                        block = Some(node);
                    }
                    j += 1 + indicators;
                    continue;
                }
                b'-' if !plain
                    && first.is_none()
                    && matches!(b.get(j + 1), Some(b' ' | b'\t' | b'\r' | b'\n') | None) =>
                {
                    dash = Some(j - i);
                }
                b':' if matches!(b.get(j + 1), Some(b' ' | b'\t' | b'\r' | b'\n') | None) => {
                    plain = false;
                }
                b'[' | b'{' if !plain => {
                    first.get_or_insert(j - i);
                    flow += 1;
                }
                b']' | b'}' if flow > 0 => {
                    flow -= 1;
                    plain = false;
                }
                b',' if flow > 0 => plain = false,
                b' ' | b'\t' | b'\r' => {}
                b'?' | b'&' | b'*' | b'!' if !plain => {
                    // An indicator, an anchor, an alias or a tag: a word that is no scalar.
                    while j < end && !matches!(b[j], b' ' | b'\t') {
                        j += 1;
                    }
                    continue;
                }
                _ => {
                    first.get_or_insert(j - i);
                    plain = true;
                }
            }
            j += 1;
        }
        if j > end {
            // A quoted scalar ran past this line: go on at its closing quote, which may be
            // followed by a comment (`j` is then inside a later line).
            let rest_end = line_end(b, j);
            let mut k = j;
            while k < rest_end {
                match b[k] {
                    b'#' if after_blank(b, k) => {
                        out.push(Comment {
                            opener: b'#',
                            ..line_comment(k, 1, rest_end)
                        });
                        break;
                    }
                    b'"' | b'\'' => {
                        k = quoted(b, k);
                        continue;
                    }
                    _ => k += 1,
                }
            }
            i = line_end(b, k) + 1;
            continue;
        }
        i = end + 1;
    }
    out
}

/// Past the YAML quoted scalar opening at `at` (`"…"` with `\` escapes, `'…'` with `''`);
/// the text's end when it never closes.
fn quoted(b: &[u8], at: usize) -> usize {
    let q = b[at];
    let mut i = at + 1;
    while i < b.len() {
        match b[i] {
            b'\\' if q == b'"' => i += 2,
            c if c == q => {
                if q == b'\'' && b.get(i + 1) == Some(&b'\'') {
                    i += 2;
                } else {
                    return i + 1;
                }
            }
            _ => i += 1,
        }
    }
    b.len()
}

/// TOML: strings are `"…"`, `'…'`, `"""…"""` and `'''…'''`.
fn toml(text: &str) -> Vec<Comment> {
    let b = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        match c {
            b'#' if after_blank(b, i) => {
                let end = line_end(b, i);
                out.push(Comment {
                    opener: b'#',
                    ..line_comment(i, 1, end)
                });
                i = end;
            }
            b'"' | b'\'' => {
                let triple = if c == b'"' { "\"\"\"" } else { "'''" };
                if text[i..].starts_with(triple) {
                    i = text[i + 3..]
                        .find(triple)
                        .map_or(b.len(), |n| i + 3 + n + 3);
                } else {
                    i += 1;
                    while i < b.len() && b[i] != c && b[i] != b'\n' {
                        if c == b'"' && b[i] == b'\\' {
                            i += 1;
                        }
                        i += 1;
                    }
                    i += 1;
                }
            }
            _ => i += 1,
        }
    }
    out
}

/// INI: a value quoted from its first character is one string.
fn ini(text: &str) -> Vec<Comment> {
    let b = text.as_bytes();
    let mut out = Vec::new();
    for (start, line) in lines(text) {
        let end = start + line.len();
        let mut j = start;
        let mut value_start = None;
        while j < end {
            let c = b[j];
            match c {
                b'#' | b';' if after_blank(b, j) => {
                    out.push(Comment {
                        opener: c,
                        ..line_comment(j, 1, end)
                    });
                    break;
                }
                b'=' | b':' if value_start.is_none() => value_start = Some(j + 1),
                b'"' | b'\'' if value_start.is_some_and(|v| text[v..j].trim().is_empty()) => {
                    j = b[j + 1..end]
                        .iter()
                        .position(|&x| x == c)
                        .map_or(end, |n| j + 1 + n);
                }
                _ => {}
            }
            j += 1;
        }
    }
    out
}

/// `.env`: `KEY=VALUE`, a value quoted from its first character being one string, which may
/// span lines.
fn dotenv(text: &str) -> Vec<Comment> {
    let b = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        // `i` is at a line's start; a quoted value may carry `j` into later lines.
        let mut j = i;
        let mut value: Option<usize> = None;
        let mut quoted = false;
        while j < b.len() && b[j] != b'\n' {
            let c = b[j];
            match c {
                b'#' if after_blank(b, j) => {
                    let end = line_end(b, j);
                    out.push(Comment {
                        opener: b'#',
                        ..line_comment(j, 1, end)
                    });
                    j = end;
                    break;
                }
                b'=' if value.is_none() => value = Some(j + 1),
                b'"' | b'\'' | b'`'
                    if !quoted && value.is_some_and(|v| text[v..j].trim().is_empty()) =>
                {
                    // `\` escapes only in double quotes.
                    let mut k = j + 1;
                    while k < b.len() && b[k] != c {
                        if c == b'"' && b[k] == b'\\' {
                            k += 1;
                        }
                        k += 1;
                    }
                    quoted = true;
                    j = k + 1;
                    continue;
                }
                _ => {}
            }
            j += 1;
        }
        i = j + 1;
    }
    out
}

/// Java properties: comment lines only, and not a line that continues a value (the line
/// before ends in an odd number of `\`).
fn properties(text: &str) -> Vec<Comment> {
    let mut out = Vec::new();
    let mut continued = false;
    for (start, line) in lines(text) {
        let body = line.trim_end_matches('\r');
        let trimmed = body.trim_start();
        let is_comment = !continued && (trimmed.starts_with('#') || trimmed.starts_with('!'));
        if is_comment {
            let at = start + (body.len() - trimmed.len());
            out.push(Comment {
                opener: trimmed.as_bytes()[0],
                ..line_comment(at, 1, start + line.len())
            });
            continued = false;
        } else {
            let slashes = body.bytes().rev().take_while(|&c| c == b'\\').count();
            continued = slashes % 2 == 1;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The text of every comment from its opener.
    fn texts(text: &str, lang: Lang) -> Vec<&str> {
        comments(text, lang)
            .iter()
            .map(|c| text[c.start..c.end].trim_end())
            .collect()
    }

    #[test]
    fn hcl_strings_templates_and_heredocs_hold_no_comment() {
        let text = "a = \"# no\" # yes 1\nb = \"${x == \"// no\" ? 1 : 2}\" // yes 2\n\
                    c = <<-EOT\n  # no\n  EOT\n/* yes 3 */ d = \"$${x} # no\"\ne = \"\\\" # no\"\n";
        assert_eq!(
            texts(text, Lang::Hcl),
            ["# yes 1", "// yes 2", "/* yes 3 */"]
        );
        // An unterminated string ends with its line.
        assert_eq!(texts("a = \"x\n# yes\n", Lang::Hcl), ["# yes"]);
    }

    #[test]
    fn yaml_quotes_and_block_scalars_hold_no_comment() {
        let text = "a: \"# no\" # yes 1\nb: 'it''s # no'\nc: |\n  # no\n  text # no\n\
                    d: url#no # yes 2\ne: don't # yes 3\n- >-\n  # no\n# yes 4\nf: \"multi\n  # no\n  line\" # yes 5\n";
        assert_eq!(
            texts(text, Lang::Yaml),
            ["# yes 1", "# yes 2", "# yes 3", "# yes 4", "# yes 5"]
        );
        // The header line's own comment is one; the scalar ends where indentation does.
        let text = "spec:\n  script: | # yes 1\n    # no\n\n    # no\n  other: 1 # yes 2\n";
        assert_eq!(texts(text, Lang::Yaml), ["# yes 1", "# yes 2"]);
        // Under a sequence entry, the entry's key column decides.
        let text = "- run: |\n    # no\n  # yes\n";
        assert_eq!(texts(text, Lang::Yaml), ["# yes"]);
    }

    #[test]
    fn dotenv_toml_and_ini_quoted_values_hold_no_comment() {
        let env = "# yes 1\nA=\"x # no\" # yes 2\nB='multi\n# no\n'\nC=plain#no # yes 3\n";
        assert_eq!(texts(env, Lang::Dotenv), ["# yes 1", "# yes 2", "# yes 3"]);
        let toml = "a = \"# no\" # yes 1\nb = '''\n# no\n'''\n# yes 2\n";
        assert_eq!(texts(toml, Lang::Toml), ["# yes 1", "# yes 2"]);
        let ini = "; yes 1\n[s]\na = \"x ; no\" ; yes 2\nb = x#no # yes 3\n";
        assert_eq!(texts(ini, Lang::Ini), ["; yes 1", "; yes 2", "# yes 3"]);
    }

    #[test]
    fn properties_bicep_and_pact() {
        let props = "# yes 1\na = b # no\nc = d \\\n  # no\n! yes 2\n";
        assert_eq!(texts(props, Lang::Properties), ["# yes 1", "! yes 2"]);
        let bicep =
            "var a = '// no ${b ? '/* no' : 'c'}' // yes 1\nvar m = '''\n// no\n'''\n/* yes 2 */\n";
        assert_eq!(texts(bicep, Lang::Bicep), ["// yes 1", "/* yes 2 */"]);
        let pact = "policy p { # yes 1\n  deny d { message \"# no\" } // yes 2\n}\n";
        assert_eq!(texts(pact, Lang::Pact), ["# yes 1", "// yes 2"]);
    }

    #[test]
    fn deep_nesting_does_not_exhaust_the_stack() {
        let text = "a = \"".to_string() + &"${\"".repeat(100_000) + "\n# yes\n";
        assert_eq!(texts(&text, Lang::Hcl), ["# yes"]);
    }
}
