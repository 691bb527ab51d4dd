//! Snapshots of the inventory the YAML extractors produce for the fixtures under
//! `tests/fixtures/<format>/`: per format, a file without provider signal, one with two
//! providers, and a hostile but valid one (anchors and aliases, merge keys, deep nesting,
//! very long lines, CRLF, a BOM).

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::facts::catalog::Catalog;
use crate::facts::{Ctx, pulumi};
use crate::source::SourceFile;

fn yaml_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            // A chart's templates are Go templates, read as text by `helm::extract_template`.
            if p.file_name().is_some_and(|n| n == "templates") {
                continue;
            }
            yaml_files(&p, out);
        } else if p.extension().is_some_and(|e| e == "yaml" || e == "yml") {
            out.push(p);
        }
    }
}

/// The inventory of one fixture folder, as a reader checks it.
fn inventory(format: &str) -> String {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(format);
    let mut paths = Vec::new();
    yaml_files(&root, &mut paths);
    let files: Vec<Arc<SourceFile>> = paths
        .iter()
        .map(|p| {
            let rel = p
                .strip_prefix(&root)
                .unwrap()
                .to_string_lossy()
                .replace('\\', "/");
            Arc::new(SourceFile::new(rel, std::fs::read_to_string(p).unwrap()))
        })
        .collect();
    let catalog = Catalog::builtin();
    let ctx = Ctx::new(&catalog);
    let mut out = String::new();
    for file in &files {
        let _ = writeln!(out, "== {}", file.path);
        let mut extraction = crate::facts::yaml::extract(file, ctx);
        pulumi::apply_stack_config(&mut extraction.deployments, &files);
        for d in &mut extraction.deployments {
            crate::facts::resolve_country(d, &catalog);
        }
        for e in &extraction.errors {
            let _ = writeln!(out, "error: {}", e.message);
        }
        for d in &extraction.deployments {
            let lc = file.line_col(d.span.start);
            let _ = write!(
                out,
                "{}:{} {} {} {:?} provider={} kind={} region={}",
                lc.line,
                lc.column,
                d.format,
                d.type_,
                d.name,
                d.provider.as_deref().unwrap_or("-"),
                d.kind,
                d.region.as_deref().unwrap_or("-"),
            );
            if let Some(c) = &d.country {
                let _ = write!(out, " country={c}");
            }
            if let Some(s) = &d.service {
                let _ = write!(out, " service={s}");
            }
            if d.gpu {
                out.push_str(" gpu");
            }
            if !d.tags.is_empty() {
                let tags: Vec<String> = d
                    .tags
                    .iter()
                    .map(|(k, v)| format!("{k}={}", v.chars().take(20).collect::<String>()))
                    .collect();
                let _ = write!(out, " tags[{}]", tags.join(","));
            }
            out.push('\n');
            for e in &d.evidence {
                let _ = writeln!(out, "    {:?}: {}", e.attr, e.text);
            }
        }
    }
    out
}

macro_rules! snapshot_tests {
    ($($name:ident => $folder:literal),* $(,)?) => {
        $(
            #[test]
            fn $name() {
                insta::assert_snapshot!(inventory($folder));
            }
        )*
    };
}

snapshot_tests! {
    kubernetes_inventory => "kubernetes",
    cloudformation_inventory => "cloudformation",
    serverless_inventory => "serverless",
    compose_inventory => "compose",
    pulumi_inventory => "pulumi",
    github_actions_inventory => "github-actions",
    gitlab_ci_inventory => "gitlab-ci",
    azure_pipelines_inventory => "azure-pipelines",
    ansible_inventory => "ansible",
    helm_inventory => "helm",
}
