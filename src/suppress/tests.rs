use std::sync::Arc;

use jiff::civil::{Date, date};

use super::*;
use crate::dsl::ast::{AttrRef, ExprKind, RuleKind, Spanned, UnknownPolicy, Window};
use crate::dsl::model::RuleDef;
use crate::facts::model::{Deployment, Format};

const DAY: Date = date(2026, 1, 15);

fn file(path: &str, text: &str) -> Arc<SourceFile> {
    Arc::new(SourceFile::new(path, text))
}

fn rule(id: &str) -> Arc<RuleDef> {
    let (policy, _) = id.split_once('.').unwrap();
    Arc::new(RuleDef {
        id: id.into(),
        policy: policy.into(),
        policy_title: None,
        owner: None,
        kind: RuleKind::Exclusive,
        file: file("policies/p.pact", "policy p {}\n"),
        name_span: Span::new(0, 6),
        span: Span::new(0, 6),
        scope: None,
        severity: Severity::Error,
        message: None,
        window: None,
        unknown: UnknownPolicy::Allow,
        reference: None,
        waivable: true,
        providers: vec![Arc::from("azure")],
        holder: None,
        over: None,
        refusals: Vec::new(),
        assert: None,
        at_least: None,
    })
}

fn policies() -> PolicySet {
    let mut strict = (*rule("p.strict")).clone();
    strict.waivable = false;
    let mut old = (*rule("p.old")).clone();
    old.window = Some(Window {
        from: None,
        until: Some(Spanned::new(date(2025, 1, 1), Span::default())),
        span: Span::default(),
    });
    PolicySet {
        rules: vec![
            rule("p.r"),
            rule("p.other"),
            Arc::new(strict),
            Arc::new(old),
        ],
        files: Vec::new(),
    }
}

/// A finding of `rule` on the deployment declared on 1-based `line` of `file`.
fn finding(rule: &str, file: &Arc<SourceFile>, line: usize) -> Finding {
    let span = file.line_span(line);
    let dep = Deployment::new(file.path.clone(), span, Format::Terraform, "t", "n");
    Finding {
        rule: rule.into(),
        policy: Some("p".into()),
        rule_kind: Some(RuleKind::Exclusive),
        severity: Severity::Error,
        message: format!("{rule} at line {line}"),
        help: None,
        reference: None,
        file: file.clone(),
        span,
        label: None,
        deployment: Some(Arc::new(dep)),
        related: Vec::new(),
        suppressed: None,
    }
}

fn files_of(list: &[&Arc<SourceFile>]) -> FileMap {
    list.iter()
        .map(|f| (f.path.clone(), (*f).clone()))
        .collect()
}

struct Run {
    findings: Vec<Finding>,
}

impl Run {
    fn reserved(&self, id: &str) -> Vec<&Finding> {
        self.findings.iter().filter(|f| &*f.rule == id).collect()
    }

    fn suppressed(&self) -> Vec<String> {
        self.findings
            .iter()
            .filter(|f| f.suppressed.is_some())
            .map(|f| f.message.clone())
            .collect()
    }
}

fn run_with(
    findings: Vec<Finding>,
    files: &[&Arc<SourceFile>],
    inline: bool,
    waivers: &[Waiver],
    whole_repo: bool,
) -> Run {
    let set = policies();
    let catalog = Catalog::builtin();
    let ctx = Ctx {
        rules: &set,
        catalog: &catalog,
        as_of: DAY,
        whole_repo,
    };
    let mut findings = findings;
    apply_prepared(&mut findings, &files_of(files), &ctx, inline, waivers);
    Run { findings }
}

fn run(findings: Vec<Finding>, files: &[&Arc<SourceFile>]) -> Run {
    run_with(findings, files, true, &[], true)
}

