//! A span-aware reader for the parts of Bicep that say what is deployed where: `resource`
//! declarations (conditional, looped, `existing`, nested children), `module` declarations with
//! their body, `param` defaults (and a `.bicepparam` file's `using` and `param` values), `var`
//! values, and the object values of resource bodies. Everything else (outputs, types,
//! functions, decorators) is skipped with its brackets balanced.
//!
//! Two phases: a lexer that knows comments and strings (escapes, `${…}` interpolation with
//! nested strings, `'''` multi-line strings), then a bracket check that reports the first
//! unbalanced or unclosed bracket, then a tolerant parser that cannot fail.

use std::collections::HashMap;

use super::lex::{Tok, check_brackets, lex};
use crate::parse::tree::SyntaxError;
use crate::source::Span;

/// Deeper bracket nesting is refused (the parser recurses once per level).
pub(crate) const MAX_DEPTH: usize = 256;

/// A value as far as cloudpact reads it.
#[derive(Debug, Clone, PartialEq)]
pub enum BVal {
    Str(String, Span),
    /// A bare identifier (`location`, a parameter or variable name).
    Ident(String, Span),
    Object(Obj),
    Array(Vec<BVal>, Span),
    /// Any other expression (`resourceGroup().location`, `'${x}'`, `a ? b : c`).
    Expr(Span),
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct Obj {
    pub span: Span,
    pub props: Vec<(String, BVal)>,
    /// Child `resource` declarations written inside the body.
    pub resources: Vec<ResourceDecl>,
}

impl Obj {
    pub(crate) fn get(&self, key: &str) -> Option<&BVal> {
        self.props
            .iter()
            .rev()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v)
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct ResourceDecl {
    /// From the `resource` keyword to the end of the type string.
    pub head: Span,
    pub symbol: String,
    /// The type without its `@api-version`.
    pub type_: String,
    pub type_span: Span,
    pub existing: bool,
    pub body: Option<Obj>,
}

/// `module SYMBOL 'path' = VALUE`.
#[derive(Debug, Clone, PartialEq)]
pub struct ModuleDecl {
    /// From the `module` keyword to the end of the path string.
    pub head: Span,
    pub symbol: String,
    /// The path as written (`./storage.bicep`, `br/public:…`).
    pub path: String,
    /// The declaration's object (`{ name: …, params: { … } }`), also under `if` or `[for …]`.
    pub body: Option<Obj>,
}

#[derive(Debug, Default)]
pub struct BicepFile {
    pub resources: Vec<ResourceDecl>,
    pub modules: Vec<ModuleDecl>,
    /// A `.bicepparam` file's `using 'PATH'`: the template it sets the parameters of.
    pub using: Option<(String, Span)>,
    /// Parameter defaults in a template; parameter values in a `.bicepparam` file.
    pub params: HashMap<String, BVal>,
    pub vars: HashMap<String, BVal>,
}

pub(crate) fn parse(text: &str) -> Result<BicepFile, SyntaxError> {
    let tokens = lex(text)?;
    check_brackets(&tokens)?;
    let mut p = Parser {
        toks: &tokens,
        i: 0,
    };
    Ok(p.file())
}

struct Parser<'a, 't> {
    toks: &'a [super::lex::Token<'t>],
    i: usize,
}

impl<'a, 't> Parser<'a, 't> {
    fn peek(&self) -> Option<&'a Tok<'t>> {
        self.toks.get(self.i).map(|t| &t.tok)
    }

    fn peek_at(&self, n: usize) -> Option<&'a Tok<'t>> {
        self.toks.get(self.i + n).map(|t| &t.tok)
    }

    fn span(&self) -> Span {
        self.toks
            .get(self.i)
            .or(self.toks.last())
            .map_or(Span::empty(0), |t| t.span)
    }

    fn prev_end(&self) -> usize {
        self.i
            .checked_sub(1)
            .and_then(|j| self.toks.get(j))
            .map_or(0, |t| t.span.end)
    }

    fn is_ident(&self, word: &str) -> bool {
        matches!(self.peek(), Some(Tok::Ident(w)) if *w == word)
    }

    fn skip_newlines(&mut self) {
        while matches!(self.peek(), Some(Tok::Newline)) {
            self.i += 1;
        }
    }

