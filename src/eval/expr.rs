//! Expressions over a deployment, in three-valued logic (docs/language.md, "Expressions").
//!
//! A test on an unknown value is unknown; `not unknown` is unknown; `false and unknown` is
//! false; `true or unknown` is true.

use std::collections::HashMap;

use globset::GlobMatcher;

use crate::dsl::ast::{AttrRef, CmpOp, Expr, ExprKind, Value};
use crate::facts::catalog::Catalog;
use crate::facts::model::Deployment;

/// True, false or unknown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tri {
    True,
    False,
    Unknown,
}

impl Tri {
    pub fn from_bool(b: bool) -> Tri {
        if b { Tri::True } else { Tri::False }
    }

    pub fn negate(self) -> Tri {
        match self {
            Tri::True => Tri::False,
            Tri::False => Tri::True,
            Tri::Unknown => Tri::Unknown,
        }
    }

    pub fn and(self, other: impl FnOnce() -> Tri) -> Tri {
        match self {
            Tri::False => Tri::False,
            Tri::True => other(),
            Tri::Unknown => match other() {
                Tri::False => Tri::False,
                _ => Tri::Unknown,
            },
        }
    }

    pub fn or(self, other: impl FnOnce() -> Tri) -> Tri {
        match self {
            Tri::True => Tri::True,
            Tri::False => other(),
            Tri::Unknown => match other() {
                Tri::True => Tri::True,
                _ => Tri::Unknown,
            },
        }
    }
}

/// Whether `country` (any case) is in the named group; `None` for an unknown group name. The
/// groups themselves are the language's (`dsl::names`).
pub fn group_contains(group: &str, country: &str) -> Option<bool> {
    crate::dsl::names::group_contains(group, &country.to_ascii_lowercase())
}

/// An attribute's value on one deployment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AttrValue<'a> {
    Str(&'a str),
    Bool(bool),
    Unknown,
}

/// Looks an attribute up on a deployment.
pub fn attr<'a>(dep: &'a Deployment, attr: &'a AttrRef) -> AttrValue<'a> {
    let opt = |o: &'a Option<String>| o.as_deref().map_or(AttrValue::Unknown, AttrValue::Str);
    match attr {
        AttrRef::Tag(key) => dep
            .tags
            .get(key)
            .map_or(AttrValue::Unknown, |v| AttrValue::Str(v)),
        AttrRef::Named(name) => match name.as_str() {
            "provider" => dep
                .provider
                .as_deref()
                .map_or(AttrValue::Unknown, AttrValue::Str),
            "kind" => AttrValue::Str(dep.kind.as_str()),
            "service" => opt(&dep.service),
            "type" => AttrValue::Str(&dep.type_),
            "name" => AttrValue::Str(&dep.name),
            "region" => opt(&dep.region),
            "country" => opt(&dep.country),
            "path" => AttrValue::Str(&dep.path),
            "format" => AttrValue::Str(dep.format.as_str()),
            "gpu" => AttrValue::Bool(dep.gpu),
            _ => AttrValue::Unknown,
        },
    }
}

/// The countries a test on `country` is judged over: those of a multi-region location without
/// a single country (`Deployment::countries`); `None` for every other attribute or deployment.
fn country_set<'a>(dep: &'a Deployment, attr: &AttrRef) -> Option<&'a [String]> {
    let is_country = matches!(attr, AttrRef::Named(n) if n == "country");
    (is_country && dep.country.is_none() && !dep.countries.is_empty())
        .then_some(dep.countries.as_slice())
}

/// Attributes compared without regard to case: enumerations and region-like values.
fn case_insensitive(attr: &AttrRef) -> bool {
    matches!(attr, AttrRef::Named(n) if matches!(n.as_str(), "provider" | "kind" | "service" | "region" | "country" | "format"))
}

/// Evaluates expressions; holds compiled globs shared by all threads.
#[derive(Debug, Default)]
pub struct Evaluator<'c> {
    catalog: Option<&'c Catalog>,
    globs: HashMap<String, GlobMatcher>,
}

impl<'c> Evaluator<'c> {
    pub fn new(catalog: &'c Catalog) -> Self {
        Self {
            catalog: Some(catalog),
            globs: HashMap::new(),
        }
    }

    /// Compiles the globs of an expression ahead of evaluation.
    pub fn prepare(&mut self, expr: &Expr) {
        match &expr.kind {
            ExprKind::Or(a, b) | ExprKind::And(a, b) => {
                self.prepare(a);
                self.prepare(b);
            }
            ExprKind::Not(a) => self.prepare(a),
            ExprKind::Matches { glob, .. } => {
                if !self.globs.contains_key(&glob.node)
                    && let Some(m) = compile_glob(&glob.node)
                {
                    self.globs.insert(glob.node.clone(), m);
                }
            }
            _ => {}
        }
    }

