use super::*;

fn sample() -> Value {
    json!({
        "column": 1,
        "deployment": {
            "path": "a/main.tf",
            "evidence": [{"for": "provider", "text": "a \"path\": \"a/main.tf\","}],
            "calls": [{"path": "a/main.tf", "line": 3, "name": "module.x"}]
        },
        "end_column": 2, "end_line": 1, "line": 1,
        "message": "m", "path": "a/main.tf", "policy": "p", "reference": null,
        "rule": "p.r", "rule_kind": "deny", "severity": "error", "suppressed": false
    })
}

#[test]
fn qualifying_as_text_equals_qualifying_the_tree() {
    let v = sample();
    let mut expected = v.clone();
    expected["path"] = json!("acme/x/a/main.tf");
    expected["deployment"]["path"] = json!("acme/x/a/main.tf");
    expected["repository"] = json!("acme/x");
    let expected = finding_raw(&expected);

    let raw = finding_raw(&v);
    let fast = qualify(&raw, &Head::of(&raw).unwrap(), "acme/x");
    assert_eq!(fast.get(), expected.get());
    // A layout `check` does not write goes through the tree, to the same text.
    let compact = RawValue::from_string(serde_json::to_string(&v).unwrap()).unwrap();
    let slow = qualify(&compact, &Head::of(&compact).unwrap(), "acme/x");
    assert_eq!(slow.get(), expected.get());
}

#[test]
fn a_finding_reads_back_as_the_same_text() {
    let v = sample();
    let doc = json!({"findings": [v.clone()]});
    let pretty = serde_json::to_string_pretty(&doc).unwrap();
    #[derive(serde::Serialize, serde::Deserialize)]
    struct D {
        findings: Vec<Box<RawValue>>,
    }
    let d: D = serde_json::from_str(&pretty).unwrap();
    assert_eq!(d.findings[0].get(), finding_raw(&v).get());
    assert_eq!(serde_json::to_string_pretty(&d).unwrap(), pretty);
}

#[test]
fn sorting_is_by_path_position_rule_and_counts_severities() {
    let mut a = sample();
    a["path"] = json!("b.tf");
    let mut b = sample();
    b["line"] = json!(9);
    b["end_line"] = json!(9);
    b["severity"] = json!("warning");
    let mut c = sample();
    c["suppressed"] = json!(true);
    c["rule"] = json!("p.a");
    let (sorted, counts) = sort_findings(vec![
        keyed(finding_raw(&a)),
        keyed(finding_raw(&b)),
        keyed(finding_raw(&c)),
    ]);
    let order: Vec<(String, u64)> = sorted
        .iter()
        .map(|r| {
            let h = Head::of(r).unwrap();
            (h.path.to_string(), h.line)
        })
        .collect();
    assert_eq!(
        order,
        [
            ("a/main.tf".into(), 1),
            ("a/main.tf".into(), 9),
            ("b.tf".into(), 1)
        ]
    );
    assert_eq!(counts, [1, 1, 0, 1]);
}