#[test]
fn same_line_and_line_above_suppress() {
    let f = file(
        "infra/a.tf",
        "# cloudpact:ignore p.r -- legacy gateway\n\
         resource \"t\" \"a\" {}\n\
         resource \"t\" \"b\" {} # cloudpact:ignore p.r -- migrating\n\
         # cloudpact:ignore p.r -- too far away\n\
         \n\
         resource \"t\" \"c\" {}\n",
    );
    let r = run(
        vec![
            finding("p.r", &f, 2),
            finding("p.r", &f, 3),
            finding("p.r", &f, 6),
        ],
        &[&f],
    );
    assert_eq!(r.suppressed(), ["p.r at line 2", "p.r at line 3"]);
    let s = r
        .findings
        .iter()
        .find_map(|f| f.suppressed.clone())
        .unwrap();
    assert_eq!(s.kind, "inline");
    assert_eq!(s.reason, "legacy gateway");
    assert_eq!(s.location, "infra/a.tf:1");
    // The directive two lines above suppresses nothing: unused on a whole-repository scan.
    let unused = r.reserved(reserved::UNUSED_SUPPRESSION);
    assert_eq!(unused.len(), 1);
    assert_eq!(unused[0].line(), 4);
    assert_eq!(unused[0].severity, Severity::Warning);
    assert!(
        !r.findings
            .iter()
            .any(|f| f.message == "p.r at line 6" && f.suppressed.is_some())
    );
}

#[test]
fn other_rules_are_not_suppressed() {
    let f = file(
        "a.tf",
        "resource \"t\" \"a\" {} # cloudpact:ignore p.r -- x\n",
    );
    let r = run(
        vec![finding("p.r", &f, 1), finding("p.other", &f, 1)],
        &[&f],
    );
    assert_eq!(r.suppressed(), ["p.r at line 1"]);
}

#[test]
fn no_reason_is_invalid_and_suppresses_nothing() {
    let f = file("a.tf", "# cloudpact:ignore p.r\nresource \"t\" \"a\" {}\n");
    let r = run(vec![finding("p.r", &f, 2)], &[&f]);
    assert!(r.suppressed().is_empty());
    let bad = r.reserved(reserved::INVALID_SUPPRESSION);
    assert_eq!(bad.len(), 1);
    assert_eq!(bad[0].severity, Severity::Error);
    assert!(bad[0].message.contains("no reason"), "{}", bad[0].message);
    assert_eq!(bad[0].line(), 1);
}

#[test]
fn unknown_ids_are_invalid_and_the_known_ones_still_work() {
    let f = file(
        "a.tf",
        "# cloudpact:ignore p.rr, p.r -- typo beside a good one\nresource \"t\" \"a\" {}\n",
    );
    let r = run(vec![finding("p.r", &f, 2)], &[&f]);
    assert_eq!(r.suppressed(), ["p.r at line 2"]);
    let bad = r.reserved(reserved::INVALID_SUPPRESSION);
    assert_eq!(bad.len(), 1);
    assert!(
        bad[0].message.contains("unknown rule id `p.rr`"),
        "{}",
        bad[0].message
    );
    assert!(
        bad[0].message.contains("did you mean `p.r`"),
        "{}",
        bad[0].message
    );
    // Located at the id itself.
    assert_eq!(&f.text()[bad[0].span.range()], "p.rr");
}

#[test]
fn waivable_false_rules_cannot_be_suppressed() {
    let f = file(
        "a.tf",
        "# cloudpact:ignore p.strict -- please\nresource \"t\" \"a\" {}\n",
    );
    let cfg = file(
        "cloudpact.yaml",
        "waivers:\n  - rule: p.strict\n    reason: audited\n",
    );
    let waiver = Waiver {
        def: WaiverDef {
            rule: "p.strict".into(),
            scope: None,
            reason: "audited".into(),
            until: None,
            span: cfg.line_span(2),
        },
        scope: None,
        scope_error: None,
        file: cfg.clone(),
    };
    let r = run_with(
        vec![finding("p.strict", &f, 2)],
        &[&f],
        true,
        &[waiver],
        true,
    );
    assert!(r.suppressed().is_empty());
    let bad = r.reserved(reserved::INVALID_SUPPRESSION);
    assert_eq!(bad.len(), 2, "the comment and the waiver");
    assert!(bad.iter().all(|b| b.message.contains("waivable false")));
    assert!(
        bad.iter()
            .any(|b| b.path() == "cloudpact.yaml" && b.line() == 2)
    );
}

