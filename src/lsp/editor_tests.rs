//! The policy author's requests over JSON-RPC, in-process, with the real pipeline on a small
//! repository: completion, definition, references, symbols, formatting, hover and code lenses.

use std::sync::Arc;

use serde_json::{Value, json};

use super::Real;
use super::tests::Client;

/// Deployments (as extracted from the Terraform below):
/// - infra/azure: three Azure VMs (compute), one tagged `product = "api"`;
/// - infra/aws: one AWS instance tagged `product = "api"`, `team = "ml"` (covered by ROFR-1);
/// - infra/small: one Hetzner server (a `no_small` finding).
pub(super) fn repository() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let w = dir.path();
    for d in [
        "policies/refusals",
        "infra/azure",
        "infra/aws",
        "infra/small",
    ] {
        std::fs::create_dir_all(w.join(d)).unwrap();
    }
    std::fs::write(w.join("cloudpact.yaml"), CONFIG).unwrap();
    std::fs::write(w.join("policies/contract.pact"), CONTRACT).unwrap();
    std::fs::write(w.join("policies/refusals/r.yaml"), RECORDS).unwrap();
    let vm = |name: &str, tags: &str| {
        format!(
            "resource \"azurerm_linux_virtual_machine\" \"{name}\" {{\n  location = \"westeurope\"\n  tags = {{ {tags} }}\n}}\n\n"
        )
    };
    let azure = vm("a1", "product = \"api\"") + &vm("a2", "") + &vm("a3", "");
    std::fs::write(w.join("infra/azure/main.tf"), azure).unwrap();
    std::fs::write(w.join("infra/aws/main.tf"), AWS).unwrap();
    std::fs::write(w.join("infra/small/main.tf"), SMALL).unwrap();
    dir
}

pub(super) const CONFIG: &str = "policies: [policies]\nproviders:\n  - id: stargate\n    name: Stargate\n    terraform_prefixes: [stargate_]\nwaivers:\n  - rule: contract.no_small\n    where: 'path matches \"legacy/**\"'\n    reason: legacy\n";

/// Five rules; `customer_data_in_eu` has no deployment in scope here.
pub(super) const CONTRACT: &str = include_str!("../../tests/data/editor/contract.pact");

const RECORDS: &str = "- id: ROFR-1
  holder: azure
  granted_to: [aws]
  declined_on: 2025-01-01
  expires: 2026-02-11
  where: 'path matches \"infra/aws/**\"'
  reason: \"No capacity.\"
";

const AWS: &str = "resource \"aws_instance\" \"gpu\" {\n  instance_type = \"p5.48xlarge\"\n  tags = { product = \"api\", team = \"ml\" }\n}\n";

const SMALL: &str = "# cloudpact:ignore contract.api_on_azure -- not here\nresource \"hcloud_server\" \"h\" {\n  location = \"nbg1\"\n}\n";

/// A client whose server has scanned the repository (an infra file's diagnostics came back).
pub(super) fn started(w: &std::path::Path) -> Client {
    let (mut c, init) = Client::start(w, Arc::new(Real), json!({}));
    let caps = &init["capabilities"];
    for cap in [
        "completionProvider",
        "definitionProvider",
        "referencesProvider",
        "documentSymbolProvider",
        "workspaceSymbolProvider",
        "documentFormattingProvider",
        "documentRangeFormattingProvider",
        "codeLensProvider",
    ] {
        assert!(!caps[cap].is_null(), "{cap} in {caps}");
    }
    c.open("infra/small/main.tf", SMALL);
    let d = c.diagnostics("infra/small/main.tf", 1);
    assert!(d.iter().any(|d| d["code"] == "contract.no_small"), "{d:?}");
    c
}

fn at(c: &Client, rel: &str, line: u32, character: u32) -> Value {
    json!({
        "textDocument": { "uri": c.uri(rel) },
        "position": { "line": line, "character": character },
    })
}