    pub fn eval(&self, expr: &Expr, dep: &Deployment) -> Tri {
        match &expr.kind {
            ExprKind::Or(a, b) => self.eval(a, dep).or(|| self.eval(b, dep)),
            ExprKind::And(a, b) => self.eval(a, dep).and(|| self.eval(b, dep)),
            ExprKind::Not(a) => self.eval(a, dep).negate(),
            ExprKind::Cmp { attr: a, .. }
            | ExprKind::InList { attr: a, .. }
            | ExprKind::InGroup { attr: a, .. }
            | ExprKind::Matches { attr: a, .. }
            | ExprKind::Bool(a) => match country_set(dep, &a.node) {
                // A multi-region location: the test holds when it holds for every country the
                // location may use, fails when it fails for every one (docs/detection.md,
                // "Multi-region locations").
                Some(set) => set
                    .iter()
                    .map(|c| self.test(expr, AttrValue::Str(c)))
                    .reduce(|acc, t| if acc == t { acc } else { Tri::Unknown })
                    .unwrap_or(Tri::Unknown),
                None => self.test(expr, attr(dep, &a.node)),
            },
        }
    }

    /// A test (not `and`/`or`/`not`) on its attribute's value.
    fn test(&self, expr: &Expr, v: AttrValue<'_>) -> Tri {
        match &expr.kind {
            ExprKind::Or(..) | ExprKind::And(..) | ExprKind::Not(_) => Tri::Unknown,
            ExprKind::Cmp { attr: a, op, value } => {
                let eq = self.equals(&a.node, v, &value.node);
                match op {
                    CmpOp::Eq => eq,
                    CmpOp::Ne => eq.negate(),
                }
            }
            ExprKind::InList { attr: a, values } => values.iter().fold(Tri::False, |acc, value| {
                acc.or(|| self.equals(&a.node, v, &value.node))
            }),
            ExprKind::InGroup { group, .. } => match v {
                AttrValue::Str(s) => {
                    group_contains(&group.node, s).map_or(Tri::Unknown, Tri::from_bool)
                }
                AttrValue::Bool(_) => Tri::False,
                AttrValue::Unknown => Tri::Unknown,
            },
            ExprKind::Matches { glob, .. } => match v {
                AttrValue::Str(s) => match self.globs.get(&glob.node) {
                    Some(m) => Tri::from_bool(m.is_match(s)),
                    None => compile_glob(&glob.node)
                        .map_or(Tri::Unknown, |m| Tri::from_bool(m.is_match(s))),
                },
                AttrValue::Bool(_) => Tri::False,
                AttrValue::Unknown => Tri::Unknown,
            },
            ExprKind::Bool(_) => match v {
                AttrValue::Bool(b) => Tri::from_bool(b),
                AttrValue::Str(s) => Tri::from_bool(!s.is_empty() && s != "false"),
                AttrValue::Unknown => Tri::Unknown,
            },
        }
    }

    fn equals(&self, a: &AttrRef, value: AttrValue<'_>, want: &Value) -> Tri {
        match value {
            AttrValue::Unknown => Tri::Unknown,
            AttrValue::Bool(b) => {
                Tri::from_bool(want.as_text() == if b { "true" } else { "false" })
            }
            AttrValue::Str(s) => {
                let want = want.as_text();
                if matches!(a, AttrRef::Named(n) if n == "provider") {
                    // `provider == microsoft` means azure: aliases resolve through the catalog.
                    let resolved = self.catalog.and_then(|c| c.resolve(want));
                    let want = resolved.as_deref().unwrap_or(want);
                    return Tri::from_bool(s.eq_ignore_ascii_case(want));
                }
                if case_insensitive(a) {
                    Tri::from_bool(s.eq_ignore_ascii_case(want))
                } else {
                    Tri::from_bool(s == want)
                }
            }
        }
    }
}

