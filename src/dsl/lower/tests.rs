use super::*;
use crate::dsl::grammar;

fn lower(text: &str) -> (PolicyFile, Vec<Problem>) {
    let mut pairs = grammar::parse_file(text).expect("parses");
    lower_file(Arc::from("t.pact"), pairs.next().unwrap())
}

#[test]
fn dates_are_checked_against_the_calendar() {
    assert_eq!(parse_date("2024-02-29").unwrap().to_string(), "2024-02-29");
    assert_eq!(
        parse_date("2025-02-30").unwrap_err(),
        "February 2025 has 28 days"
    );
    assert_eq!(
        parse_date("2025-13-01").unwrap_err(),
        "there is no month 13"
    );
    assert_eq!(
        parse_date("2025-04-00").unwrap_err(),
        "April 2025 has 30 days"
    );
}

#[test]
fn escapes() {
    assert_eq!(unescape(r#"a\"b\\c\nd\te"#).unwrap(), "a\"b\\c\nd\te");
    assert_eq!(unescape(r"ab\qc"), Err((2, 2)));
}

#[test]
fn lowers_rules_meta_and_others() {
    let (f, problems) = lower(
        "policy p {\n title \"T\"; effective from 2020-01-01 to 2021-01-01\n \
         deny d { provider aws, gcp; severity warning waivable false }\n \
         exclusiv e { provider azure }\n colour blue\n}",
    );
    assert!(problems.is_empty(), "{problems:?}");
    let p = &f.policies[0];
    assert_eq!(p.name.node, "p");
    assert_eq!(p.meta.len(), 2);
    let MetaKind::Effective(w) = &p.meta[1].kind else {
        panic!("{:?}", p.meta[1])
    };
    assert_eq!(w.until.as_ref().unwrap().node.to_string(), "2021-01-01");
    assert_eq!(p.rules.len(), 1);
    let r = &p.rules[0];
    assert_eq!(r.kind.node, RuleKind::Deny);
    assert_eq!(r.clauses.len(), 3);
    let ClauseKind::Provider(ps) = &r.clauses[0].kind else {
        panic!()
    };
    assert_eq!(
        ps.iter().map(|i| i.node.as_str()).collect::<Vec<_>>(),
        ["aws", "gcp"]
    );
    assert!(matches!(&r.clauses[2].kind, ClauseKind::Waivable(w) if !w.node));
    assert_eq!(p.unknown_rules[0].kind.node, "exclusiv");
    assert_eq!(p.others[0].name.node, "colour");
}

fn where_of(text: &str) -> Expr {
    let (f, problems) = lower(text);
    assert!(problems.is_empty(), "{problems:?}");
    match &f.policies[0].rules[0].clauses[0].kind {
        ClauseKind::Where(e) => e.clone(),
        other => panic!("{other:?}"),
    }
}

/// `a or b and not c` is `a or (b and (not c))`.
#[test]
fn precedence_not_and_or() {
    let text = "policy p { deny d { where gpu or kind == ai and not region == x } }";
    let e = where_of(text);
    let ExprKind::Or(a, bc) = &e.kind else {
        panic!("{e:?}")
    };
    assert!(matches!(&a.kind, ExprKind::Bool(_)));
    let ExprKind::And(b, notc) = &bc.kind else {
        panic!("{bc:?}")
    };
    assert!(matches!(&b.kind, ExprKind::Cmp { .. }));
    let ExprKind::Not(c) = &notc.kind else {
        panic!("{notc:?}")
    };
    assert_eq!(&text[c.span.range()], "region == x");
    assert_eq!(&text[notc.span.range()], "not region == x");
    assert_eq!(
        &text[e.span.range()],
        "gpu or kind == ai and not region == x"
    );
}

#[test]
fn parentheses_override_precedence_and_chains_are_left_associative() {
    let e = where_of("policy p { deny d { where (gpu or kind == ai) and not not gpu } }");
    let ExprKind::And(l, r) = &e.kind else {
        panic!("{e:?}")
    };
    assert!(matches!(&l.kind, ExprKind::Or(..)));
    let ExprKind::Not(inner) = &r.kind else {
        panic!()
    };
    assert!(matches!(&inner.kind, ExprKind::Not(_)));
    let e = where_of("policy p { deny d { where gpu and gpu and kind == ai } }");
    let ExprKind::And(l, r) = &e.kind else {
        panic!("{e:?}")
    };
    assert!(matches!(&l.kind, ExprKind::And(..)));
    assert!(matches!(&r.kind, ExprKind::Cmp { .. }));
}

#[test]
fn keywords_are_reserved_only_where_expected() {
    // `deny`, `where`, `policy` as names; `order`/`android` are not `or`/`and`.
    let e = where_of("policy policy { deny deny { where name == order and android } }");
    assert!(matches!(&e.kind, ExprKind::And(..)));
}

#[test]
fn huge_expressions_are_refused_not_overflowed() {
    let many = vec!["gpu"; MAX_EXPR_OPERATORS + 2].join(" or ");
    let (f, problems) = lower(&format!("policy p {{ deny d {{ where {many} }} }}"));
    assert_eq!(problems[0].code, "cloudpact::policy::expression-too-large");
    assert!(f.policies[0].rules[0].clauses.is_empty());
}

#[test]
fn impossible_date_is_a_problem_at_the_date() {
    let text = "policy p { effective from 2025-02-30 }";
    let (_, problems) = lower(text);
    assert_eq!(problems.len(), 1);
    assert_eq!(&text[problems[0].span.range()], "2025-02-30");
    assert_eq!(problems[0].code, "cloudpact::policy::impossible-date");
}

#[test]
fn tag_keys_and_values() {
    let text =
        r#"policy p { require r { assert tag."app.k8s.io/x" == "a\"b" and label.team != ops } }"#;
    let (f, problems) = lower(text);
    assert!(problems.is_empty());
    let ClauseKind::Assert(e) = &f.policies[0].rules[0].clauses[0].kind else {
        panic!()
    };
    let ExprKind::And(l, r) = &e.kind else {
        panic!("{e:?}")
    };
    let ExprKind::Cmp { attr, value, .. } = &l.kind else {
        panic!()
    };
    assert_eq!(attr.node, AttrRef::Tag("app.k8s.io/x".into()));
    assert_eq!(value.node, Value::Str("a\"b".into()));
    let ExprKind::Cmp { attr, value, op } = &r.kind else {
        panic!()
    };
    assert_eq!(attr.node, AttrRef::Tag("team".into()));
    assert_eq!(*op, CmpOp::Ne);
    assert_eq!(value.node, Value::Ident("ops".into()));
}

#[test]
fn unknown_clause_word_ignores_what_follows_it() {
    // Found by fuzzing `policy fmt`: a byte-order mark (or a comment) after a bare word made it
    // "an expression", so formatting (which drops the mark) changed the diagnostic.
    for text in [
        "policy e { e z\u{FEFF}}",
        "policy e { e z // note\n}",
        "policy e { e z /* a b */ }",
    ] {
        let (f, _) = lower(text);
        let item = &f.policies[0].others[0].items[0];
        assert_eq!(
            item.node,
            OtherItem::Expr {
                word: Some("z".into())
            },
            "{text:?}"
        );
        assert_eq!(&text[item.span.range()], "z", "{text:?}");
    }
}