#[test]
fn suppressions_of_suppression_findings_are_refused() {
    let f = file(
        "a.yaml",
        "# cloudpact:ignore cloudpact.unused-suppression -- quiet\nx: 1\n",
    );
    let r = run(vec![], &[&f]);
    let bad = r.reserved(reserved::INVALID_SUPPRESSION);
    assert_eq!(bad.len(), 1);
    assert!(bad[0].message.contains("cannot be suppressed"));
}

#[test]
fn parse_errors_may_be_suppressed_inline() {
    let f = file(
        "vendor.yaml",
        "# cloudpact:ignore cloudpact.parse-error -- vendored template, not ours\nx: [\n",
    );
    let mut pe = finding(reserved::PARSE_ERROR, &f, 2);
    pe.deployment = None;
    let r = run(vec![pe], &[&f]);
    assert_eq!(r.suppressed().len(), 1);
    assert!(r.reserved(reserved::INVALID_SUPPRESSION).is_empty());
}

#[test]
fn expiry_is_inclusive_and_expired_ones_warn() {
    let f = file(
        "a.tf",
        "# cloudpact:ignore p.r until=2026-01-15 -- last day\n\
         resource \"t\" \"a\" {}\n\
         # cloudpact:ignore p.r until=2026-01-14 -- gone\n\
         resource \"t\" \"b\" {}\n",
    );
    let r = run(vec![finding("p.r", &f, 2), finding("p.r", &f, 4)], &[&f]);
    assert_eq!(r.suppressed(), ["p.r at line 2"]);
    let expired = r.reserved(reserved::EXPIRED_SUPPRESSION);
    assert_eq!(expired.len(), 1);
    assert_eq!(expired[0].line(), 3);
    assert!(expired[0].message.contains("2026-01-14"));
    assert!(r.reserved(reserved::UNUSED_SUPPRESSION).is_empty());
}

#[test]
fn unused_is_judged_where_every_finding_is_known_for_active_rules_only() {
    let f = file(
        "a.tf",
        "# cloudpact:ignore p.r -- nothing here\n# cloudpact:ignore p.old -- expired contract\nx = 1\n",
    );
    let whole = run_with(vec![], &[&f], true, &[], true);
    let unused = whole.reserved(reserved::UNUSED_SUPPRESSION);
    assert_eq!(unused.len(), 1, "p.old is inactive: not judged");
    assert!(unused[0].message.contains("`p.r`"));
    // A partial scan evaluated a.tf with its whole unit: its comments are judged the same.
    let partial = run_with(vec![], &[&f], true, &[], false);
    assert_eq!(partial.reserved(reserved::UNUSED_SUPPRESSION).len(), 1);
    // A comment in a file the partial scan did not evaluate (here a finding's file outside
    // the map) could suppress findings the scan did not look for: not judged.
    let other = file("b.tf", "# cloudpact:ignore p.r -- elsewhere\nx = 1\n");
    let mut far = finding("p.other", &other, 2);
    far.deployment = None;
    let partial = run_with(vec![far], &[&f], true, &[], false);
    let unused = partial.reserved(reserved::UNUSED_SUPPRESSION);
    assert_eq!(unused.len(), 1, "{unused:?}");
    assert_eq!(&*unused[0].file.path, "a.tf");
}

#[test]
fn inline_ignores_off_disables_comments() {
    let f = file(
        "a.tf",
        "# cloudpact:ignore p.r -- x\nresource \"t\" \"a\" {}\n# cloudpact:ignore nope\n",
    );
    let r = run_with(vec![finding("p.r", &f, 2)], &[&f], false, &[], true);
    assert!(r.suppressed().is_empty());
    assert_eq!(r.findings.len(), 1, "no findings about the comments either");
}

