use super::*;
use crate::render::diagnostic::DiagRenderer;

fn load(text: &str) -> (Vec<Arc<RefusalRecord>>, Vec<Diag>) {
    let file = Arc::new(SourceFile::new("refusals/r.yaml", text));
    load_records(&file, &Catalog::builtin())
}

fn render(text: &str, code: &str) -> String {
    let (_, d) = load(text);
    assert!(d.iter().any(|d| d.code == code), "no {code} in {d:#?}");
    let r = DiagRenderer::plain();
    d.iter().map(|d| r.render(d)).collect::<Vec<_>>().join("\n")
}

const GOOD: &str = "- id: R1\n  holder: microsoft\n  granted_to: oracle\n  declined_on: 2025-01-21\n  reason: \"no capacity\"\n";

#[test]
fn language_example_record_loads() {
    let text = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("src/dsl/fixtures/language/refusals/rofr-2025-007.yaml"),
    )
    .unwrap();
    let (records, diags) = load(&text);
    assert!(diags.is_empty(), "{diags:#?}");
    let r = &records[0];
    assert_eq!(r.id, "ROFR-2025-007");
    assert_eq!(&*r.holder, "azure");
    assert_eq!(r.declined_on.to_string(), "2025-01-21");
    assert_eq!(r.evidence.as_deref(), Some("contracts/rofr/2025-007.pdf"));
    assert_eq!(
        r.scope_text.as_deref(),
        Some(r#"path matches "stargate/abilene/**" and gpu"#)
    );
    // The record's span is its first line.
    assert_eq!(&text[r.span.range()], "- id: ROFR-2025-007");
    assert!(r.is_valid_on(jiff::civil::date(2025, 6, 1)));
    assert!(!r.is_valid_on(jiff::civil::date(2026, 1, 22)));
}

#[test]
fn aliases_single_providers_and_empty_files() {
    let (records, diags) = load(GOOD);
    assert!(diags.is_empty(), "{diags:#?}");
    assert_eq!(&*records[0].holder, "azure");
    assert_eq!(&*records[0].granted_to[0], "oracle");
    assert!(load("").0.is_empty() && load("").1.is_empty());
    assert!(load("# nothing yet\n").1.is_empty());
}

#[test]
fn where_errors_point_inside_the_yaml_string() {
    // Double-quoted with escapes: the span must still land on `gpx`.
    let text = "- id: R1\n  holder: azure\n  granted_to: [oracle]\n  declined_on: 2025-01-21\n  \
                reason: x\n  where: \"path matches \\\"a/**\\\" and regoin == x\"\n";
    let (records, diags) = load(text);
    assert!(records.is_empty());
    assert_eq!(diags.len(), 1, "{diags:#?}");
    assert_eq!(diags[0].code, "cloudpact::record::unknown-attribute");
    assert_eq!(&text[diags[0].primary_span().unwrap().range()], "regoin");
}

#[test]
fn missing_fields() {
    insta::assert_snapshot!(render(
        "- id: R1\n  holder: azure\n  declined_on: 2025-01-21\n",
        code::MISSING_FIELD
    ));
}

#[test]
fn unknown_key() {
    insta::assert_snapshot!(render(
        &format!("{GOOD}  expiry: 2026-01-01\n"),
        code::UNKNOWN_KEY
    ));
}

#[test]
fn unknown_provider() {
    insta::assert_snapshot!(render(
        "- id: R1\n  holder: azure\n  granted_to: [oracle, coreweav]\n  declined_on: 2025-01-21\n  reason: x\n",
        code::UNKNOWN_PROVIDER
    ));
}

#[test]
fn bad_date() {
    insta::assert_snapshot!(render(
        "- id: R1\n  holder: azure\n  granted_to: [oracle]\n  declined_on: 2025-02-30\n  reason: x\n",
        code::BAD_DATE
    ));
}

#[test]
fn malformed_date() {
    let (_, d) = load(
        "- id: R1\n  holder: azure\n  granted_to: [oracle]\n  declined_on: 21/01/2025\n  reason: x\n",
    );
    assert_eq!(d[0].code, code::BAD_DATE);
}