fn labels(v: &Value) -> Vec<String> {
    let items = v
        .as_array()
        .or_else(|| v["items"].as_array())
        .cloned()
        .unwrap_or_default();
    items
        .iter()
        .map(|i| i["label"].as_str().unwrap().to_string())
        .collect()
}

/// The labels offered at the `|` of `text`, opened as `rel`.
fn complete(c: &mut Client, rel: &str, text: &str) -> (Vec<String>, Value) {
    let cursor = text.find('|').expect("a cursor");
    let before = &text[..cursor];
    let line = before.matches('\n').count() as u32;
    let col = before.rsplit('\n').next().unwrap().encode_utf16().count() as u32;
    let text = text.replace('|', "");
    c.notify(
        "textDocument/didOpen",
        json!({ "textDocument": { "uri": c.uri(rel), "languageId": "x", "version": 1, "text": text } }),
    );
    let r = c.request("textDocument/completion", at(c, rel, line, col));
    c.notify(
        "textDocument/didClose",
        json!({ "textDocument": { "uri": c.uri(rel) } }),
    );
    (labels(&r), r)
}

#[test]
fn completion_at_ten_cursors() {
    let w = repository();
    let mut c = started(w.path());
    let has = |got: &[String], want: &[&str]| {
        for x in want {
            assert!(got.iter().any(|g| g == x), "{x} not in {got:?}");
        }
    };
    let hasnt = |got: &[String], not: &[&str]| {
        for x in not {
            assert!(!got.iter().any(|g| g == x), "{x} in {got:?}");
        }
    };
    // 1. A policy body: meta clauses and rule kinds, not rule clauses.
    let (l, _) = complete(&mut c, "policies/draft.pact", "policy d {\n  |\n}\n");
    has(
        &l,
        &[
            "title",
            "owner",
            "effective",
            "exclusive",
            "first_refusal",
            "share",
        ],
    );
    hasnt(&l, &["where", "provider", "azure"]);
    // 2. A rule body: the clauses, including other kinds' (validation says which belong).
    let (l, _) = complete(
        &mut c,
        "policies/draft.pact",
        "policy d {\n  deny x {\n    |\n  }\n}\n",
    );
    has(
        &l,
        &["provider", "where", "severity", "waivable", "at_least"],
    );
    hasnt(&l, &["title", "exclusive"]);
    // 3. After `provider `: ids, aliases and the configuration's own provider, documented.
    let (l, raw) = complete(
        &mut c,
        "policies/draft.pact",
        "policy d {\n  deny x {\n    provider |\n  }\n}\n",
    );
    has(&l, &["azure", "microsoft", "aws", "stargate"]);
    hasnt(&l, &["where"]);
    let items = raw.as_array().unwrap();
    let azure = items.iter().find(|i| i["label"] == "azure").unwrap();
    assert!(
        azure["documentation"]["value"]
            .as_str()
            .unwrap()
            .contains("Aliases"),
        "{azure}"
    );
    let stargate = items.iter().find(|i| i["label"] == "stargate").unwrap();
    assert!(
        stargate["documentation"]["value"]
            .as_str()
            .unwrap()
            .contains("cloudpact.yaml")
    );
    // 4. After `tag.`: the keys of the workspace's inventory.
    let (l, _) = complete(
        &mut c,
        "policies/draft.pact",
        "policy d {\n  deny x {\n    where tag.|\n  }\n}\n",
    );
    assert_eq!(l, ["product", "team"]);
    // 5. A tag's values seen in the workspace, the edit replacing the word typed.
    let (l, raw) = complete(
        &mut c,
        "policies/draft.pact",
        "policy d {\n  deny x {\n    where tag.product == a|\n  }\n}\n",
    );
    has(&l, &["api"]);
    hasnt(&l, &["ml", "azure"]);
    assert_eq!(
        raw[0]["textEdit"]["range"]["start"],
        json!({ "line": 2, "character": 25 })
    );
    // 6. Kinds after `kind ==`.
    let (l, _) = complete(
        &mut c,
        "policies/draft.pact",
        "policy d {\n  deny x {\n    where kind == |\n  }\n}\n",
    );
    has(&l, &["compute", "kubernetes", "ai", "other"]);
    // 7. Groups after `country in`.
    let (l, _) = complete(
        &mut c,
        "policies/draft.pact",
        "policy d {\n  require x {\n    assert country in |\n  }\n}\n",
    );
    assert_eq!(l, ["eu", "eea", "five_eyes"]);
    // 8. A refusal record's holder.
    let (l, _) = complete(
        &mut c,
        "policies/refusals/r.yaml",
        &RECORDS.replace("holder: azure", "holder: az|"),
    );
    has(&l, &["azure", "aws", "stargate"]);
    // 9. A waiver's rule id in cloudpact.yaml, and its `where` expression.
    let (l, raw) = complete(
        &mut c,
        "cloudpact.yaml",
        &CONFIG.replace("rule: contract.no_small", "rule: contract.|"),
    );
    assert_eq!(
        l,
        [
            "contract.api_on_azure",
            "contract.no_small",
            "contract.capacity",
            "contract.customer_data_in_eu",
            "contract.azure_commitment"
        ]
    );
    assert!(
        raw[0]["documentation"]["value"]
            .as_str()
            .unwrap()
            .contains("exclusive")
    );
    let (l, _) = complete(
        &mut c,
        "cloudpact.yaml",
        &CONFIG.replace("\"legacy/**\"'", "\"x\" and |'"),
    );
    has(&l, &["provider", "kind", "tag.product", "not"]);
    // 10. A `cloudpact:ignore` comment in an infra file.
    let (l, _) = complete(
        &mut c,
        "infra/small/main.tf",
        &SMALL.replace("contract.api_on_azure", "contract.n|"),
    );
    assert_eq!(l.len(), 5, "{l:?}");
    // Inside a comment of a policy: nothing.
    let (l, _) = complete(
        &mut c,
        "policies/draft.pact",
        "policy d { // provider |\n}\n",
    );
    assert!(l.is_empty(), "{l:?}");
    c.stop();
}

