//! cloudpact's HCL parser (src/parse/hcl/) held to hcl-edit, the parser it replaced: on every
//! Terraform file of this repository and on a set of snippets, each file either parses with
//! both into the same tree, or fails with both. hcl-edit's tree is lowered here the way
//! cloudpact lowered it before (blocks, attributes, literals, references, collections, calls;
//! every other expression `Other`).
//!
//! Two differences are intended and allowed: Terraform accepts an object that repeats a key,
//! and newlines anywhere inside `{ for … }`; hcl-edit rejects both, cloudpact reads both.
//!
//! `CLOUDPACT_HCL_CORPUS=DIR cargo test --release --test hcl_reference` compares every `.tf`,
//! `.tfvars` and `.hcl` file under DIR as well (docs/performance.md, "Terraform's parser").

#[path = "hcl_reference/lower.rs"]
mod lower;

mod common;

use std::path::{Path, PathBuf};

use cloudpact::parse::hcl::tree::{Body, Expr};

/// How the two parsers disagree on `text`, if they do.
fn disagreement(text: &str) -> Option<String> {
    let ours = cloudpact::parse::hcl::parse(text);
    match (lower::parse(text), ours) {
        (Ok(want), Ok(body)) => (want != body).then(|| first_difference(&want, &body)),
        (Err(_), Err(_)) => None,
        (Ok(_), Err(e)) => Some(format!(
            "hcl-edit parses it, cloudpact does not: {} at {:?}",
            e.message, e.span
        )),
        (Err(e), Ok(_)) => {
            let intended = e.message().contains("redefined object key") || has_object_for(text);
            (!intended).then(|| {
                format!(
                    "cloudpact parses it, hcl-edit does not: {} at {}",
                    e.message(),
                    e.location().offset()
                )
            })
        }
    }
}

/// Whether `text` holds a `{ for` (whose newlines hcl-edit rejects).
fn has_object_for(text: &str) -> bool {
    text.match_indices('{')
        .any(|(at, _)| text[at + 1..].trim_start().starts_with("for "))
}

fn first_difference(want: &Body, got: &Body) -> String {
    let pairs = want.attrs.iter().zip(&got.attrs);
    for (a, b) in pairs {
        if a != b {
            return format!("attribute differs:\n hcl-edit {a:?}\n cloudpact {b:?}");
        }
    }
    for (a, b) in want.blocks.iter().zip(&got.blocks) {
        if a != b {
            if a.body != b.body {
                return first_difference(&a.body, &b.body);
            }
            return format!("block differs:\n hcl-edit {a:?}\n cloudpact {b:?}");
        }
    }
    format!(
        "{} attributes and {} blocks against {} and {}",
        want.attrs.len(),
        want.blocks.len(),
        got.attrs.len(),
        got.blocks.len()
    )
}

fn hcl_files(dir: &Path) -> Vec<PathBuf> {
    common::files_ending_with(dir, &[".tf", ".tfvars", ".hcl"])
}

/// Fails with every file the two parsers disagree on.
fn assert_all_agree(files: &[PathBuf]) {
    let differences: Vec<String> = files
        .iter()
        .filter_map(|path| {
            let bytes = std::fs::read(path).ok()?;
            let text = String::from_utf8(bytes).ok()?;
            disagreement(&text).map(|d| format!("{}: {d}", path.display()))
        })
        .collect();
    assert!(
        differences.is_empty(),
        "{} of {} files differ:\n{}",
        differences.len(),
        files.len(),
        differences.join("\n")
    );
}

#[test]
fn every_terraform_file_of_the_repository_parses_as_with_hcl_edit() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let files: Vec<PathBuf> = ["tests", "examples", "src", "benches", "fuzz"]
        .iter()
        .flat_map(|d| hcl_files(&root.join(d)))
        .collect();
    assert!(files.len() >= 30, "only {} files found", files.len());
    assert_all_agree(&files);
}

#[test]
fn a_corpus_named_by_the_environment_parses_as_with_hcl_edit() {
    let Some(dir) = std::env::var_os("CLOUDPACT_HCL_CORPUS") else {
        return;
    };
    let files = hcl_files(Path::new(&dir));
    assert_all_agree(&files);
    eprintln!("{} files compared", files.len());
}

