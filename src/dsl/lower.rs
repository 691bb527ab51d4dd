//! pest pairs → the owned, spanned AST of [`super::ast`].
//!
//! Lowering never fails: what the AST cannot hold (a date that is not in the calendar, an
//! unknown string escape, `holder` with two providers, an expression too large to evaluate
//! safely) is reported as a [`Problem`] and the offending part is left out, so validation still
//! sees the rest of the file and every error comes out in one run.

use std::cell::RefCell;
use std::sync::Arc;

use jiff::civil::Date;
use pest::iterators::Pair;
use pest::pratt_parser::{Assoc, Op, PrattParser};

use super::ast::*;
use super::grammar::Rule;
use crate::diag::{Diag, Label, Severity};
use crate::source::{SourceFile, Span};

/// More operators than this in one expression is refused: evaluation and validation recurse on
/// the tree, and no contract needs a thousand-term condition.
pub(crate) const MAX_EXPR_OPERATORS: usize = 512;

/// A semantic error found while lowering.
#[derive(Debug, Clone, PartialEq)]
pub struct Problem {
    /// The full diagnostic code (`cloudpact::policy::impossible-date`).
    pub code: &'static str,
    pub message: String,
    pub span: Span,
    pub label: String,
    pub help: Option<String>,
    /// Secondary labels in the same file (the first of two duplicates).
    pub secondary: Vec<(Span, String)>,
    pub severity: Severity,
}

impl Problem {
    /// An error.
    pub(crate) fn new(
        code: &'static str,
        span: Span,
        message: String,
        label: impl Into<String>,
    ) -> Self {
        Self {
            code,
            message,
            span,
            label: label.into(),
            help: None,
            secondary: Vec::new(),
            severity: Severity::Error,
        }
    }

    pub(crate) fn help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    pub(crate) fn secondary(mut self, span: Span, text: impl Into<String>) -> Self {
        self.secondary.push((span, text.into()));
        self
    }

    pub(crate) fn warning(mut self) -> Self {
        self.severity = Severity::Warning;
        self
    }

    pub(crate) fn to_diag(&self, file: &Arc<SourceFile>) -> Diag {
        let mut d = Diag::error(self.code, self.message.clone())
            .in_file(file.clone())
            .at(self.span, self.label.clone());
        d.severity = self.severity;
        for (span, text) in &self.secondary {
            d = d.with_label(Label::secondary(*span, text.clone()));
        }
        d.help.clone_from(&self.help);
        d
    }

    /// The same problem with its spans moved by `f` (for expressions embedded in YAML).
    pub(crate) fn map_spans(mut self, f: &impl Fn(Span) -> Span) -> Self {
        self.span = f(self.span);
        for (s, _) in &mut self.secondary {
            *s = f(*s);
        }
        self
    }
}

fn span_of(p: &Pair<'_, Rule>) -> Span {
    let s = p.as_span();
    Span::new(s.start(), s.end())
}

/// A pair's span from its first token to the end of its last one.
fn tight_span(p: &Pair<'_, Rule>) -> Span {
    let s = p.as_span();
    let end = p
        .clone()
        .into_inner()
        .flatten()
        .last()
        .map_or(s.end(), |q| q.as_span().end());
    Span::new(s.start(), end)
}

/// Lowers the pairs of `file` (the top rule) into a [`PolicyFile`].
pub(crate) fn lower_file(path: Arc<str>, file: Pair<'_, Rule>) -> (PolicyFile, Vec<Problem>) {
    let mut cx = Lowerer::default();
    let mut policies = Vec::new();
    for p in file.into_inner() {
        if p.as_rule() == Rule::policy {
            policies.push(cx.policy(p));
        }
    }
    (PolicyFile { path, policies }, cx.problems.into_inner())
}

/// Lowers the pairs of `standalone_expr`.
pub(crate) fn lower_standalone_expr(p: Pair<'_, Rule>) -> (Option<Expr>, Vec<Problem>) {
    let cx = Lowerer::default();
    let expr = p
        .into_inner()
        .find(|p| p.as_rule() == Rule::expr)
        .and_then(|e| cx.expr(e));
    (expr, cx.problems.into_inner())
}

