//! The editor files under `editors/` are well-formed, and the TextMate grammar gives the
//! `.pact` tokens the scopes its README promises (each pattern compiled with the `regex` crate:
//! the grammar sticks to syntax Oniguruma and `regex` read the same way).

use regex::Regex;
use serde_json::Value;

fn read_json(rel: &str) -> Value {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(rel);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{rel}: {e}"));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{rel}: {e}"))
}

/// Every `(scope, regex)` of the grammar, captures included.
fn rules(grammar: &Value) -> Vec<(String, Regex)> {
    let mut out = Vec::new();
    fn visit(v: &Value, out: &mut Vec<(String, Regex)>) {
        if let Some(m) = v
            .get("match")
            .or_else(|| v.get("begin"))
            .and_then(Value::as_str)
        {
            let re = Regex::new(m).unwrap_or_else(|e| panic!("{m}: {e}"));
            if let Some(name) = v.get("name").and_then(Value::as_str) {
                out.push((name.to_string(), re.clone()));
            }
            if let Some(caps) = v.get("captures").and_then(Value::as_object) {
                for (_, c) in caps {
                    out.push((c["name"].as_str().unwrap().to_string(), re.clone()));
                }
            }
        }
        for key in ["patterns"] {
            for p in v.get(key).and_then(Value::as_array).into_iter().flatten() {
                visit(p, out);
            }
        }
        for (_, r) in v
            .get("repository")
            .and_then(Value::as_object)
            .into_iter()
            .flatten()
        {
            visit(r, out);
        }
    }
    visit(grammar, &mut out);
    out
}

#[test]
fn the_grammar_scopes_pact_tokens() {
    let grammar = read_json("editors/pact.tmLanguage.json");
    assert_eq!(grammar["scopeName"], "source.pact");
    let rules = rules(&grammar);
    let scope_of = |token: &str| -> Vec<String> {
        rules
            .iter()
            .filter(|(_, re)| re.find(token).is_some_and(|m| m.start() == 0))
            .map(|(s, _)| s.clone())
            .collect()
    };
    let cases = [
        ("policy microsoft_openai", "keyword.declaration.policy.pact"),
        ("first_refusal new_capacity", "storage.type.rule-kind.pact"),
        ("exclusive api_on_azure", "entity.name.function.rule.pact"),
        ("share committed", "storage.type.rule-kind.pact"),
        ("where", "keyword.other.clause.pact"),
        ("at_least", "keyword.other.clause.pact"),
        ("effective", "keyword.other.meta.pact"),
        ("until", "keyword.other.window.pact"),
        ("matches", "keyword.operator.comparison.pact"),
        ("and", "keyword.operator.logical.pact"),
        ("\"MSA §4.2\"", "string.quoted.double.pact"),
        ("2030-12-31", "constant.numeric.date.pact"),
        ("62.5%", "constant.numeric.percent.pact"),
        ("// a comment", "comment.line.double-slash.pact"),
        ("# a comment", "comment.line.number-sign.pact"),
        ("/* block */", "comment.block.pact"),
        ("tag.product", "variable.other.property.pact"),
        ("gpu", "variable.language.attribute.pact"),
    ];
    for (token, scope) in cases {
        let got = scope_of(token);
        assert!(
            got.iter().any(|s| s == scope),
            "`{token}`: {got:?}, wanted {scope}"
        );
    }
}

#[test]
fn the_vscode_extension_points_at_the_grammar() {
    let pkg = read_json("editors/vscode/package.json");
    let grammar = &pkg["contributes"]["grammars"][0];
    assert_eq!(grammar["scopeName"], "source.pact");
    assert_eq!(grammar["language"], "pact");
    assert_eq!(pkg["contributes"]["languages"][0]["extensions"][0], ".pact");
    assert!(pkg["dependencies"]["vscode-languageclient"].is_string());
    read_json("editors/vscode/language-configuration.json");
    let main = pkg["main"].as_str().unwrap();
    let js = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("editors/vscode")
            .join(main),
    )
    .unwrap();
    assert!(
        js.contains("args = [\"lsp\"]"),
        "the extension starts `cloudpact lsp`"
    );
}