fn line_of(text: &str, needle: &str) -> u64 {
    text[..text.find(needle).unwrap()].matches('\n').count() as u64
}

#[test]
fn definition_from_a_waiver_an_ignore_comment_a_finding_and_a_glob() {
    let w = repository();
    let mut c = started(w.path());
    let contract = c.uri("policies/contract.pact");
    let no_small = line_of(CONTRACT, "no_small");
    // The waiver's rule id.
    let waiver_line = line_of(CONFIG, "rule: contract.no_small") as u32;
    let r = c.request(
        "textDocument/definition",
        at(&c, "cloudpact.yaml", waiver_line, 16),
    );
    assert_eq!(r["uri"], contract.as_str(), "{r}");
    assert_eq!(r["range"]["start"]["line"], no_small);
    assert_eq!(r["range"]["start"]["character"], 7);
    // The ignore comment's.
    let r = c.request(
        "textDocument/definition",
        at(&c, "infra/small/main.tf", 0, 25),
    );
    assert_eq!(
        r["range"]["start"]["line"],
        line_of(CONTRACT, "api_on_azure"),
        "{r}"
    );
    // The finding on the Hetzner server: the rule it breaks.
    let r = c.request(
        "textDocument/definition",
        at(&c, "infra/small/main.tf", 1, 2),
    );
    assert_eq!(r[0]["range"]["start"]["line"], no_small, "{r}");
    // The `refusals` glob: the files it matches.
    let glob_line = line_of(CONTRACT, "refusals \"") as u32;
    let r = c.request(
        "textDocument/definition",
        at(&c, "policies/contract.pact", glob_line, 16),
    );
    assert_eq!(r.as_array().unwrap().len(), 1, "{r}");
    assert_eq!(r[0]["uri"], c.uri("policies/refusals/r.yaml").as_str());
    c.stop();
}