#[derive(Default)]
struct Lowerer {
    problems: RefCell<Vec<Problem>>,
}

impl Lowerer {
    fn problem(&self, code: &'static str, span: Span, message: String, label: &str) {
        self.problems
            .borrow_mut()
            .push(Problem::new(code, span, message, label));
    }

    fn problem_help(
        &self,
        code: &'static str,
        span: Span,
        message: String,
        label: &str,
        help: String,
    ) {
        self.problems
            .borrow_mut()
            .push(Problem::new(code, span, message, label).help(help));
    }

    fn policy(&mut self, p: Pair<'_, Rule>) -> Policy {
        let span = span_of(&p);
        let mut name = Ident::new(String::new(), Span::empty(span.start));
        let mut policy = Policy {
            name: name.clone(),
            span,
            meta: Vec::new(),
            rules: Vec::new(),
            others: Vec::new(),
            unknown_rules: Vec::new(),
        };
        for item in p.into_inner() {
            match item.as_rule() {
                Rule::ident => name = ident(&item),
                Rule::meta_clause => {
                    if let Some(m) = self.meta(item) {
                        policy.meta.push(m);
                    }
                }
                Rule::rule => match self.rule(item) {
                    Ok(r) => policy.rules.push(r),
                    Err(u) => policy.unknown_rules.push(u),
                },
                Rule::other_clause => policy.others.push(self.other(item)),
                _ => {}
            }
        }
        policy.name = name;
        policy
    }

    fn meta(&self, p: Pair<'_, Rule>) -> Option<Meta> {
        let span = span_of(&p);
        let inner = p.into_inner().next()?;
        let mut parts = inner.clone().into_inner();
        let keyword = span_of(&parts.next()?);
        let body = parts.next()?;
        let kind = match inner.as_rule() {
            Rule::meta_title => MetaKind::Title(self.string(&body)),
            Rule::meta_owner => MetaKind::Owner(self.string(&body)),
            Rule::meta_reference => MetaKind::Reference(self.string(&body)),
            Rule::meta_effective => MetaKind::Effective(self.window(body)),
            _ => return None,
        };
        Some(Meta {
            keyword,
            span,
            kind,
        })
    }

    fn rule(&self, p: Pair<'_, Rule>) -> Result<Rule_, UnknownRule> {
        let span = span_of(&p);
        let mut inner = p.into_inner();
        let kind_pair = inner.next().expect("grammar: rule starts with its kind");
        let name_pair = inner
            .next()
            .expect("grammar: rule kind is followed by a name");
        let kind_ident = ident(&kind_pair);
        let name = ident(&name_pair);
        let Some(kind) = RuleKind::parse(&kind_ident.node) else {
            return Err(UnknownRule {
                kind: kind_ident,
                name,
                span,
            });
        };
        let mut rule = Rule_ {
            kind: Spanned::new(kind, kind_ident.span),
            name,
            span,
            clauses: Vec::new(),
            others: Vec::new(),
        };
        for item in inner {
            match item.as_rule() {
                Rule::clause => {
                    if let Some(c) = self.clause(item) {
                        rule.clauses.push(c);
                    }
                }
                Rule::other_clause => rule.others.push(self.other(item)),
                _ => {}
            }
        }
        Ok(rule)
    }

