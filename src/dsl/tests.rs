//! The language end to end: docs/language.md's examples load cleanly, and every policy error is
//! snapshotted as the user reads it.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use super::*;
use crate::facts::catalog::Catalog;
use crate::render::diagnostic::DiagRenderer;

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src/dsl/fixtures/language")
}

fn diags(text: &str) -> Vec<Diag> {
    check_source(
        Arc::new(SourceFile::new("policy.pact", text)),
        &Catalog::builtin(),
    )
}

/// Every diagnostic of `text`, rendered; asserts that `code` is among them.
fn render(text: &str, code: &str) -> String {
    let d = diags(text);
    assert!(d.iter().any(|d| d.code == code), "no {code} in {d:#?}");
    let r = DiagRenderer::plain();
    d.iter().map(|d| r.render(d)).collect::<Vec<_>>().join("\n")
}

#[test]
fn language_example_loads_cleanly() {
    let root = fixtures();
    let loaded = load(std::slice::from_ref(&root), &root, &Catalog::builtin());
    assert!(loaded.diagnostics.is_empty(), "{:#?}", loaded.diagnostics);
    let ids: Vec<&str> = loaded.set.rules.iter().map(|r| &*r.id).collect();
    assert_eq!(
        ids,
        [
            "microsoft_openai.api_on_azure",
            "microsoft_openai.new_capacity",
            "microsoft_openai.no_small_clouds",
            "microsoft_openai.customer_data_in_eu",
            "microsoft_openai.azure_commitment",
        ]
    );
    let set = &loaded.set;
    let api = set.rule("microsoft_openai.api_on_azure").unwrap();
    assert_eq!(api.kind, ast::RuleKind::Exclusive);
    assert_eq!(
        api.providers.iter().map(|p| &**p).collect::<Vec<_>>(),
        ["azure"]
    );
    assert_eq!(
        api.policy_title.as_deref(),
        Some("Microsoft–OpenAI cloud partnership")
    );
    assert_eq!(api.owner.as_deref(), Some("cloud-governance@example.com"));
    assert_eq!(
        api.reference.as_deref(),
        Some("Partnership announcement, 21 January 2025")
    );
    assert_eq!(api.severity, crate::diag::Severity::Error);
    assert!(api.waivable);
    // The policy's window is inherited.
    let w = api.window.as_ref().unwrap();
    assert_eq!(w.from.as_ref().unwrap().node.to_string(), "2019-07-22");
    assert!(api.is_active(jiff::civil::date(2025, 6, 1)));
    assert!(!api.is_active(jiff::civil::date(2031, 1, 1)));
    assert_eq!(&api.file.text()[api.name_span.range()], "api_on_azure");

    let rofr = set.rule("microsoft_openai.new_capacity").unwrap();
    assert_eq!(rofr.holder.as_deref(), Some("azure"));
    let over: Vec<&str> = rofr.over.as_ref().unwrap().iter().map(|p| &**p).collect();
    assert_eq!(over, ["aws", "gcp", "oracle", "coreweave"]);
    assert_eq!(rofr.refusals.len(), 1);
    let rec = &rofr.refusals[0];
    assert_eq!(rec.id, "ROFR-2025-007");
    assert_eq!(
        rec.granted_to.iter().map(|p| &**p).collect::<Vec<_>>(),
        ["oracle"]
    );
    assert_eq!(rec.expires.unwrap().to_string(), "2026-01-21");
    assert_eq!(rec.file.path.as_ref(), "refusals/rofr-2025-007.yaml");
    // The record's `where` spans point into the YAML file.
    let scope = rec.scope.as_ref().unwrap();
    assert_eq!(
        &rec.file.text()[scope.span.range()],
        r#"path matches "stargate/abilene/**" and gpu"#
    );

    let deny = set.rule("microsoft_openai.no_small_clouds").unwrap();
    assert_eq!(deny.severity, crate::diag::Severity::Warning);
    assert_eq!(deny.providers.len(), 3);
    let req = set.rule("microsoft_openai.customer_data_in_eu").unwrap();
    assert_eq!(req.unknown, ast::UnknownPolicy::Warn);
    assert!(req.assert.is_some());
    assert_eq!(
        req.message.as_deref(),
        Some("Customer data stays in the EU.")
    );
    let share = set.rule("microsoft_openai.azure_commitment").unwrap();
    assert_eq!(share.at_least, Some(75.0));
    // Every policy and record file is kept for rendering.
    assert_eq!(set.files.len(), 2);
}