    fn file(&mut self) -> BicepFile {
        let mut f = BicepFile::default();
        loop {
            self.skip_newlines();
            let Some(tok) = self.peek() else { break };
            match tok {
                Tok::Ident("resource") => match self.resource() {
                    Some(r) => f.resources.push(r),
                    None => self.skip_statement(),
                },
                Tok::Ident("module") => match self.module() {
                    Some(m) => f.modules.push(m),
                    None => self.skip_statement(),
                },
                Tok::Ident("using") => {
                    if let Some(Tok::Str(Some(path))) = self.peek_at(1) {
                        let span = self.toks[self.i + 1].span;
                        f.using = Some((path.to_string(), span));
                    }
                    self.i += 1;
                    self.skip_statement();
                }
                Tok::Ident(w @ ("param" | "var")) => {
                    let is_param = *w == "param";
                    self.i += 1;
                    let Some(&Tok::Ident(name)) = self.peek() else {
                        self.skip_statement();
                        continue;
                    };
                    self.i += 1;
                    // A param's type (`string`, `'a' | 'b'`, `{ … }`) runs up to `=`.
                    if self.skip_until_assign() {
                        let value = self.value();
                        let table = if is_param { &mut f.params } else { &mut f.vars };
                        table.insert(name.to_string(), value);
                    }
                    self.skip_statement();
                }
                Tok::Punct('@') => {
                    self.i += 1;
                    self.skip_decorator();
                }
                _ => self.skip_statement(),
            }
        }
        f
    }

    /// `resource SYMBOL 'Type@api' [existing] = VALUE`, at the `resource` keyword. `None` (and
    /// nothing consumed but the keyword) when the tokens are not a declaration.
    fn resource(&mut self) -> Option<ResourceDecl> {
        let start = self.span().start;
        let Some(&Tok::Ident(symbol)) = self.peek_at(1) else {
            self.i += 1;
            return None;
        };
        let Some(Tok::Str(Some(type_lit))) = self.peek_at(2) else {
            self.i += 1;
            return None;
        };
        self.i += 2;
        let type_span = self.span();
        self.i += 1;
        let existing = self.is_ident("existing");
        if existing {
            self.i += 1;
        }
        let type_ = type_lit
            .split_once('@')
            .map_or(type_lit.as_ref(), |(t, _)| t)
            .to_string();
        let head = Span::new(start, type_span.end);
        let mut decl = ResourceDecl {
            head,
            symbol: symbol.to_string(),
            type_,
            type_span,
            existing,
            body: None,
        };
        if matches!(self.peek(), Some(Tok::Punct('='))) {
            self.i += 1;
            if let BVal::Object(o) = self.value() {
                decl.body = Some(o);
            }
        }
        Some(decl)
    }

    /// `module SYMBOL 'path' = VALUE`, at the `module` keyword; `None` (the keyword consumed)
    /// when the tokens are not a declaration.
    fn module(&mut self) -> Option<ModuleDecl> {
        let start = self.span().start;
        let (Some(&Tok::Ident(symbol)), Some(Tok::Str(Some(path)))) =
            (self.peek_at(1), self.peek_at(2))
        else {
            self.i += 1;
            return None;
        };
        self.i += 2;
        let head = Span::new(start, self.span().end);
        self.i += 1;
        let mut decl = ModuleDecl {
            head,
            symbol: symbol.to_string(),
            path: path.to_string(),
            body: None,
        };
        if matches!(self.peek(), Some(Tok::Punct('='))) {
            self.i += 1;
            if let BVal::Object(o) = self.value() {
                decl.body = Some(o);
            }
        }
        Some(decl)
    }

    /// Moves past the next `=` at bracket depth 0 on this statement; false at its end.
    fn skip_until_assign(&mut self) -> bool {
        let mut depth = 0usize;
        while let Some(tok) = self.peek() {
            match tok {
                Tok::Punct('=') if depth == 0 => {
                    self.i += 1;
                    return true;
                }
                Tok::Newline if depth == 0 => return false,
                Tok::Punct('{' | '[' | '(') => depth += 1,
                Tok::Punct('}' | ']' | ')') => {
                    if depth == 0 {
                        return false;
                    }
                    depth -= 1;
                }
                _ => {}
            }
            self.i += 1;
        }
        false
    }

