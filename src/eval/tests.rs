//! Evaluation tests on rules built directly (the parser has its own tests).

use std::sync::Arc;

use jiff::civil::{Date, date};

use super::*;
use crate::dsl::ast::{AttrRef, CmpOp, Expr, ExprKind, Spanned, Value, Window};
use crate::facts::model::{Format, Kind};
use crate::source::Span;

fn file(path: &str, text: &str) -> Arc<SourceFile> {
    Arc::new(SourceFile::new(path, text))
}

fn rule(kind: RuleKind, providers: &[&str]) -> RuleDef {
    RuleDef {
        id: "p.r".into(),
        policy: "p".into(),
        policy_title: None,
        owner: None,
        kind,
        file: file("policies/p.pact", "policy p { }\n"),
        name_span: Span::new(0, 6),
        span: Span::new(0, 12),
        scope: None,
        severity: Severity::Error,
        message: None,
        window: None,
        unknown: UnknownPolicy::Allow,
        reference: Some("MSA §4.2".into()),
        waivable: true,
        providers: providers.iter().map(|p| Arc::from(*p)).collect(),
        holder: None,
        over: None,
        refusals: Vec::new(),
        assert: None,
        at_least: None,
    }
}

fn dep(path: &str, provider: Option<&str>, kind: Kind) -> Arc<Deployment> {
    let mut d = Deployment::new(path.into(), Span::new(0, 10), Format::Terraform, "t", "n");
    d.provider = provider.map(Arc::from);
    d.kind = kind;
    Arc::new(d)
}

fn files_for(deps: &[Arc<Deployment>]) -> FileMap {
    deps.iter()
        .map(|d| (d.path.clone(), file(&d.path, "resource \"t\" \"n\" {}\n")))
        .collect()
}

fn run(rules: Vec<RuleDef>, deps: &[Arc<Deployment>], as_of: Date) -> Vec<Finding> {
    let set = PolicySet {
        rules: rules.into_iter().map(Arc::new).collect(),
        files: Vec::new(),
    };
    let catalog = Catalog::builtin();
    evaluate(
        &set,
        deps,
        &files_for(deps),
        &catalog,
        EvalOptions {
            as_of,
            whole_repo: true,
        },
    )
}

fn sp<T>(node: T) -> Spanned<T> {
    Spanned::new(node, Span::default())
}

fn path_matches(glob: &str) -> Expr {
    Expr {
        kind: ExprKind::Matches {
            attr: sp(AttrRef::Named("path".into())),
            glob: sp(glob.into()),
        },
        span: Span::default(),
    }
}

fn eq(attr: &str, v: &str) -> Expr {
    Expr {
        kind: ExprKind::Cmp {
            attr: sp(AttrRef::Named(attr.into())),
            op: CmpOp::Eq,
            value: sp(Value::Ident(v.into())),
        },
        span: Span::default(),
    }
}

const DAY: Date = date(2026, 1, 15);

#[test]
fn exclusive_flags_other_providers_only() {
    let deps = [
        dep("a.tf", Some("gcp"), Kind::Compute),
        dep("b.tf", Some("azure"), Kind::Compute),
    ];
    let f = run(vec![rule(RuleKind::Exclusive, &["gcp"])], &deps, DAY);
    assert_eq!(f.len(), 1);
    assert_eq!(f[0].path(), "b.tf");
    assert_eq!(f[0].reference.as_deref(), Some("MSA §4.2"));
    assert!(f[0].message.contains("runs on azure"), "{}", f[0].message);
}

#[test]
fn deny_and_unknown_policies() {
    let deps = [
        dep("a.tf", Some("hetzner"), Kind::Compute),
        dep("b.tf", None, Kind::Compute),
    ];
    let mut r = rule(RuleKind::Deny, &["hetzner"]);
    assert_eq!(run(vec![r.clone()], &deps, DAY).len(), 1);
    r.unknown = UnknownPolicy::Warn;
    let f = run(vec![r.clone()], &deps, DAY);
    assert_eq!(f.len(), 2);
    assert_eq!(f[0].severity, Severity::Error);
    assert_eq!(f[1].severity, Severity::Warning);
    r.unknown = UnknownPolicy::Deny;
    assert!(
        run(vec![r], &deps, DAY)
            .iter()
            .all(|f| f.severity == Severity::Error)
    );
}