#[test]
fn language_example_checks_cleanly_in_memory() {
    let text = std::fs::read_to_string(fixtures().join("microsoft_openai.pact")).unwrap();
    assert!(diags(&text).is_empty());
}

#[test]
fn every_error_of_two_files_in_one_load() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("a.pact"),
        "policy p {\n  deny d { provider azur }\n  share s { provider aws at_least 150% }\n}\n",
    )
    .unwrap();
    std::fs::create_dir(dir.path().join("sub")).unwrap();
    std::fs::write(
        dir.path().join("sub/b.pact"),
        "policy p {\n  deny d { provider aws }\n  require r { assert kind == comptue }\n  deny ok { provider aws }\n}\n",
    )
    .unwrap();
    std::fs::write(
        dir.path().join("sub/c.pact"),
        "policy q { deny x { provider aws }",
    )
    .unwrap();
    std::fs::write(dir.path().join("notes.txt"), "not a policy").unwrap();
    let loaded = load(&[dir.path().to_path_buf()], dir.path(), &Catalog::builtin());
    let got: Vec<(String, &str)> = loaded
        .diagnostics
        .iter()
        .map(|d| (d.file.as_ref().unwrap().path.to_string(), d.code.as_str()))
        .collect();
    assert_eq!(
        got,
        [
            ("a.pact".to_string(), "cloudpact::policy::unknown-provider"),
            ("a.pact".to_string(), "cloudpact::policy::percent-range"),
            (
                "sub/b.pact".to_string(),
                "cloudpact::policy::duplicate-rule"
            ),
            ("sub/b.pact".to_string(), "cloudpact::policy::unknown-kind"),
            ("sub/c.pact".to_string(), "cloudpact::policy::syntax"),
        ]
    );
    assert!(loaded.has_errors());
    // Only the rule without an error is kept.
    let ids: Vec<&str> = loaded.set.rules.iter().map(|r| &*r.id).collect();
    assert_eq!(ids, ["p.ok"]);
}

#[test]
fn refusal_files_are_loaded_once_and_empty_globs_warn() {
    let dir = tempfile::tempdir().unwrap();
    let pol = dir.path().join("policies");
    std::fs::create_dir_all(pol.join("refusals")).unwrap();
    std::fs::write(
        pol.join("refusals/one.yaml"),
        "- id: R1\n  holder: azure\n  granted_to: [oracle]\n  declined_on: 2025-01-21\n  reason: \"no\"\n",
    )
    .unwrap();
    std::fs::write(
        pol.join("p.pact"),
        "policy p {\n  first_refusal a { holder azure refusals \"refusals/*.yaml\" }\n  \
         first_refusal b { holder microsoft over any refusals \"refusals/**/*.yaml\", \"none/*.yaml\" }\n}\n",
    )
    .unwrap();
    let loaded = load(std::slice::from_ref(&pol), dir.path(), &Catalog::builtin());
    assert_eq!(loaded.diagnostics.len(), 1, "{:#?}", loaded.diagnostics);
    let d = &loaded.diagnostics[0];
    assert_eq!(d.code, "cloudpact::policy::refusals-match-nothing");
    assert!(!loaded.has_errors());
    insta::assert_snapshot!(DiagRenderer::plain().render(d));
    let a = loaded.set.rule("p.a").unwrap();
    let b = loaded.set.rule("p.b").unwrap();
    assert!(Arc::ptr_eq(&a.refusals[0], &b.refusals[0]));
    assert_eq!(b.holder.as_deref(), Some("azure"));
    assert_eq!(b.over, None);
    assert_eq!(loaded.set.files.len(), 2);
}