    fn clause(&self, p: Pair<'_, Rule>) -> Option<Clause> {
        // The clause's span excludes a trailing `;` so labels underline the clause itself.
        let inner = p.into_inner().next()?;
        let which = inner.as_rule();
        let clause_span = span_of(&inner);
        let mut parts = inner.into_inner();
        let keyword = span_of(&parts.next()?);
        let body: Vec<Pair<'_, Rule>> = parts.collect();
        let first = body.first()?.clone();
        let kind = match which {
            Rule::where_clause => ClauseKind::Where(self.expr(first)?),
            Rule::assert_clause => ClauseKind::Assert(self.expr(first)?),
            Rule::severity_clause => ClauseKind::Severity(ident(&first)),
            Rule::unknown_clause => ClauseKind::Unknown(ident(&first)),
            Rule::message_clause => ClauseKind::Message(self.string(&first)),
            Rule::reference_clause => ClauseKind::Reference(self.string(&first)),
            Rule::effective_clause => ClauseKind::Effective(self.window(first)),
            Rule::waivable_clause => {
                ClauseKind::Waivable(Spanned::new(first.as_str() == "true", span_of(&first)))
            }
            Rule::provider_clause => ClauseKind::Provider(provider_list(first)),
            Rule::holder_clause => {
                let mut list = provider_list(first).into_iter();
                let holder = list.next()?;
                if let Some(extra) = list.next() {
                    let rest = list.fold(extra.span, |s, i| s.to(i.span));
                    self.problem_help(
                        "cloudpact::policy::holder-list",
                        rest,
                        "`holder` names one provider".to_string(),
                        "only one holder per rule",
                        "write one `first_refusal` rule per holder".to_string(),
                    );
                }
                ClauseKind::Holder(holder)
            }
            Rule::over_clause => {
                let list = provider_list(first);
                match list.iter().position(|i| i.node == "any") {
                    Some(_) if list.len() == 1 => ClauseKind::Over(Over::Any(list[0].span)),
                    Some(at) => {
                        self.problem_help(
                            "cloudpact::policy::over-any-list",
                            list[at].span,
                            "`over any` cannot be combined with named providers".to_string(),
                            "`any` already means every provider but the holder",
                            "write either `over any` or a list of providers".to_string(),
                        );
                        ClauseKind::Over(Over::Any(list[at].span))
                    }
                    None => ClauseKind::Over(Over::Providers(list)),
                }
            }
            Rule::refusals_clause => ClauseKind::Refusals(
                body.iter()
                    .filter(|p| p.as_rule() == Rule::string)
                    .map(|p| self.string(p))
                    .collect(),
            ),
            Rule::at_least_clause => {
                let text = first.as_str().trim_end_matches('%');
                // The grammar admits only digits with an optional fraction.
                let value = text.parse::<f64>().unwrap_or(f64::INFINITY);
                ClauseKind::AtLeast(Spanned::new(value, span_of(&first)))
            }
            _ => return None,
        };
        Some(Clause {
            keyword,
            span: clause_span,
            kind,
        })
    }

    fn other(&self, p: Pair<'_, Rule>) -> OtherClause {
        let span = span_of(&p);
        let mut inner = p.into_inner();
        let name = ident(
            &inner
                .next()
                .expect("grammar: other_clause starts with a name"),
        );
        let mut items = Vec::new();
        if let Some(body) = inner.find(|p| p.as_rule() == Rule::other_body) {
            for item in body
                .into_inner()
                .filter(|p| p.as_rule() == Rule::other_item)
            {
                let Some(x) = item.into_inner().next() else {
                    continue;
                };
                // Not the pair's own span: pest's may run on over the blanks and comments after
                // the item, and whether it is a bare word must not depend on them.
                let span = tight_span(&x);
                let shape = match x.as_rule() {
                    Rule::window => OtherItem::Window,
                    Rule::percent => OtherItem::Percent,
                    Rule::date => OtherItem::Date,
                    Rule::number => OtherItem::Number,
                    Rule::string => OtherItem::Str,
                    _ => {
                        let text = &x.get_input()[span.range()];
                        let is_word = text
                            .chars()
                            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
                        OtherItem::Expr {
                            word: is_word.then(|| text.to_string()),
                        }
                    }
                };
                items.push(Spanned::new(shape, span));
            }
        }
        OtherClause { name, span, items }
    }

    fn window(&self, p: Pair<'_, Rule>) -> Window {
        let span = span_of(&p);
        let mut w = Window {
            from: None,
            until: None,
            span,
        };
        for part in p.into_inner() {
            let which = part.as_rule();
            let Some(date) = part.into_inner().find(|p| p.as_rule() == Rule::date) else {
                continue;
            };
            let d = self.date(&date);
            match which {
                Rule::window_from => w.from = d,
                Rule::window_until => w.until = d,
                _ => {}
            }
        }
        w
    }