#[test]
fn comments_in_policy_files_suppress_findings_there() {
    let pact = file(
        "policies/commit.pact",
        "policy commit {\n  // cloudpact:ignore p.r -- share renegotiated, see ticket 12\n  share azure_share {}\n}\n",
    );
    let mut share = finding("p.r", &pact, 3);
    share.deployment = None;
    let set = PolicySet {
        files: vec![pact.clone()],
        ..policies()
    };
    let catalog = Catalog::builtin();
    let ctx = Ctx {
        rules: &set,
        catalog: &catalog,
        as_of: DAY,
        whole_repo: true,
    };
    let mut findings = vec![share];
    apply_prepared(&mut findings, &FileMap::default(), &ctx, true, &[]);
    assert!(findings[0].suppressed.is_some());
}

fn waiver(
    rule: &str,
    scope: Option<Expr>,
    until: Option<Date>,
    cfg: &Arc<SourceFile>,
    line: usize,
) -> Waiver {
    Waiver {
        def: WaiverDef {
            rule: rule.into(),
            scope: scope.as_ref().map(|_| "…".to_string()),
            reason: "Legacy gateway, decommissioned by Q2".into(),
            until,
            span: cfg.line_span(line),
        },
        scope,
        scope_error: None,
        file: cfg.clone(),
    }
}

fn path_matches(glob: &str) -> Expr {
    Expr {
        kind: ExprKind::Matches {
            attr: Spanned::new(AttrRef::Named("path".into()), Span::default()),
            glob: Spanned::new(glob.into(), Span::default()),
        },
        span: Span::default(),
    }
}

const CONFIG: &str = "waivers:\n  - rule: p.r\n    where: 'path matches \"legacy/**\"'\n    reason: x\n  - rule: p.other\n    reason: y\n";

#[test]
fn waivers_match_by_rule_and_where() {
    let cfg = file("cloudpact.yaml", CONFIG);
    let legacy = file("legacy/a.json", "{\"resources\": []}\n");
    let current = file("infra/a.json", "{\"resources\": []}\n");
    let mut no_dep = finding("p.r", &legacy, 1);
    no_dep.deployment = None;
    no_dep.message = "about no deployment".into();
    let waivers = [waiver(
        "p.r",
        Some(path_matches("legacy/**")),
        None,
        &cfg,
        2,
    )];
    let r = run_with(
        vec![
            finding("p.r", &legacy, 1),
            finding("p.r", &current, 1),
            no_dep,
        ],
        &[&legacy, &current],
        true,
        &waivers,
        true,
    );
    assert_eq!(r.suppressed(), ["p.r at line 1"]);
    let s = r
        .findings
        .iter()
        .find_map(|f| f.suppressed.clone())
        .unwrap();
    assert_eq!(s.kind, "waiver");
    assert_eq!(s.location, "cloudpact.yaml:2");
    assert_eq!(
        r.findings
            .iter()
            .find(|f| f.suppressed.is_some())
            .unwrap()
            .path(),
        "legacy/a.json"
    );
}

#[test]
fn waivers_without_where_match_findings_without_deployment() {
    let cfg = file("cloudpact.yaml", CONFIG);
    let f = file("a.json", "{}\n");
    let mut no_dep = finding("p.other", &f, 1);
    no_dep.deployment = None;
    let r = run_with(
        vec![no_dep],
        &[&f],
        true,
        &[waiver("p.other", None, None, &cfg, 5)],
        true,
    );
    assert_eq!(r.suppressed().len(), 1);
}