const RECORD: &str = "- id: R1\n  holder: azure\n  granted_to: [oracle]\n  declined_on: 2025-01-21\n  reason: \"no\"\n";

#[test]
fn refusal_globs_stay_inside_the_repository() {
    let outer = tempfile::tempdir().unwrap();
    let root = outer.path().join("repo");
    let pol = root.join("policies");
    std::fs::create_dir_all(&pol).unwrap();
    std::fs::create_dir_all(root.join("records")).unwrap();
    // Records beside the repository, and one inside it.
    std::fs::write(outer.path().join("stolen.yaml"), RECORD).unwrap();
    std::fs::write(root.join("records/ok.yaml"), RECORD).unwrap();
    #[cfg(unix)]
    std::os::unix::fs::symlink(outer.path(), pol.join("up")).unwrap();
    let policy = "policy p {\n  first_refusal a {\n    holder azure\n    refusals \"../../*.yaml\", \"../records/*.yaml\", \"up/*.yaml\", \"/etc/**/*.yaml\"\n  }\n}\n";
    std::fs::write(pol.join("p.pact"), policy).unwrap();
    let loaded = load(std::slice::from_ref(&pol), &root, &Catalog::builtin());
    let outside: Vec<&str> = loaded
        .diagnostics
        .iter()
        .filter(|d| d.code == validate::code::REFUSALS_OUTSIDE)
        .map(|d| &policy[d.primary_span().unwrap().range()])
        .collect();
    let mut want = vec!["\"../../*.yaml\"", "\"/etc/**/*.yaml\""];
    if cfg!(unix) {
        want.insert(1, "\"up/*.yaml\"");
    }
    assert_eq!(outside, want, "{:#?}", loaded.diagnostics);
    assert!(loaded.has_errors());
    let shown: Vec<&str> = loaded.set.files.iter().map(|f| &*f.path).collect();
    assert!(!shown.iter().any(|p| p.contains("stolen")), "{shown:?}");
    // A policy outside the root keeps to its own folder.
    let (fence, name) = glob_fence(&pol, &root.join("elsewhere"));
    assert_eq!(name, "the policy's folder");
    assert_eq!(fence, std::fs::canonicalize(&pol).unwrap());
}

#[test]
fn a_refusal_record_id_names_one_record_across_files() {
    let dir = tempfile::tempdir().unwrap();
    let pol = dir.path().join("policies");
    std::fs::create_dir_all(pol.join("refusals/sub")).unwrap();
    std::fs::write(pol.join("refusals/a.yaml"), RECORD).unwrap();
    std::fs::write(pol.join("refusals/sub/b.yaml"), RECORD).unwrap();
    // Two globs and two paths (`refusals` and `sub/..`) reaching one file load it once.
    std::fs::write(
        pol.join("p.pact"),
        "policy p {\n  first_refusal a { holder azure refusals \"refusals/*.yaml\", \"refusals/sub/../*.yaml\", \"refusals/sub/*.yaml\" }\n}\n",
    )
    .unwrap();
    let loaded = load(std::slice::from_ref(&pol), dir.path(), &Catalog::builtin());
    let dups: Vec<(String, usize)> = loaded
        .diagnostics
        .iter()
        .filter(|d| d.code == records::code::DUPLICATE_ID)
        .map(|d| (d.location().unwrap().0.to_string(), d.location().unwrap().1))
        .collect();
    assert_eq!(dups, [("policies/refusals/sub/b.yaml".to_string(), 1)]);
    assert!(
        loaded.diagnostics[0]
            .message
            .ends_with("already used at policies/refusals/a.yaml:1"),
        "{:#?}",
        loaded.diagnostics
    );
}