    fn date(&self, p: &Pair<'_, Rule>) -> Option<Spanned<Date>> {
        let span = span_of(p);
        match parse_date(p.as_str()) {
            Ok(d) => Some(Spanned::new(d, span)),
            Err(why) => {
                self.problem(
                    super::validate::code::IMPOSSIBLE_DATE,
                    span,
                    format!("`{}` is not a date", p.as_str()),
                    &why,
                );
                None
            }
        }
    }

    /// A `string` pair, unquoted and unescaped.
    fn string(&self, p: &Pair<'_, Rule>) -> Spanned<String> {
        let span = span_of(p);
        let inner = p.clone().into_inner().next();
        let (raw, start) = match &inner {
            Some(i) => (i.as_str(), i.as_span().start()),
            None => ("", span.start + 1),
        };
        match unescape(raw) {
            Ok(s) => Spanned::new(s, span),
            Err((at, len)) => {
                let esc = &raw[at..at + len];
                self.problem_help(
                    "cloudpact::policy::bad-escape",
                    Span::new(start + at, start + at + len),
                    format!("unknown escape `{esc}` in a string"),
                    "not an escape",
                    "the escapes are `\\\"`, `\\\\`, `\\n` and `\\t`".to_string(),
                );
                Spanned::new(raw.to_string(), span)
            }
        }
    }

    fn expr(&self, p: Pair<'_, Rule>) -> Option<Expr> {
        let ops = operator_count(&p);
        if ops > MAX_EXPR_OPERATORS {
            self.problem_help(
                "cloudpact::policy::expression-too-large",
                span_of(&p),
                format!("expression has {ops} operators; at most {MAX_EXPR_OPERATORS} are allowed"),
                "too large",
                "split the condition over several rules".to_string(),
            );
            return None;
        }
        self.pratt(p)
    }

    fn pratt(&self, p: Pair<'_, Rule>) -> Option<Expr> {
        let parser = PrattParser::new()
            .op(Op::infix(Rule::op_or, Assoc::Left))
            .op(Op::infix(Rule::op_and, Assoc::Left))
            .op(Op::prefix(Rule::op_not));
        parser
            .map_primary(|q| self.operand(q))
            .map_prefix(|op, rhs| {
                let rhs = rhs?;
                Some(Expr {
                    span: span_of(&op).to(rhs.span),
                    kind: ExprKind::Not(Box::new(rhs)),
                })
            })
            .map_infix(|lhs, op, rhs| {
                let (lhs, rhs) = (lhs?, rhs?);
                let span = lhs.span.to(rhs.span);
                let kind = if op.as_rule() == Rule::op_and {
                    ExprKind::And(Box::new(lhs), Box::new(rhs))
                } else {
                    ExprKind::Or(Box::new(lhs), Box::new(rhs))
                };
                Some(Expr { kind, span })
            })
            .parse(p.into_inner())
    }

    fn operand(&self, p: Pair<'_, Rule>) -> Option<Expr> {
        let span = span_of(&p);
        let which = p.as_rule();
        let mut inner = p.into_inner();
        if which == Rule::paren {
            let e = inner.find(|q| q.as_rule() == Rule::expr)?;
            // The parenthesised expression keeps the span of its parentheses, so a label on
            // it underlines what the author grouped.
            let mut e = self.pratt(e)?;
            e.span = span;
            return Some(e);
        }
        let attr = self.attr(inner.next()?);
        let kind = match which {
            Rule::test_bool => ExprKind::Bool(attr),
            Rule::test_cmp => {
                let op = if inner.next()?.as_str() == "==" {
                    CmpOp::Eq
                } else {
                    CmpOp::Ne
                };
                let value = self.value(inner.next()?);
                ExprKind::Cmp { attr, op, value }
            }
            Rule::test_in_list => ExprKind::InList {
                attr,
                values: inner
                    .filter(|q| q.as_rule() == Rule::value)
                    .map(|q| self.value(q))
                    .collect(),
            },
            Rule::test_in_group => ExprKind::InGroup {
                attr,
                group: ident(&inner.find(|q| q.as_rule() == Rule::ident)?),
            },
            Rule::test_matches => ExprKind::Matches {
                attr,
                glob: self.string(&inner.find(|q| q.as_rule() == Rule::string)?),
            },
            _ => return None,
        };
        Some(Expr { kind, span })
    }