#[test]
fn inactive_rules_produce_nothing() {
    let deps = [dep("b.tf", Some("azure"), Kind::Compute)];
    let mut r = rule(RuleKind::Exclusive, &["gcp"]);
    r.window = Some(Window {
        from: Some(sp(date(2025, 1, 1))),
        until: Some(sp(date(2025, 12, 31))),
        span: Span::default(),
    });
    assert!(run(vec![r.clone()], &deps, DAY).is_empty());
    assert_eq!(run(vec![r.clone()], &deps, date(2025, 12, 31)).len(), 1);
    assert_eq!(run(vec![r], &deps, date(2025, 1, 1)).len(), 1);
}

fn record(
    id: &str,
    granted: &str,
    declined: Date,
    expires: Option<Date>,
    scope: Option<&str>,
) -> Arc<RefusalRecord> {
    Arc::new(RefusalRecord {
        id: id.into(),
        holder: "aws".into(),
        granted_to: vec![Arc::from(granted)],
        declined_on: declined,
        expires,
        scope: scope.map(path_matches),
        scope_text: scope.map(|s| format!("path matches \"{s}\"")),
        reason: "no capacity".into(),
        evidence: None,
        file: file("records/r.yaml", "- id: R\n"),
        span: Span::new(0, 7),
    })
}

fn rofr(records: Vec<Arc<RefusalRecord>>) -> RuleDef {
    let mut r = rule(RuleKind::FirstRefusal, &[]);
    r.holder = Some("aws".into());
    r.over = Some(vec!["azure".into(), "gcp".into()]);
    r.scope = Some(eq("kind", "kubernetes"));
    r.refusals = records;
    r
}

#[test]
fn first_refusal_covers_and_explains_near_misses() {
    let deps = [
        dep("clusters/east/aks.tf", Some("azure"), Kind::Kubernetes),
        dep("clusters/east/eks.tf", Some("aws"), Kind::Kubernetes),
        dep("clusters/west/gke.tf", Some("gcp"), Kind::Kubernetes),
    ];
    let rec = record(
        "RFR-17",
        "gcp",
        date(2025, 9, 1),
        Some(date(2026, 8, 31)),
        Some("clusters/west/**"),
    );
    let f = run(vec![rofr(vec![rec.clone()])], &deps, date(2026, 3, 1));
    assert_eq!(f.len(), 1, "{f:?}");
    assert_eq!(f[0].path(), "clusters/east/aks.tf");
    // Two conditions fail (provider and scope): no record "nearly" covers it.
    assert!(!f[0].message.contains("RFR-17"), "{}", f[0].message);
    let west_aks = [dep("clusters/west/aks.tf", Some("azure"), Kind::Kubernetes)];
    let f = run(vec![rofr(vec![rec.clone()])], &west_aks, date(2026, 3, 1));
    assert!(
        f[0].message.contains("RFR-17 grants gcp, not azure"),
        "{}",
        f[0].message
    );

    let f = run(vec![rofr(vec![rec.clone()])], &deps, date(2026, 9, 15));
    let paths: Vec<&str> = f.iter().map(Finding::path).collect();
    assert_eq!(paths, ["clusters/east/aks.tf", "clusters/west/gke.tf"]);
    assert!(
        f[1].message.contains("RFR-17 expired on 2026-08-31"),
        "{}",
        f[1].message
    );
    // An expired record is history, not unused.
    assert!(f.iter().all(|x| &*x.rule != reserved::UNUSED_REFUSAL));

    let f = run(vec![rofr(vec![rec])], &deps, date(2025, 8, 1));
    assert!(
        f.iter()
            .any(|x| x.message.contains("not in force until 2025-09-01")),
        "{f:?}"
    );
}