#[test]
fn where_that_does_not_parse() {
    insta::assert_snapshot!(render(
        "- id: R1\n  holder: azure\n  granted_to: [oracle]\n  declined_on: 2025-01-21\n  reason: x\n  \
         where: 'path matches \"a/**\" and'\n",
        code::BAD_WHERE
    ));
}

#[test]
fn expiry_before_refusal() {
    let (_, d) = load(&format!("{GOOD}  expires: 2024-01-01\n"));
    assert_eq!(d[0].code, code::WINDOW_ORDER);
}

#[test]
fn not_a_list_and_not_a_mapping() {
    let (_, d) = load("id: R1\n");
    assert_eq!(d[0].code, code::NOT_A_LIST);
    let (r, d) = load(&format!("- just text\n{GOOD}"));
    assert_eq!(d[0].code, code::NOT_A_MAPPING);
    // The good record after the bad item still loads.
    assert_eq!(r.len(), 1);
}

#[test]
fn yaml_syntax_error_is_a_parse_error() {
    let (_, d) = load("- id: [R1\n");
    assert_eq!(d[0].code, crate::diag::code::PARSE_ERROR);
}

#[test]
fn type_errors_point_at_the_record() {
    let (_, d) = load(
        "- id: {a: 1}\n  holder: azure\n  granted_to: [oracle]\n  declined_on: 2025-01-21\n  reason: x\n",
    );
    assert_eq!(d[0].code, code::BAD_VALUE);
}

#[test]
fn every_bad_record_is_reported() {
    let (r, d) = load(&format!(
        "- id: A\n  holder: azur\n  granted_to: [oracle]\n  declined_on: 2025-01-21\n  reason: x\n{GOOD}\
         - id: B\n  holder: azure\n  granted_to: [oracle]\n  declined_on: 2025-13-01\n  reason: x\n"
    ));
    assert_eq!(r.len(), 1);
    let codes: Vec<&str> = d.iter().map(|d| d.code.as_str()).collect();
    assert_eq!(codes, [code::UNKNOWN_PROVIDER, code::BAD_DATE]);
}

#[test]
fn a_trailing_document_marker_is_an_error_at_its_line() {
    // Regression: serde_yaml refused the two-document stream, the refusal was swallowed and
    // every record of the file was lost without a word.
    let text = format!("{GOOD}---\n");
    let (records, d) = load(&text);
    assert!(records.is_empty());
    assert_eq!(d.len(), 1, "{d:#?}");
    assert_eq!(d[0].code, code::SECOND_DOCUMENT);
    assert_eq!(
        d[0].message,
        "a refusal-record file holds one YAML document; remove the `---` at line 6"
    );
    assert_eq!(d[0].location().unwrap().1, 6);
}

#[test]
fn a_second_document_of_records_is_an_error_at_its_marker() {
    let text = format!("---\n{GOOD}---\n{GOOD}");
    let (records, d) = load(&text);
    assert!(records.is_empty());
    assert_eq!(d[0].code, code::SECOND_DOCUMENT);
    assert_eq!(d[0].location().unwrap().1, 7);
    assert!(d[0].message.ends_with("a second one starts at line 7"));
}

#[test]
fn a_file_serde_yaml_refuses_is_an_error_not_an_empty_file() {
    // A key written twice: the tree keeps both, serde_yaml refuses the document.
    let text = format!("{GOOD}  id: R2\n");
    let (records, d) = load(&text);
    assert!(records.is_empty());
    assert_eq!(d.len(), 1, "{d:#?}");
    assert!(d[0].message.contains("duplicate"), "{}", d[0].message);
    assert_eq!(d[0].location().unwrap().1, 6, "{}", d[0].message);
}

#[test]
fn a_record_id_given_twice_is_an_error_at_the_second() {
    let text = format!("{GOOD}{}", GOOD.replace("no capacity", "again"));
    let (records, d) = load(&text);
    assert_eq!(records.len(), 1);
    assert_eq!(d.len(), 1, "{d:#?}");
    assert_eq!(d[0].code, code::DUPLICATE_ID);
    assert_eq!(d[0].location().unwrap().1, 6);
    assert_eq!(
        d[0].message,
        "refusal record id `R1` is already used at line 1"
    );
    assert_eq!(&text[d[0].primary_span().unwrap().range()], "R1");
}