    fn attr(&self, p: Pair<'_, Rule>) -> Spanned<AttrRef> {
        let span = span_of(&p);
        let Some(inner) = p.into_inner().next() else {
            return Spanned::new(AttrRef::Named(String::new()), span);
        };
        if inner.as_rule() == Rule::tag_attr {
            let key = inner
                .into_inner()
                .find(|q| matches!(q.as_rule(), Rule::ident | Rule::string));
            let key = match key {
                Some(k) if k.as_rule() == Rule::string => self.string(&k).node,
                Some(k) => k.as_str().to_string(),
                None => String::new(),
            };
            Spanned::new(AttrRef::Tag(key), span)
        } else {
            Spanned::new(AttrRef::Named(inner.as_str().to_string()), span)
        }
    }

    fn value(&self, p: Pair<'_, Rule>) -> Spanned<Value> {
        let span = span_of(&p);
        let Some(inner) = p.into_inner().next() else {
            return Spanned::new(Value::Str(String::new()), span);
        };
        let v = match inner.as_rule() {
            Rule::string => Value::Str(self.string(&inner).node),
            Rule::boolean => Value::Bool(inner.as_str() == "true"),
            _ => Value::Ident(inner.as_str().to_string()),
        };
        Spanned::new(v, span)
    }
}

/// `Rule` names both the grammar's rules and the AST's rules; the AST's is aliased here.
type Rule_ = super::ast::Rule;

fn ident(p: &Pair<'_, Rule>) -> Ident {
    Spanned::new(p.as_str().to_string(), span_of(p))
}

fn provider_list(p: Pair<'_, Rule>) -> Vec<Ident> {
    p.into_inner()
        .filter(|q| q.as_rule() == Rule::provider_name)
        .map(|q| ident(&q))
        .collect()
}

/// Decodes `\"`, `\\`, `\n`, `\t`; on another escape, its byte offset and length in `raw`.
pub(crate) fn unescape(raw: &str) -> Result<String, (usize, usize)> {
    let mut out = String::with_capacity(raw.len());
    let mut chars = raw.char_indices();
    while let Some((i, c)) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some((_, '"')) => out.push('"'),
            Some((_, '\\')) => out.push('\\'),
            Some((_, 'n')) => out.push('\n'),
            Some((_, 't')) => out.push('\t'),
            Some((_, other)) => return Err((i, 1 + other.len_utf8())),
            None => return Err((i, 1)),
        }
    }
    Ok(out)
}

/// A `YYYY-MM-DD` text as a calendar date, or why it is not one (in words).
pub(crate) fn parse_date(text: &str) -> Result<Date, String> {
    let bad = || "expected YYYY-MM-DD".to_string();
    let mut parts = text.splitn(3, '-');
    let y: i16 = parts.next().and_then(|s| s.parse().ok()).ok_or_else(bad)?;
    let m: i8 = parts.next().and_then(|s| s.parse().ok()).ok_or_else(bad)?;
    let d: i8 = parts.next().and_then(|s| s.parse().ok()).ok_or_else(bad)?;
    if !(1..=12).contains(&m) {
        return Err(format!("there is no month {m}"));
    }
    let first = Date::new(y, m, 1).map_err(|_| format!("the year {y} is out of range"))?;
    let days = first.days_in_month();
    if d < 1 || d > days {
        let month = first.strftime("%B %Y");
        return Err(format!("{month} has {days} days"));
    }
    Date::new(y, m, d).map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests;

/// How many operators and parentheses an expression holds: what bounds the recursion of
/// lowering, validation, evaluation and formatting.
pub(crate) fn operator_count(p: &Pair<'_, Rule>) -> usize {
    p.clone()
        .into_inner()
        .flatten()
        .filter(|q| {
            matches!(
                q.as_rule(),
                Rule::op_and | Rule::op_or | Rule::op_not | Rule::paren
            )
        })
        .count()
}