#[test]
fn expired_unused_and_unknown_waivers_are_reported_at_their_line() {
    let cfg = file(
        "cloudpact.yaml",
        "waivers:\n  - rule: p.r\n  - rule: p.other\n  - rule: p.nope\n",
    );
    let f = file("a.json", "{}\n");
    let waivers = [
        waiver("p.r", None, Some(date(2025, 12, 31)), &cfg, 2),
        waiver("p.other", None, Some(date(2026, 12, 31)), &cfg, 3),
        waiver("p.nope", None, None, &cfg, 4),
    ];
    let r = run_with(vec![finding("p.r", &f, 1)], &[&f], true, &waivers, true);
    assert!(
        r.suppressed().is_empty(),
        "an expired waiver suppresses nothing"
    );
    let expired = r.reserved(reserved::EXPIRED_WAIVER);
    assert_eq!(expired.len(), 1);
    assert_eq!(
        (expired[0].path(), expired[0].line()),
        ("cloudpact.yaml", 2)
    );
    let unused = r.reserved(reserved::UNUSED_SUPPRESSION);
    assert_eq!(unused.len(), 1);
    assert_eq!(unused[0].line(), 3);
    let bad = r.reserved(reserved::INVALID_SUPPRESSION);
    assert_eq!(bad.len(), 1);
    assert_eq!(bad[0].line(), 4);
    // On a partial scan the unused one is not judged.
    let partial = run_with(vec![finding("p.r", &f, 1)], &[&f], true, &waivers, false);
    assert!(partial.reserved(reserved::UNUSED_SUPPRESSION).is_empty());
}

/// The waivers of a config, as `check` prepares them.
fn prepared(cfg_text: &str) -> Vec<Waiver> {
    let cfg_file = file("cloudpact.yaml", cfg_text);
    prepare_waivers(&config::Loaded {
        config: config::parse(&cfg_file).unwrap(),
        file: Some(cfg_file),
        dir: ".".into(),
    })
}

#[test]
fn waivers_are_located_at_their_own_item() {
    // The same rule twice, a quoted id, the rule key last, and a flow mapping on one line.
    let waivers = prepared(
        "waivers:\n  - rule: a.b\n    reason: x\n  - reason: y\n    rule: \"a.b\"  # again\n  - {rule: c.d, where: 'path == \"a.tf\"', reason: z, until: 2026-09-30}\n  - rule: a.b\n    reason: w\n",
    );
    let lines: Vec<String> = waivers.iter().map(Waiver::location).collect();
    assert_eq!(
        lines,
        [
            "cloudpact.yaml:2",
            "cloudpact.yaml:4",
            "cloudpact.yaml:6",
            "cloudpact.yaml:7"
        ]
    );
    let flow = &waivers[2];
    assert!(flow.scope.is_some());
    assert_eq!(
        &flow.file.text()[flow.def.span.range()],
        "{rule: c.d, where: 'path == \"a.tf\"', reason: z, until: 2026-09-30}"
    );
}

#[test]
fn a_flow_waiver_after_other_keys_is_reported_at_its_line() {
    // Regression: positions were found by searching the text, so a waiver written on one line
    // was located at line 1 (no `rule:` line) and findings about it pointed nowhere.
    let waivers = prepared(
        "policies: [rules/]\nwaivers:\n  - {rule: p.r, where: 'path == \"a.tf\"', reason: \"x\", until: 2025-09-30}\n",
    );
    let f = file("a.json", "{}\n");
    let r = run_with(vec![finding("p.r", &f, 1)], &[&f], true, &waivers, true);
    let expired = r.reserved(reserved::EXPIRED_WAIVER);
    assert_eq!(expired.len(), 1);
    assert_eq!(
        (expired[0].path(), expired[0].line()),
        ("cloudpact.yaml", 3)
    );
}

#[test]
fn apply_reads_the_config() {
    let cfg_text = "inline_ignores: false\nwaivers:\n  - rule: p.r\n    reason: accepted risk\n";
    let cfg_file = file("cloudpact.yaml", cfg_text);
    let loaded = config::Loaded {
        config: config::parse(&cfg_file).unwrap(),
        file: Some(cfg_file),
        dir: ".".into(),
    };
    let f = file("a.tf", "# cloudpact:ignore nope\nresource \"t\" \"a\" {}\n");
    let mut findings = vec![finding("p.r", &f, 2)];
    let catalog = Catalog::builtin();
    apply(
        &mut findings,
        &files_of(&[&f]),
        &policies(),
        &loaded,
        &catalog,
        DAY,
        true,
    );
    assert_eq!(
        findings.len(),
        1,
        "comments are off: the bad one is not reported"
    );
    let s = findings[0].suppressed.as_ref().unwrap();
    assert_eq!(
        (s.kind, s.location.as_str()),
        ("waiver", "cloudpact.yaml:3")
    );
}