fn uris(v: &Value) -> Vec<String> {
    let mut u: Vec<String> = v
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["uri"].as_str().unwrap().to_string())
        .collect();
    u.sort();
    u
}

#[test]
fn references_list_the_scope_and_findings_of_a_rule_and_what_a_record_covers() {
    let w = repository();
    let mut c = started(w.path());
    let (aws, azure) = (c.uri("infra/aws/main.tf"), c.uri("infra/azure/main.tf"));
    let mut params = at(
        &c,
        "policies/contract.pact",
        line_of(CONTRACT, "api_on_azure") as u32,
        14,
    );
    params["context"] = json!({ "includeDeclaration": false });
    let r = c.request("textDocument/references", params.clone());
    // Two deployments tagged product=api; the AWS one is also the finding (one location).
    assert_eq!(uris(&r), [aws.clone(), azure], "{r}");
    params["context"] = json!({ "includeDeclaration": true });
    let r = c.request("textDocument/references", params);
    assert_eq!(r.as_array().unwrap().len(), 3, "{r}");
    // From a rule id in an ignore comment: the same rule.
    let mut p = at(&c, "infra/small/main.tf", 0, 25);
    p["context"] = json!({ "includeDeclaration": false });
    assert_eq!(uris(&c.request("textDocument/references", p)).len(), 2);
    // The record covers the AWS instance.
    let mut p = at(&c, "policies/refusals/r.yaml", 0, 4);
    p["context"] = json!({ "includeDeclaration": false });
    let r = c.request("textDocument/references", p);
    assert_eq!(uris(&r), [aws], "{r}");
    assert_eq!(r[0]["range"]["start"]["line"], 0);
    c.stop();
}

#[test]
fn document_and_workspace_symbols() {
    let w = repository();
    let mut c = started(w.path());
    let r = c.request(
        "textDocument/documentSymbol",
        json!({ "textDocument": { "uri": c.uri("policies/contract.pact") } }),
    );
    assert_eq!(r[0]["name"], "contract");
    let rules: Vec<&str> = r[0]["children"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        rules,
        [
            "contract.api_on_azure",
            "contract.no_small",
            "contract.capacity",
            "contract.customer_data_in_eu",
            "contract.azure_commitment"
        ]
    );
    assert_eq!(r[0]["children"][4]["detail"], "share");
    assert_eq!(
        r[0]["children"][1]["selectionRange"]["start"]["line"],
        line_of(CONTRACT, "no_small")
    );
    let r = c.request("workspace/symbol", json!({ "query": "SMALL" }));
    let names: Vec<&str> = r
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["contract.no_small"]);
    let r = c.request("workspace/symbol", json!({ "query": "contract" }));
    assert_eq!(r.as_array().unwrap().len(), 6, "{r}");
    c.stop();
}

#[test]
fn formatting_whole_and_range() {
    let w = repository();
    let mut c = started(w.path());
    let messy = "policy a {\ndeny x {provider aws}\n}\npolicy b {\nshare y {provider gcp at_least 75%}\n}\n";
    c.notify(
        "textDocument/didOpen",
        json!({ "textDocument": { "uri": c.uri("policies/messy.pact"), "languageId": "pact", "version": 1, "text": messy } }),
    );
    let opts = json!({ "tabSize": 2, "insertSpaces": true });
    let r = c.request(
        "textDocument/formatting",
        json!({ "textDocument": { "uri": c.uri("policies/messy.pact") }, "options": opts }),
    );
    let formatted = crate::dsl::fmt::format(messy).unwrap();
    assert_eq!(r.as_array().unwrap().len(), 1, "{r}");
    assert_eq!(r[0]["newText"], formatted.as_str());
    assert_eq!(r[0]["range"]["end"], json!({ "line": 6, "character": 0 }));
    let r = c.request(
        "textDocument/rangeFormatting",
        json!({
            "textDocument": { "uri": c.uri("policies/messy.pact") },
            "range": { "start": { "line": 4, "character": 0 }, "end": { "line": 4, "character": 5 } },
            "options": opts,
        }),
    );
    assert_eq!(r.as_array().unwrap().len(), 1, "{r}");
    assert_eq!(r[0]["range"]["start"], json!({ "line": 3, "character": 0 }));
    assert!(
        r[0]["newText"]
            .as_str()
            .unwrap()
            .starts_with("policy b {\n  share y {\n"),
        "{r}"
    );
    // The canonical file needs no edit; a file that does not parse gets none.
    let r = c.request(
        "textDocument/formatting",
        json!({ "textDocument": { "uri": c.uri("policies/contract.pact") }, "options": opts }),
    );
    assert_eq!(r, json!([]));
    c.stop();
}