#[test]
fn unused_refusal_is_a_warning_at_the_record() {
    let deps = [dep("clusters/east/eks.tf", Some("aws"), Kind::Kubernetes)];
    let rec = record("RFR-9", "gcp", date(2025, 1, 1), None, None);
    let f = run(vec![rofr(vec![rec])], &deps, DAY);
    assert_eq!(f.len(), 1);
    assert_eq!(&*f[0].rule, reserved::UNUSED_REFUSAL);
    assert_eq!(f[0].severity, Severity::Warning);
    assert_eq!(f[0].path(), "records/r.yaml");
}

#[test]
fn require_uses_three_valued_assert() {
    let mut a = dep("a.tf", Some("aws"), Kind::Storage);
    Arc::get_mut(&mut a).unwrap().country = Some("ie".into());
    let b = dep("b.tf", Some("aws"), Kind::Storage);
    let mut c = dep("c.tf", Some("aws"), Kind::Storage);
    Arc::get_mut(&mut c).unwrap().country = Some("us".into());
    let mut r = rule(RuleKind::Require, &[]);
    r.assert = Some(Expr {
        kind: ExprKind::InGroup {
            attr: sp(AttrRef::Named("country".into())),
            group: sp("eu".into()),
        },
        span: Span::default(),
    });
    r.unknown = UnknownPolicy::Warn;
    let f = run(vec![r], &[a, b, c], DAY);
    let got: Vec<(&str, Severity)> = f.iter().map(|f| (f.path(), f.severity)).collect();
    assert_eq!(
        got,
        [("b.tf", Severity::Warning), ("c.tf", Severity::Error)]
    );
}

#[test]
fn share_counts_known_providers_in_scope() {
    let deps = [
        dep("a.tf", Some("azure"), Kind::Compute),
        dep("b.tf", Some("azure"), Kind::Compute),
        dep("c.tf", Some("aws"), Kind::Compute),
        dep("d.tf", None, Kind::Compute),
        dep("e.tf", Some("aws"), Kind::Storage),
    ];
    let mut r = rule(RuleKind::Share, &["azure"]);
    r.scope = Some(eq("kind", "compute"));
    r.at_least = Some(75.0);
    let f = run(vec![r.clone()], &deps, DAY);
    assert_eq!(f.len(), 1);
    assert!(
        f[0].message.contains("2 of 3 in-scope deployments (66.7%)"),
        "{}",
        f[0].message
    );
    assert_eq!(f[0].path(), "policies/p.pact");
    r.at_least = Some(66.0);
    assert!(run(vec![r], &deps, DAY).is_empty());
}

#[test]
fn results_do_not_depend_on_thread_count() {
    let deps: Vec<_> = (0..200)
        .map(|i| {
            dep(
                &format!("d{i:03}.tf"),
                Some(if i % 3 == 0 { "aws" } else { "azure" }),
                Kind::Compute,
            )
        })
        .collect();
    let one = rayon::ThreadPoolBuilder::new()
        .num_threads(1)
        .build()
        .unwrap();
    let a = one.install(|| run(vec![rule(RuleKind::Exclusive, &["aws"])], &deps, DAY));
    let b = run(vec![rule(RuleKind::Exclusive, &["aws"])], &deps, DAY);
    let key = |f: &Vec<Finding>| {
        f.iter()
            .map(|x| (x.path().to_string(), x.message.clone()))
            .collect::<Vec<_>>()
    };
    assert_eq!(key(&a), key(&b));
}

#[test]
fn findings_vector_is_sized_from_the_rate_not_doubled() {
    // 9 chunks of 8,192 deployments, one finding each: doubling would end at 131,072.
    let total = 9 * 8192;
    let mut v: Vec<u8> = Vec::new();
    for chunk in 1..=9 {
        super::reserve_projected(&mut v, 8192, chunk * 8192, total);
        v.extend(std::iter::repeat_n(0, 8192));
    }
    assert_eq!(v.len(), total);
    assert!(v.capacity() <= total + total / 16, "{}", v.capacity());
    // A rate that rises at the end still grows by an eighth at least each time.
    let mut w: Vec<u8> = Vec::with_capacity(100);
    w.extend([0; 100]);
    super::reserve_projected(&mut w, 1, 1000, 1000);
    assert!(w.capacity() >= 112, "{}", w.capacity());
}