/// A `matches` glob, with the semantics validation checked (`dsl::validate::compile_glob`).
pub fn compile_glob(glob: &str) -> Option<GlobMatcher> {
    crate::dsl::validate::compile_glob(glob).ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dsl::ast::Spanned;
    use crate::facts::model::{Format, Kind};
    use crate::source::Span;

    fn s<T>(node: T) -> Spanned<T> {
        Spanned::new(node, Span::default())
    }

    fn e(kind: ExprKind) -> Expr {
        Expr {
            kind,
            span: Span::default(),
        }
    }

    fn cmp(attr: &str, value: &str) -> Expr {
        e(ExprKind::Cmp {
            attr: s(AttrRef::Named(attr.into())),
            op: CmpOp::Eq,
            value: s(Value::Ident(value.into())),
        })
    }

    fn dep() -> Deployment {
        let mut d = Deployment::new(
            "infra/aws.tf".into(),
            Span::default(),
            Format::Terraform,
            "aws_instance",
            "x",
        );
        d.provider = Some("aws".into());
        d.kind = Kind::Compute;
        d
    }

    #[test]
    fn three_valued_logic_follows_the_language() {
        let t = Tri::True;
        let f = Tri::False;
        let u = Tri::Unknown;
        assert_eq!(f.and(|| u), f);
        assert_eq!(u.and(|| f), f);
        assert_eq!(t.and(|| u), u);
        assert_eq!(t.or(|| u), t);
        assert_eq!(u.or(|| t), t);
        assert_eq!(f.or(|| u), u);
        assert_eq!(u.negate(), u);
    }

    #[test]
    fn unknown_region_makes_tests_unknown() {
        let c = Catalog::builtin();
        let ev = Evaluator::new(&c);
        let d = dep();
        assert_eq!(ev.eval(&cmp("region", "us-east-1"), &d), Tri::Unknown);
        assert_eq!(ev.eval(&cmp("provider", "amazon"), &d), Tri::True);
        assert_eq!(ev.eval(&cmp("kind", "compute"), &d), Tri::True);
        let not_region = e(ExprKind::Not(Box::new(cmp("region", "x"))));
        assert_eq!(ev.eval(&not_region, &d), Tri::Unknown);
        let either = e(ExprKind::Or(
            Box::new(cmp("region", "x")),
            Box::new(cmp("kind", "compute")),
        ));
        assert_eq!(ev.eval(&either, &d), Tri::True);
    }

    #[test]
    fn globs_respect_segments() {
        let m = compile_glob("stargate/*/main.tf").unwrap();
        assert!(m.is_match("stargate/abilene/main.tf"));
        assert!(!m.is_match("stargate/a/b/main.tf"));
        let m = compile_glob("stargate/**").unwrap();
        assert!(m.is_match("stargate/a/b/main.tf"));
        let m = compile_glob("infra/?.tf").unwrap();
        assert!(m.is_match("infra/a.tf"));
    }

    fn group(attr: &str, group: &str) -> Expr {
        e(ExprKind::InGroup {
            attr: s(AttrRef::Named(attr.into())),
            group: s(group.into()),
        })
    }

    #[test]
    fn a_multi_region_location_is_judged_over_every_country_it_may_use() {
        let c = Catalog::builtin();
        let ev = Evaluator::new(&c);
        let mut d = dep();
        d.provider = Some("gcp".into());
        d.region = Some("EU".into());
        crate::facts::resolve_country(&mut d, &c);
        assert_eq!(d.country, None);
        assert_eq!(d.countries.len(), 27);
        assert_eq!(ev.eval(&group("country", "eu"), &d), Tri::True);
        assert_eq!(ev.eval(&group("country", "eea"), &d), Tri::True);
        assert_eq!(ev.eval(&group("country", "five_eyes"), &d), Tri::False);
        // No single country: `==` is unknown unless every country agrees.
        assert_eq!(ev.eval(&cmp("country", "de"), &d), Tri::Unknown);
        assert_eq!(ev.eval(&cmp("country", "us"), &d), Tri::False);
        let not_de = e(ExprKind::Not(Box::new(cmp("country", "de"))));
        assert_eq!(ev.eval(&not_de, &d), Tri::Unknown);
        let list = e(ExprKind::InList {
            attr: s(AttrRef::Named("country".into())),
            values: vec![s(Value::Ident("de".into())), s(Value::Ident("fr".into()))],
        });
        assert_eq!(ev.eval(&list, &d), Tri::Unknown);

        // Finland, the Netherlands (and Belgium for metadata): all EU, none Five Eyes.
        d.countries.clear();
        d.region = Some("eur4".into());
        crate::facts::resolve_country(&mut d, &c);
        assert_eq!(d.countries, ["be", "fi", "nl"]);
        assert_eq!(ev.eval(&group("country", "eu"), &d), Tri::True);
        assert_eq!(ev.eval(&group("country", "five_eyes"), &d), Tri::False);

        // A set of one country decides `==` as that country would.
        d.countries.clear();
        d.region = Some("nam4".into());
        crate::facts::resolve_country(&mut d, &c);
        assert_eq!(ev.eval(&cmp("country", "us"), &d), Tri::True);
        assert_eq!(ev.eval(&group("country", "eu"), &d), Tri::False);

        // An undocumented multi-region keeps its countries unknown.
        d.countries.clear();
        d.region = Some("eur5".into());
        crate::facts::resolve_country(&mut d, &c);
        assert!(d.countries.is_empty());
        assert_eq!(ev.eval(&group("country", "eu"), &d), Tri::Unknown);
    }

    #[test]
    fn a_mixed_set_of_countries_is_unknown_for_a_group() {
        let c = Catalog::builtin();
        let ev = Evaluator::new(&c);
        let mut d = dep();
        d.countries = vec!["be".into(), "gb".into()];
        assert_eq!(ev.eval(&group("country", "eu"), &d), Tri::Unknown);
        assert_eq!(ev.eval(&group("country", "eea"), &d), Tri::Unknown);
        // Other attributes are untouched by the set.
        assert_eq!(ev.eval(&cmp("kind", "compute"), &d), Tri::True);
        d.country = Some("gb".into());
        assert_eq!(ev.eval(&group("country", "eu"), &d), Tri::False);
    }

    #[test]
    fn groups() {
        assert_eq!(group_contains("eu", "IE"), Some(true));
        assert_eq!(group_contains("eu", "no"), Some(false));
        assert_eq!(group_contains("eea", "no"), Some(true));
        assert_eq!(group_contains("five_eyes", "gb"), Some(true));
        assert_eq!(group_contains("asia", "jp"), None);
    }
}