    /// Skips to the end of the statement: the next newline at bracket depth 0, or a closing
    /// bracket that belongs to an enclosing value (left for the caller).
    fn skip_statement(&mut self) {
        self.skip_balanced(false);
    }

    /// Advances over balanced brackets up to a newline (or, with `at_comma`, a comma) at depth
    /// zero, or a closing bracket that belongs to an enclosing value.
    fn skip_balanced(&mut self, at_comma: bool) {
        let mut depth = 0usize;
        while let Some(tok) = self.peek() {
            match tok {
                Tok::Newline if depth == 0 => return,
                Tok::Punct(',') if at_comma && depth == 0 => return,
                Tok::Punct('{' | '[' | '(') => depth += 1,
                Tok::Punct('}' | ']' | ')') => {
                    if depth == 0 {
                        return;
                    }
                    depth -= 1;
                }
                _ => {}
            }
            self.i += 1;
        }
    }

    /// `@name`, `@sys.name`, with its balanced argument list.
    fn skip_decorator(&mut self) {
        while matches!(self.peek(), Some(Tok::Ident(_) | Tok::Punct('.'))) {
            self.i += 1;
        }
        if matches!(self.peek(), Some(Tok::Punct('('))) {
            self.skip_group();
        }
    }

    /// At an opening bracket: moves past its matching closer (balance is checked up front).
    fn skip_group(&mut self) {
        let mut depth = 0usize;
        while let Some(tok) = self.peek() {
            self.i += 1;
            match tok {
                Tok::Punct('{' | '[' | '(') => depth += 1,
                Tok::Punct('}' | ']' | ')') => {
                    depth = depth.saturating_sub(1);
                    if depth == 0 {
                        return;
                    }
                }
                _ => {}
            }
        }
    }

    /// A value: `if (…) VALUE`, an object, an array or `[for …: VALUE]`, a string, or an
    /// expression up to the end of the line or the enclosing bracket.
    fn value(&mut self) -> BVal {
        self.skip_newlines();
        if self.is_ident("if") && matches!(self.peek_at(1), Some(Tok::Punct('('))) {
            self.i += 1;
            self.skip_group();
            return self.value();
        }
        let start = self.span();
        match self.peek() {
            Some(Tok::Punct('{')) => return BVal::Object(self.object()),
            Some(Tok::Punct('[')) => return self.array(),
            Some(Tok::Str(Some(s))) if self.ends_value(1) => {
                self.i += 1;
                return BVal::Str(s.to_string(), start);
            }
            Some(Tok::Ident(w)) if self.ends_value(1) => {
                self.i += 1;
                return BVal::Ident(w.to_string(), start);
            }
            _ => {}
        }
        self.expression(start.start)
    }

    /// Whether the token `n` ahead ends a value (newline, `,`, a closer, or the end).
    fn ends_value(&self, n: usize) -> bool {
        matches!(
            self.peek_at(n),
            None | Some(Tok::Newline | Tok::Punct(',' | '}' | ']' | ')'))
        )
    }

    fn expression(&mut self, start: usize) -> BVal {
        self.skip_balanced(true);
        BVal::Expr(Span::new(start, self.prev_end().max(start)))
    }

    fn object(&mut self) -> Obj {
        let start = self.span().start;
        self.i += 1;
        let mut obj = Obj::default();
        loop {
            while matches!(self.peek(), Some(Tok::Newline | Tok::Punct(','))) {
                self.i += 1;
            }
            match self.peek() {
                None => break,
                Some(Tok::Punct('}')) => {
                    self.i += 1;
                    break;
                }
                Some(Tok::Punct('@')) => {
                    self.i += 1;
                    self.skip_decorator();
                }
                Some(Tok::Ident("resource"))
                    if !matches!(self.peek_at(1), Some(Tok::Punct(':'))) =>
                {
                    match self.resource() {
                        Some(r) => obj.resources.push(r),
                        None => self.skip_statement(),
                    }
                }
                Some(key @ (Tok::Ident(_) | Tok::Str(Some(_))))
                    if matches!(self.peek_at(1), Some(Tok::Punct(':'))) =>
                {
                    let key = key.word().unwrap_or_default().to_string();
                    self.i += 2;
                    let v = self.value();
                    obj.props.push((key, v));
                }
                Some(_) => {
                    self.skip_statement();
                    if matches!(self.peek(), Some(Tok::Punct(']' | ')'))) {
                        // A stray closer inside this object cannot be balanced: skip it.
                        self.i += 1;
                    }
                }
            }
        }
        obj.span = Span::new(start, self.prev_end().max(start));
        obj
    }

