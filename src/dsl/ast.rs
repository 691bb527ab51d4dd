//! The owned, spanned syntax tree of `.pact` files, as lowered from pest's pairs.
//!
//! Every node carries the byte span of its text in its file, so validation and evaluation can
//! point at the exact place. Names are kept as written (a provider alias stays `microsoft`);
//! validation resolves them against the catalog.

use std::sync::Arc;

use jiff::civil::Date;

use crate::source::Span;

/// A value with the span it was written at.
#[derive(Debug, Clone, PartialEq)]
pub struct Spanned<T> {
    pub node: T,
    pub span: Span,
}

impl<T> Spanned<T> {
    pub(crate) fn new(node: T, span: Span) -> Self {
        Self { node, span }
    }
}

pub type Ident = Spanned<String>;

/// One `.pact` file.
#[derive(Debug, Clone, PartialEq)]
pub struct PolicyFile {
    /// Path as shown to the user (relative to the scan root when under it).
    pub path: Arc<str>,
    pub policies: Vec<Policy>,
}

/// `policy NAME { META* RULE* }`
#[derive(Debug, Clone, PartialEq)]
pub struct Policy {
    pub name: Ident,
    /// The whole `policy … { … }` text.
    pub span: Span,
    pub meta: Vec<Meta>,
    pub rules: Vec<Rule>,
    /// Policy-level clauses the language does not define (or with a body of the wrong shape);
    /// validation reports each.
    pub others: Vec<OtherClause>,
    /// Rules whose kind is not one of the five; validation reports each.
    pub unknown_rules: Vec<UnknownRule>,
}

/// A rule of a kind the language does not define (`exclusiv x { … }`).
#[derive(Debug, Clone, PartialEq)]
pub struct UnknownRule {
    /// The kind as written.
    pub kind: Ident,
    pub name: Ident,
    pub span: Span,
}

/// A clause the grammar accepted only in its generic `NAME BODY` form: an unknown name, a clause
/// in the wrong place (`title` in a rule), or a known clause with a body of the wrong shape
/// (`at_least 75`, `waivable no`).
#[derive(Debug, Clone, PartialEq)]
pub struct OtherClause {
    pub name: Ident,
    pub span: Span,
    pub items: Vec<Spanned<OtherItem>>,
}

/// The shape of one item of an [`OtherClause`]'s body.
#[derive(Debug, Clone, PartialEq)]
pub enum OtherItem {
    Window,
    Percent,
    Date,
    Number,
    Str,
    /// An expression; `word` is set when it is a bare identifier (`no`, `azure`).
    Expr {
        word: Option<String>,
    },
}

impl OtherItem {
    /// In words, for "… takes X, not Y".
    pub(crate) fn describe(&self) -> &'static str {
        match self {
            OtherItem::Window => "a window",
            OtherItem::Percent => "a percentage",
            OtherItem::Date => "a date",
            OtherItem::Number => "a number",
            OtherItem::Str => "a string",
            OtherItem::Expr { word: Some(_) } => "a name",
            OtherItem::Expr { word: None } => "an expression",
        }
    }
}

/// A policy's meta clause.
#[derive(Debug, Clone, PartialEq)]
pub enum MetaKind {
    Title(Spanned<String>),
    Owner(Spanned<String>),
    Reference(Spanned<String>),
    Effective(Window),
}

#[derive(Debug, Clone, PartialEq)]
pub struct Meta {
    /// The clause keyword's span.
    pub keyword: Span,
    /// The whole clause.
    pub span: Span,
    pub kind: MetaKind,
}

/// `from DATE until DATE` | `from DATE` | `until DATE` (both ends inclusive).
#[derive(Debug, Clone, PartialEq)]
pub struct Window {
    pub from: Option<Spanned<Date>>,
    pub until: Option<Spanned<Date>>,
    pub span: Span,
}

impl Window {
    /// Whether `date` lies inside the window.
    pub(crate) fn contains(&self, date: Date) -> bool {
        self.from.as_ref().is_none_or(|f| f.node <= date)
            && self.until.as_ref().is_none_or(|u| date <= u.node)
    }
}

/// The five rule kinds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum RuleKind {
    Exclusive,
    Deny,
    FirstRefusal,
    Require,
    Share,
}

impl RuleKind {
    pub(crate) const ALL: &'static [RuleKind] = &[
        RuleKind::Exclusive,
        RuleKind::Deny,
        RuleKind::FirstRefusal,
        RuleKind::Require,
        RuleKind::Share,
    ];

    pub(crate) fn as_str(self) -> &'static str {
        match self {
            RuleKind::Exclusive => "exclusive",
            RuleKind::Deny => "deny",
            RuleKind::FirstRefusal => "first_refusal",
            RuleKind::Require => "require",
            RuleKind::Share => "share",
        }
    }

    pub(crate) fn parse(s: &str) -> Option<RuleKind> {
        RuleKind::ALL.iter().copied().find(|k| k.as_str() == s)
    }
}