#[test]
fn hover_documents_the_words_of_the_language_and_rule_ids() {
    let w = repository();
    let mut c = started(w.path());
    let hover = |c: &mut Client, rel: &str, needle: &str, text: &str| {
        let off = text.find(needle).unwrap() + 1;
        let line = text[..off].matches('\n').count() as u32;
        let col = (off - text[..off].rfind('\n').map_or(0, |i| i + 1)) as u32;
        let r = c.request("textDocument/hover", at(c, rel, line, col));
        r["contents"]["value"]
            .as_str()
            .unwrap_or_default()
            .to_string()
    };
    let p = "policies/contract.pact";
    assert!(hover(&mut c, p, "first_refusal", CONTRACT).contains("right of first refusal"));
    assert!(hover(&mut c, p, "at_least", CONTRACT).contains("percentage"));
    assert!(hover(&mut c, p, "holder ", CONTRACT).contains("holder P"));
    assert!(hover(&mut c, p, "hetzner", CONTRACT).contains("**Hetzner**"));
    assert!(hover(&mut c, p, "compute", CONTRACT).contains("kind `compute`"));
    assert!(hover(&mut c, p, "product", CONTRACT).contains("tag.KEY"));
    let r = hover(&mut c, "cloudpact.yaml", "no_small", CONFIG);
    assert!(r.contains("**deny** `contract.no_small`"), "{r}");
    c.stop();
}

#[test]
fn code_lenses_evaluate_rules_and_records_on_the_workspace() {
    let w = repository();
    let mut c = started(w.path());
    let lenses = |c: &mut Client, rel: &str| -> Vec<(u64, String)> {
        let r = c.request(
            "textDocument/codeLens",
            json!({ "textDocument": { "uri": c.uri(rel) } }),
        );
        r.as_array()
            .unwrap()
            .iter()
            .map(|l| {
                assert_eq!(l["command"]["command"], "cloudpact.showReferences");
                assert_eq!(l["command"]["arguments"][0], c.uri(rel).as_str());
                (
                    l["range"]["start"]["line"].as_u64().unwrap(),
                    l["command"]["title"].as_str().unwrap().to_string(),
                )
            })
            .collect()
    };
    let got = lenses(&mut c, "policies/contract.pact");
    assert_eq!(
        got,
        [
            (
                line_of(CONTRACT, "api_on_azure"),
                "2 deployments in scope · 1 finding".to_string()
            ),
            (
                line_of(CONTRACT, "no_small"),
                "5 deployments in scope · 1 finding".to_string()
            ),
            (
                line_of(CONTRACT, "capacity"),
                "5 deployments in scope · 0 findings".to_string()
            ),
            (
                line_of(CONTRACT, "customer_data_in_eu"),
                "0 deployments in scope · 0 findings".to_string()
            ),
            (
                line_of(CONTRACT, "azure_commitment"),
                "azure 60% of 5 (commitment 75%)".to_string()
            ),
        ]
    );
    let got = lenses(&mut c, "policies/refusals/r.yaml");
    assert_eq!(
        got,
        [(0, "covers 1 deployment · expires in 41 days".to_string())]
    );
    c.stop();
}