    /// `[ … ]`, or `[for … in …: VALUE]` (the loop body stands for the whole array).
    fn array(&mut self) -> BVal {
        let start = self.span().start;
        self.i += 1;
        self.skip_newlines();
        if self.is_ident("for") {
            // The loop header runs to the `:` at this bracket's depth.
            let mut depth = 0usize;
            while let Some(tok) = self.peek() {
                match tok {
                    Tok::Punct(':') if depth == 0 => break,
                    Tok::Punct('{' | '[' | '(') => depth += 1,
                    Tok::Punct('}' | ']' | ')') => {
                        if depth == 0 {
                            break;
                        }
                        depth -= 1;
                    }
                    _ => {}
                }
                self.i += 1;
            }
            if matches!(self.peek(), Some(Tok::Punct(':'))) {
                self.i += 1;
            }
            let body = self.value();
            self.close(']');
            return body;
        }
        let mut items = Vec::new();
        loop {
            while matches!(self.peek(), Some(Tok::Newline | Tok::Punct(','))) {
                self.i += 1;
            }
            match self.peek() {
                None => break,
                Some(Tok::Punct(']')) => {
                    self.i += 1;
                    break;
                }
                Some(Tok::Punct('}' | ')')) => {
                    self.i += 1;
                }
                Some(_) => items.push(self.value()),
            }
        }
        BVal::Array(items, Span::new(start, self.prev_end().max(start)))
    }

    /// Moves past the closer `c` of the group being read, skipping what remains of it.
    fn close(&mut self, c: char) {
        let mut depth = 0usize;
        while let Some(tok) = self.peek() {
            self.i += 1;
            match tok {
                Tok::Punct('{' | '[' | '(') => depth += 1,
                Tok::Punct(x) if *x == c && depth == 0 => return,
                Tok::Punct('}' | ']' | ')') => depth = depth.saturating_sub(1),
                _ => {}
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn modules_and_using_are_read() {
        let text = "using './main.bicep'\nparam location = 'westeurope'\n";
        let f = parse(text).unwrap();
        let (path, span) = f.using.clone().unwrap();
        assert_eq!(path, "./main.bicep");
        assert_eq!(&text[span.range()], "'./main.bicep'");
        assert!(matches!(f.params.get("location"), Some(BVal::Str(s, _)) if s == "westeurope"));

        let text = concat!(
            "module st './storage.bicep' = {\n  name: 'st'\n  params: {\n    location: 'eastus'\n  }\n}\n",
            "module many 'mods/x.bicep' = [for i in range(0, 2): {\n  params: { location: loc }\n}]\n",
            "module maybe '../y.bicep' = if (deploy) {\n  params: {}\n}\n",
            "module reg 'br/public:avm/res/storage/storage-account:0.9.0' = {\n  params: {}\n}\n",
        );
        let f = parse(text).unwrap();
        let paths: Vec<&str> = f.modules.iter().map(|m| m.path.as_str()).collect();
        assert_eq!(
            paths,
            [
                "./storage.bicep",
                "mods/x.bicep",
                "../y.bicep",
                "br/public:avm/res/storage/storage-account:0.9.0"
            ]
        );
        let st = &f.modules[0];
        assert_eq!(&text[st.head.range()], "module st './storage.bicep'");
        let Some(BVal::Object(params)) = st.body.as_ref().unwrap().get("params") else {
            panic!("params");
        };
        assert!(matches!(params.get("location"), Some(BVal::Str(s, _)) if s == "eastus"));
        let Some(BVal::Object(params)) = f.modules[1].body.as_ref().unwrap().get("params") else {
            panic!("looped params");
        };
        assert!(matches!(params.get("location"), Some(BVal::Ident(s, _)) if s == "loc"));
        assert!(f.modules[2].body.is_some());
    }
}