#[test]
fn missing_policy_path_is_reported() {
    let loaded = load(
        &[PathBuf::from("/no/such/dir")],
        Path::new("/"),
        &Catalog::builtin(),
    );
    assert_eq!(loaded.diagnostics[0].code, code::UNREADABLE);
}

#[test]
fn parse_expr_spans_are_relative_to_the_text() {
    let e = parse_expr("kind == ai and not gpu").unwrap();
    assert_eq!(e.span, Span::new(0, 22));
    let err = parse_expr("kind == ").unwrap_err();
    assert_eq!(err.code, grammar::SYNTAX);
    assert_eq!(err.span, Span::empty(8));
    assert!(err.message.contains("expected a value"), "{}", err.message);
    let err = parse_expr(r#"path matches "a\q""#).unwrap_err();
    assert_eq!(err.code, "cloudpact::policy::bad-escape");
    assert_eq!(err.span, Span::new(15, 17));
    assert!(parse_expr("").is_err());
    assert!(parse_expr("gpu gpu").is_err());
}

// ---------------------------------------------------------------------------------------------
// One snapshot per error kind.

#[test]
fn syntax_error() {
    insta::assert_snapshot!(render(
        "policy p {\n  deny d {\n    provider aws\n    42\n  }\n}\n",
        "cloudpact::policy::syntax"
    ));
}

#[test]
fn syntax_error_in_expression() {
    insta::assert_snapshot!(render(
        "policy p {\n  deny d {\n    provider aws\n    where kind == ai or\n  }\n}\n",
        "cloudpact::policy::syntax"
    ));
}

#[test]
fn unknown_provider() {
    insta::assert_snapshot!(render(
        "policy p {\n  exclusive e { provider azur }\n}\n",
        "cloudpact::policy::unknown-provider"
    ));
}

#[test]
fn unknown_provider_in_expression() {
    insta::assert_snapshot!(render(
        "policy p {\n  require r { assert provider in [gcp, amazn] }\n}\n",
        "cloudpact::policy::unknown-provider"
    ));
}

#[test]
fn unknown_kind() {
    insta::assert_snapshot!(render(
        "policy p {\n  deny d { provider aws where kind == comptue }\n}\n",
        "cloudpact::policy::unknown-kind"
    ));
}

#[test]
fn unknown_format() {
    insta::assert_snapshot!(render(
        "policy p {\n  deny d { provider aws where format == terafrom }\n}\n",
        "cloudpact::policy::unknown-format"
    ));
}

#[test]
fn unknown_attribute() {
    insta::assert_snapshot!(render(
        "policy p {\n  deny d { provider aws where regoin == \"us-east-1\" }\n}\n",
        "cloudpact::policy::unknown-attribute"
    ));
}

#[test]
fn unknown_group() {
    insta::assert_snapshot!(render(
        "policy p {\n  require r { assert country in europe }\n}\n",
        "cloudpact::policy::unknown-group"
    ));
}

#[test]
fn group_on_something_else_than_a_country() {
    insta::assert_snapshot!(render(
        "policy p {\n  require r { assert region in eu }\n}\n",
        "cloudpact::policy::group-needs-country"
    ));
}

#[test]
fn unknown_clause() {
    insta::assert_snapshot!(render(
        "policy p {\n  deny d {\n    provder aws\n  }\n}\n",
        "cloudpact::policy::unknown-clause"
    ));
}

#[test]
fn unknown_rule_kind() {
    insta::assert_snapshot!(render(
        "policy p {\n  exclusiv e { provider azure }\n}\n",
        "cloudpact::policy::unknown-rule-kind"
    ));
}

#[test]
fn clause_with_a_body_of_the_wrong_shape() {
    insta::assert_snapshot!(render(
        "policy p {\n  share s { provider azure at_least 75 }\n}\n",
        "cloudpact::policy::bad-clause-value"
    ));
}

#[test]
fn bad_severity_word() {
    insta::assert_snapshot!(render(
        "policy p {\n  deny d { provider aws severity warn }\n}\n",
        "cloudpact::policy::bad-clause-value"
    ));
}

#[test]
fn duplicate_rule_id() {
    insta::assert_snapshot!(render(
        "policy p {\n  deny d { provider aws }\n  deny d { provider gcp }\n}\n",
        "cloudpact::policy::duplicate-rule"
    ));
}

#[test]
fn clause_given_twice() {
    insta::assert_snapshot!(render(
        "policy p {\n  deny d {\n    provider aws\n    provider gcp\n  }\n}\n",
        "cloudpact::policy::duplicate-clause"
    ));
}

#[test]
fn required_clause_missing() {
    insta::assert_snapshot!(render(
        "policy p {\n  share s { provider azure }\n}\n",
        "cloudpact::policy::missing-clause"
    ));
}

#[test]
fn clause_of_another_kind() {
    insta::assert_snapshot!(render(
        "policy p {\n  exclusive e {\n    provider azure\n    holder azure\n  }\n}\n",
        "cloudpact::policy::misplaced-clause"
    ));
}

#[test]
fn meta_clause_in_a_rule() {
    insta::assert_snapshot!(render(
        "policy p {\n  deny d { provider aws title \"x\" }\n}\n",
        "cloudpact::policy::misplaced-clause"
    ));
}

#[test]
fn impossible_date() {
    insta::assert_snapshot!(render(
        "policy p {\n  effective from 2025-02-30\n}\n",
        "cloudpact::policy::impossible-date"
    ));
}

#[test]
fn window_ending_before_it_starts() {
    insta::assert_snapshot!(render(
        "policy p {\n  effective from 2026-01-01 until 2025-12-31\n}\n",
        "cloudpact::policy::window-order"
    ));
}

#[test]
fn percent_over_100() {
    insta::assert_snapshot!(render(
        "policy p {\n  share s { provider azure at_least 120% }\n}\n",
        "cloudpact::policy::percent-range"
    ));
}

#[test]
fn holder_in_its_own_over() {
    insta::assert_snapshot!(render(
        "policy p {\n  first_refusal f {\n    holder azure\n    over aws, microsoft\n  }\n}\n",
        "cloudpact::policy::holder-in-over"
    ));
}

#[test]
fn non_boolean_attribute_alone() {
    insta::assert_snapshot!(render(
        "policy p {\n  deny d { provider aws where provider }\n}\n",
        "cloudpact::policy::bool-attribute"
    ));
}

#[test]
fn boolean_attribute_compared_with_a_string() {
    insta::assert_snapshot!(render(
        "policy p {\n  deny d { provider aws where gpu == \"x\" }\n}\n",
        "cloudpact::policy::bool-attribute"
    ));
}

#[test]
fn unknown_escape() {
    insta::assert_snapshot!(render(
        "policy p {\n  title \"a\\qb\"\n}\n",
        "cloudpact::policy::bad-escape"
    ));
}

#[test]
fn holder_with_two_providers() {
    insta::assert_snapshot!(render(
        "policy p {\n  first_refusal f { holder azure, aws }\n}\n",
        "cloudpact::policy::holder-list"
    ));
}

#[test]
fn invalid_matches_glob() {
    insta::assert_snapshot!(render(
        "policy p {\n  deny d { provider aws where path matches \"a/[b\" }\n}\n",
        "cloudpact::policy::bad-glob"
    ));
}

#[test]
fn all_errors_of_a_file_at_once() {
    let d = diags(
        "policy p {\n  deny d { provider azur where kind == comptue }\n  share s { provider aws }\n  \
         require r { assert regoin == x }\n}\n",
    );
    let codes: Vec<&str> = d.iter().map(|d| d.code.as_str()).collect();
    assert_eq!(
        codes,
        [
            "cloudpact::policy::unknown-provider",
            "cloudpact::policy::unknown-kind",
            "cloudpact::policy::missing-clause",
            "cloudpact::policy::unknown-attribute",
        ]
    );
}

#[test]
fn more_misshapen_clauses() {
    let codes = |text: &str| -> Vec<String> { diags(text).into_iter().map(|d| d.code).collect() };
    assert_eq!(
        codes("policy p { deny d { provider aws waivable no } }"),
        ["cloudpact::policy::bad-clause-value"]
    );
    assert_eq!(
        codes("policy p { first_refusal f { holder azure over any, aws } }"),
        ["cloudpact::policy::over-any-list"]
    );
    assert_eq!(
        codes("policy p { where kind == ai }"),
        ["cloudpact::policy::misplaced-clause"]
    );
    assert_eq!(
        codes("policy p { title \"a\" title \"b\" }"),
        ["cloudpact::policy::duplicate-clause"]
    );
    assert_eq!(
        codes("policy p { require r { assert tag == x } }"),
        ["cloudpact::policy::unknown-attribute"]
    );
    assert_eq!(
        codes("policy p { require r { assert kind in [compute, kubernets] } }"),
        ["cloudpact::policy::unknown-kind"]
    );
    assert!(
        codes("policy p { require r { assert gpu == true and not gpu != false; } }").is_empty()
    );
}

#[test]
fn defaults_and_overrides_reach_the_model() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("p.pact"),
        "policy p {\n  reference \"MSA\"\n  effective until 2030-01-01\n  \
         deny a { provider amazon }\n  \
         deny b { provider aws, amazon; severity info; unknown deny; waivable false; \
         reference \"MSA §4.2\"; effective from 2025-01-01 to 2025-12-31; message \"no\" }\n}\n",
    )
    .unwrap();
    let loaded = load(&[dir.path().to_path_buf()], dir.path(), &Catalog::builtin());
    assert!(loaded.diagnostics.is_empty(), "{:#?}", loaded.diagnostics);
    let a = loaded.set.rule("p.a").unwrap();
    assert_eq!(
        a.providers.iter().map(|p| &**p).collect::<Vec<_>>(),
        ["aws"]
    );
    assert_eq!(a.severity, crate::diag::Severity::Error);
    assert_eq!(a.unknown, ast::UnknownPolicy::Allow);
    assert!(a.waivable);
    assert_eq!(a.reference.as_deref(), Some("MSA"));
    assert!(a.window.as_ref().unwrap().from.is_none());
    assert!(a.message.is_none() && a.scope.is_none());
    let b = loaded.set.rule("p.b").unwrap();
    assert_eq!(
        b.providers.len(),
        1,
        "duplicates after alias resolution are kept once"
    );
    assert_eq!(b.severity, crate::diag::Severity::Info);
    assert_eq!(b.unknown, ast::UnknownPolicy::Deny);
    assert!(!b.waivable);
    assert_eq!(b.reference.as_deref(), Some("MSA §4.2"));
    assert!(!b.is_active(jiff::civil::date(2026, 6, 1)));
    assert!(b.is_active(jiff::civil::date(2025, 6, 1)));
    assert_eq!(b.message.as_deref(), Some("no"));
    assert_eq!(loaded.set.files[0].path.as_ref(), "p.pact");
}

#[test]
fn a_syntax_error_does_not_hide_those_of_later_policies() {
    let text = "policy a {\n  deny d { provider aws, }\n}\n\npolicy b {\n  exclusive e { provider gcp }\n}\n\npolicy c {\n  deny f { provider = azure }\n}\n";
    let file = Arc::new(SourceFile::new("p.pact", text));
    let diags = crate::dsl::check_source(file.clone(), &Catalog::builtin());
    let lines: Vec<usize> = diags
        .iter()
        .map(|d| {
            assert_eq!(d.code, "cloudpact::policy::syntax", "{d}");
            d.location().unwrap().1
        })
        .collect();
    assert_eq!(lines, [2, 10], "{diags:?}");
}