/// Snippets of the syntax real files use, and of what they get wrong.
const SNIPPETS: &[&str] = &[
    "",
    "\n\n# only a comment\n",
    "a = 1",
    "a = 1\r\nb = \"x\"\r\n",
    "a = 1 # c\nb = 2 // c\nc = 3 /* c */\n",
    "/* a\n b */ a = 1\n",
    "a = /* x */ 1\n",
    "resource \"a\" \"b\" {\n}\n",
    "resource \"a\" \"b\" {}\n",
    "resource \"a\" \"b\" { x = 1 }\n",
    "resource \"a\" \"b\" { # c\n  x = 1\n}\n",
    "resource a b {\n x = 1\n}\n",
    "a {\n b {\n  c {\n   d = 1\n  }\n }\n}\n",
    "a = \"x\"\nb = var.y\nc = var.y.z\nd = local.a-b\n",
    "a = \"${var.x}\"\nb = \"${ var.x }\"\nc = \"${~var.x~}\"\nd = \"pre-${var.x}\"\n",
    "a = \"$${x}\"\nb = \"%%{x}\"\nc = \"$x\"\nd = \"%x\"\ne = \"a$\"\n",
    "a = \"\\n\\t\\r\\\\\\\"\\u00e9\\U0001F600\"\n",
    "a = \"%{ if x }y%{ endif }\"\nb = \"%{ for k, v in m }${k}%{ endfor }\"\n",
    "a = \"%{~ if x ~}y%{~ else ~}z%{~ endif ~}\"\n",
    "a = <<EOT\nhello ${x}\nEOT\n",
    "a = <<-EOT\n    indented\n    EOT\n",
    "a = <<EOT\nEOT\n",
    "a = jsonencode(<<EOT\n{}\nEOT\n)\n",
    "a = <<EOT\n%{ for x in y }\n${x}\n%{ endfor }\nEOT\n",
    "a = [1, 2, 3]\nb = [\n 1,\n 2,\n]\nc = []\n",
    "a = {}\nb = { x = 1 }\nc = { x = 1, y = 2 }\nd = {\n x = 1\n y = 2\n}\n",
    "a = { \"k\" = 1, \"l\" : 2 }\nb = { (var.k) = 1 }\nc = { var.k = 1 }\n",
    "a = { true = 1, null = 2, 3 = 4 }\n",
    "a = { x = 1 # c\n y = 2 }\n",
    "a = f()\nb = f(1)\nc = f(1, 2,)\nd = f(x...)\ne = f(\n 1,\n 2\n)\n",
    "a = provider::aws::arn_parse(\"x\")\n",
    "a = x ? 1 : 2\nb = x == 1 && y != 2 || !z\nc = -x\nd = -1\ne = - 1.5\n",
    "a = 1 + 2 * 3 / 4 % 5 - 6\nb = x < 1\nc = x <= 1\nd = x > 1\ne = x >= 1\n",
    "a = [for x in y : x]\nb = [for i, x in y : x if i > 0]\n",
    "a = {for k, v in m : k => v}\nb = {for k, v in m : v => k...}\nc = {for k in m : k => k if k != \"\"}\n",
    "a = x[0]\nb = x[*].id\nc = x.*.id\nd = x.0.y\ne = x[\"k\"]\n",
    "a = (1 + 2)\nb = (var.x)\nc = (var.x).y\n",
    "a = 1.5\nb = 1e3\nc = 1.5e-3\nd = 0\ne = 007\nf = 1.0\n",
    "a = 18446744073709551615\nb = 18446744073709551616\n",
    "a = true\nb = false\nc = null\n",
    "locals {\n  a = 1\n  b = a\n}\n",
    "variable \"x\" {\n  type = map(object({ a = string, b = optional(number, 1) }))\n}\n",
    "a = format(\"%s-%s\", var.a, var.b)\n",
    "a = \"é\"\nb = \"日本\"\nc = { \"ключ\" = 1 }\n",
    // Errors both parsers find.
    "a = \n",
    "a = 1 b = 2\n",
    "resource \"a\" \"b\" {\n x = 1 }\n",
    "resource \"a\" \"b\" {\n x = 1\n",
    "a = [1, 2\n",
    "a = \"unterminated\n",
    "a = \"${x\"\n",
    "a = <<EOT\nno end\n",
    "a = 1\na = 2\n",
    "= 1\n",
    "a b = 1\n",
    "a = x ?\n 1 : 2\n",
    "a = \"\\q\"\n",
    "a = 1e\n",
    "a = { b = x ?\n 1 : 2 }\n",
    "resource \"a${x}\" \"b\" {}\n",
    "a = f(,)\n",
];

#[test]
fn snippets_parse_as_with_hcl_edit() {
    let differences: Vec<String> = SNIPPETS
        .iter()
        .filter_map(|text| disagreement(text).map(|d| format!("{text:?}: {d}")))
        .collect();
    assert!(
        differences.is_empty(),
        "{} of {} snippets differ:\n{}",
        differences.len(),
        SNIPPETS.len(),
        differences.join("\n")
    );
}

#[test]
fn the_intended_differences_are_read_as_terraform_reads_them() {
    let text = "a = { k = 1\n k = 2 }\nb = { for k in v : k => k ? 1 :\n 2 }\n";
    assert!(hcl_edit::parser::parse_body(text).is_err());
    let body = cloudpact::parse::hcl::parse(text).expect("parses");
    let Expr::Object(entries) = &body.attrs[0].value else {
        panic!("not an object")
    };
    assert_eq!(entries.len(), 2);
    assert_eq!(entries[1].value, Expr::Lit("2".into()));
    assert_eq!(body.attrs[1].value, Expr::Other);
}