/// `KIND NAME { CLAUSE* }`
#[derive(Debug, Clone, PartialEq)]
pub struct Rule {
    pub kind: Spanned<RuleKind>,
    pub name: Ident,
    /// The whole rule text.
    pub span: Span,
    pub clauses: Vec<Clause>,
    /// Clauses the language does not define here; validation reports each.
    pub others: Vec<OtherClause>,
}

/// What a rule does when a value it needs is unknown for an in-scope deployment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum UnknownPolicy {
    #[default]
    Allow,
    Warn,
    Deny,
}

/// `over P, …` or `over any`.
#[derive(Debug, Clone, PartialEq)]
pub enum Over {
    Any(Span),
    Providers(Vec<Ident>),
}

/// A rule clause, as written. Which clauses a kind accepts is checked by validation.
#[derive(Debug, Clone, PartialEq)]
pub enum ClauseKind {
    Where(Expr),
    Severity(Spanned<String>),
    Message(Spanned<String>),
    Effective(Window),
    Unknown(Spanned<String>),
    Reference(Spanned<String>),
    Waivable(Spanned<bool>),
    Provider(Vec<Ident>),
    Holder(Ident),
    Over(Over),
    Refusals(Vec<Spanned<String>>),
    Assert(Expr),
    AtLeast(Spanned<f64>),
}

impl ClauseKind {
    /// The keyword that introduces the clause.
    pub(crate) fn keyword(&self) -> &'static str {
        match self {
            ClauseKind::Where(_) => "where",
            ClauseKind::Severity(_) => "severity",
            ClauseKind::Message(_) => "message",
            ClauseKind::Effective(_) => "effective",
            ClauseKind::Unknown(_) => "unknown",
            ClauseKind::Reference(_) => "reference",
            ClauseKind::Waivable(_) => "waivable",
            ClauseKind::Provider(_) => "provider",
            ClauseKind::Holder(_) => "holder",
            ClauseKind::Over(_) => "over",
            ClauseKind::Refusals(_) => "refusals",
            ClauseKind::Assert(_) => "assert",
            ClauseKind::AtLeast(_) => "at_least",
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Clause {
    /// The keyword's span.
    pub keyword: Span,
    /// The whole clause.
    pub span: Span,
    pub kind: ClauseKind,
}

/// An attribute of a deployment, as written in an expression.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AttrRef {
    /// `provider`, `kind`, `region`, …, `gpu` (validated against the known list).
    Named(String),
    /// `tag.KEY` / `label.KEY` / `tag."key"`.
    Tag(String),
}

/// A comparison value: a string or bare identifier (its name as a string), or a boolean.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Value {
    Str(String),
    Ident(String),
    Bool(bool),
}

impl Value {
    /// The value as a string, for comparisons with string attributes.
    pub(crate) fn as_text(&self) -> &str {
        match self {
            Value::Str(s) | Value::Ident(s) => s,
            Value::Bool(true) => "true",
            Value::Bool(false) => "false",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CmpOp {
    Eq,
    Ne,
}

/// An expression of `where`, `assert` and refusal records.
#[derive(Debug, Clone, PartialEq)]
pub enum ExprKind {
    Or(Box<Expr>, Box<Expr>),
    And(Box<Expr>, Box<Expr>),
    Not(Box<Expr>),
    Cmp {
        attr: Spanned<AttrRef>,
        op: CmpOp,
        value: Spanned<Value>,
    },
    InList {
        attr: Spanned<AttrRef>,
        values: Vec<Spanned<Value>>,
    },
    InGroup {
        attr: Spanned<AttrRef>,
        group: Ident,
    },
    Matches {
        attr: Spanned<AttrRef>,
        glob: Spanned<String>,
    },
    /// A boolean attribute on its own (`gpu`).
    Bool(Spanned<AttrRef>),
}

#[derive(Debug, Clone, PartialEq)]
pub struct Expr {
    pub kind: ExprKind,
    pub span: Span,
}

impl Expr {
    /// Moves every span of the expression (for expressions embedded in another file's text,
    /// like a refusal record's `where` in YAML).
    pub(crate) fn map_spans(&mut self, f: &impl Fn(Span) -> Span) {
        self.span = f(self.span);
        let attr = |a: &mut Spanned<AttrRef>| a.span = f(a.span);
        match &mut self.kind {
            ExprKind::Or(a, b) | ExprKind::And(a, b) => {
                a.map_spans(f);
                b.map_spans(f);
            }
            ExprKind::Not(a) => a.map_spans(f),
            ExprKind::Cmp { attr: a, value, .. } => {
                attr(a);
                value.span = f(value.span);
            }
            ExprKind::InList { attr: a, values } => {
                attr(a);
                for v in values {
                    v.span = f(v.span);
                }
            }
            ExprKind::InGroup { attr: a, group } => {
                attr(a);
                group.span = f(group.span);
            }
            ExprKind::Matches { attr: a, glob } => {
                attr(a);
                glob.span = f(glob.span);
            }
            ExprKind::Bool(a) => attr(a),
        }
    }
}
