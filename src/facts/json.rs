//! JSON files: parse, recognise the format by name and content (`.tf.json`, plan JSON, ARM,
//! CloudFormation, config; fingerprints §0b), and hand the tree to its extractor.

use std::sync::Arc;

use super::model::Format;
use super::{Ctx, Extraction, arm, cloudformation, endpoints, parse_error, terraform};
use crate::parse::json;
use crate::parse::tree::{Node, SyntaxError};
use crate::source::SourceFile;

/// What a JSON document is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JsonFormat {
    TerraformJson,
    TerraformPlan,
    Arm,
    Cloudformation,
    /// A report cloudpact itself wrote (`json`, `sarif`, `gitlab`), e.g. with `--output` into
    /// the repository: its findings quote hosts and regions, and it describes no deployment.
    OwnReport,
    /// Anything else: scanned for endpoint hosts.
    Config,
}

pub fn extract(file: &Arc<SourceFile>, ctx: Ctx<'_>) -> Extraction {
    extract_with_parameters(file, &[], ctx)
}

/// A JSON file that, when it is an ARM template, has its parameters set by `parameters`
/// (its parameter files, parsed).
pub(crate) fn extract_with_parameters(
    file: &Arc<SourceFile>,
    parameters: &[arm::ParameterFile<'_>],
    ctx: Ctx<'_>,
) -> Extraction {
    let root = match parse_file(file) {
        Ok(root) => root,
        Err(e) => return Extraction::error(parse_error(file, e.span, e.message)),
    };
    match recognise(&file.path, &root) {
        JsonFormat::TerraformJson => terraform::extract_tf_json(file, &root, ctx),
        JsonFormat::TerraformPlan => terraform::extract_plan(file, &root, ctx),
        JsonFormat::Arm => deployments(arm::extract(file, &root, parameters, ctx)),
        JsonFormat::Cloudformation => deployments(cloudformation::extract(file, &root, ctx)),
        JsonFormat::OwnReport => Extraction::default(),
        JsonFormat::Config => {
            deployments(endpoints::scan_tree_as(file, &root, Format::Config, ctx))
        }
    }
}

fn deployments(deployments: Vec<super::model::Deployment>) -> Extraction {
    Extraction {
        deployments,
        errors: Vec::new(),
    }
}

/// Strict JSON, except for the files whose tools document comments and trailing commas: ARM
/// templates and parameter files (Azure CLI and PowerShell accept them) and the usual JSONC
/// tool configs. Their errors are still the strict parser's when the lenient one fails too.
pub(crate) fn parse_file(file: &SourceFile) -> Result<Node, SyntaxError> {
    let strict = match json::parse(&file.text()) {
        Ok(root) => return Ok(root),
        Err(e) => e,
    };
    if allows_comments(&file.path, &file.text())
        && let Ok(root) = json::parse_lenient(&file.text())
    {
        return Ok(root);
    }
    Err(strict)
}

fn allows_comments(path: &str, text: &str) -> bool {
    let name = path.rsplit('/').next().unwrap_or(path).to_ascii_lowercase();
    let jsonc_name = name.starts_with("tsconfig")
        || name.starts_with("jsconfig")
        || matches!(
            name.as_str(),
            "devcontainer.json"
                | ".devcontainer.json"
                | ".eslintrc.json"
                | "deno.json"
                | "biome.json"
                | "wrangler.json"
                | "settings.json"
                | "launch.json"
                | "tasks.json"
                | "extensions.json"
        );
    jsonc_name || text.contains("schema.management.azure.com")
}

/// The format of a parsed JSON document, by name first, then content.
pub(crate) fn recognise(path: &str, root: &Node) -> JsonFormat {
    let lower = path.to_ascii_lowercase();
    if lower.ends_with(".tf.json") || lower.ends_with(".tofu.json") {
        return JsonFormat::TerraformJson;
    }
    if root.get("format_version").is_some()
        && (root.get("resource_changes").is_some()
            || root.get("planned_values").is_some()
            || root.path(&["values", "root_module"]).is_some())
    {
        return JsonFormat::TerraformPlan;
    }
    if root.str_at(&["$schema"]).is_some_and(|s| {
        s.to_ascii_lowercase()
            .contains("schema.management.azure.com")
    }) && root.get("resources").is_some()
    {
        return JsonFormat::Arm;
    }
    if root.get("AWSTemplateFormatVersion").is_some()
        || root.get("ROSTemplateFormatVersion").is_some()
        || root
            .get("Resources")
            .and_then(Node::as_map)
            .is_some_and(|entries| {
                entries.iter().any(|(_, v)| {
                    v.str_at(&["Type"])
                        .is_some_and(|t| t.starts_with("AWS::") || t.starts_with("ALIYUN::"))
                })
            })
    {
        return JsonFormat::Cloudformation;
    }
    if is_own_report(root) {
        return JsonFormat::OwnReport;
    }
    JsonFormat::Config
}

/// A `json` report (`tool.name`), a SARIF log (`runs[].tool.driver.name`) or a GitLab Code
/// Quality report (`[].engine_name`) written by cloudpact.
fn is_own_report(root: &Node) -> bool {
    const NAME: &str = "cloudpact";
    if root.str_at(&["tool", "name"]) == Some(NAME) && root.get("findings").is_some() {
        return true;
    }
    let first_run = root
        .get("runs")
        .and_then(Node::as_seq)
        .and_then(<[Node]>::first);
    if first_run.is_some_and(|r| r.str_at(&["tool", "driver", "name"]) == Some(NAME)) {
        return true;
    }
    root.as_seq()
        .and_then(<[Node]>::first)
        .is_some_and(|issue| issue.str_at(&["engine_name"]) == Some(NAME))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::facts::catalog::Catalog;

    fn recognise_text(path: &str, text: &str) -> JsonFormat {
        recognise(path, &json::parse(text).unwrap())
    }

    #[test]
    fn cloudpact_reports_are_not_infrastructure() {
        let own = [
            r#"{"version": 1, "tool": {"name": "cloudpact", "version": "0.1.0"}, "findings": [{"message": "s3.us-east-1.amazonaws.com"}]}"#,
            r#"{"version": "2.1.0", "runs": [{"tool": {"driver": {"name": "cloudpact"}}, "results": []}]}"#,
            r#"[{"type": "issue", "engine_name": "cloudpact", "description": "x"}]"#,
        ];
        for text in own {
            assert_eq!(
                recognise_text("report.json", text),
                JsonFormat::OwnReport,
                "{text}"
            );
        }
        // Another tool's report, or a list of something else, is still config.
        assert_eq!(
            recognise_text("r.json", r#"{"tool": {"name": "checkov"}, "findings": []}"#),
            JsonFormat::Config
        );
        assert_eq!(
            recognise_text("r.json", r#"[{"engine_name": "kics"}]"#),
            JsonFormat::Config
        );
    }

    #[test]
    fn formats_are_recognised_by_name_and_content() {
        assert_eq!(
            recognise_text("main.tf.json", "{}"),
            JsonFormat::TerraformJson
        );
        assert_eq!(
            recognise_text("x/cdk.TF.JSON", r#"{"resource": {}}"#),
            JsonFormat::TerraformJson
        );
        assert_eq!(
            recognise_text(
                "plan.json",
                r#"{"format_version": "1.2", "resource_changes": []}"#
            ),
            JsonFormat::TerraformPlan
        );
        assert_eq!(
            recognise_text(
                "state.json",
                r#"{"format_version": "1.0", "values": {"root_module": {}}}"#
            ),
            JsonFormat::TerraformPlan
        );
        assert_eq!(
            recognise_text(
                "azuredeploy.json",
                r#"{"$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#", "resources": []}"#
            ),
            JsonFormat::Arm
        );
        // A parameters file is config: no resources.
        assert_eq!(
            recognise_text(
                "azuredeploy.parameters.json",
                r#"{"$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentParameters.json#", "parameters": {}}"#
            ),
            JsonFormat::Config
        );
        assert_eq!(
            recognise_text("t.json", r#"{"AWSTemplateFormatVersion": "2010-09-09"}"#),
            JsonFormat::Cloudformation
        );
        assert_eq!(
            recognise_text(
                "t.json",
                r#"{"Resources": {"B": {"Type": "AWS::S3::Bucket"}}}"#
            ),
            JsonFormat::Cloudformation
        );
        assert_eq!(
            recognise_text("t.json", r#"{"Resources": {"B": {"Type": "Custom::X"}}}"#),
            JsonFormat::Config
        );
        assert_eq!(
            recognise_text("package.json", r#"{"name": "x"}"#),
            JsonFormat::Config
        );
        assert_eq!(recognise_text("list.json", "[1, 2]"), JsonFormat::Config);
    }

    fn run(path: &str, text: &str) -> Extraction {
        let catalog = Catalog::builtin();
        let file = Arc::new(SourceFile::new(path, text));
        extract(&file, Ctx::new(&catalog))
    }

    #[test]
    fn comments_only_where_tools_accept_them() {
        let x = run(
            "config.json",
            "{\n  // note\n  \"u\": \"https://api.openai.com\"\n}",
        );
        assert_eq!(x.errors.len(), 1);
        let (_, line, col) = x.errors[0].location().unwrap();
        assert_eq!((line, col), (2, 3));
        let x = run(
            "tsconfig.json",
            "{\n  // note\n  \"u\": \"https://api.openai.com\",\n}",
        );
        assert!(x.errors.is_empty());
        assert_eq!(x.deployments.len(), 1);
        let arm = r#"{
  // ARM accepts comments
  "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
  "resources": [ { "type": "Microsoft.Storage/storageAccounts", "name": "sa" }, ]
}"#;
        let x = run("azuredeploy.json", arm);
        assert!(x.errors.is_empty(), "{:?}", x.errors);
        assert_eq!(x.deployments.len(), 1);
        assert_eq!(x.deployments[0].format, Format::Arm);
    }

    #[test]
    fn broken_json_is_one_parse_error_at_its_position() {
        let x = run("bad.json", "{\n  \"a\": [1,\n}");
        assert!(x.deployments.is_empty());
        assert_eq!(x.errors.len(), 1);
        assert_eq!(x.errors[0].code, crate::diag::code::PARSE_ERROR);
        let (_, line, _) = x.errors[0].location().unwrap();
        assert_eq!(line, 3);
        let deep = "[".repeat(5000);
        let x = run("deep.json", &deep);
        assert_eq!(x.errors.len(), 1);
    }

    #[test]
    fn config_json_gives_endpoints() {
        let x = run(
            "app/config.json",
            r#"{"llm": {"url": "https://bedrock-runtime.eu-west-3.amazonaws.com"}}"#,
        );
        assert_eq!(x.deployments.len(), 1);
        let d = &x.deployments[0];
        assert_eq!(d.format, Format::Config);
        assert_eq!(d.name, "llm.url");
        assert_eq!(d.region.as_deref(), Some("eu-west-3"));
    }

    #[test]
    fn fixtures_snapshot() {
        use crate::facts::endpoints::tests::{fixture, render_extraction};
        let catalog = Catalog::builtin();
        let mut all = String::new();
        for rel in [
            "endpoints/json/none.json",
            "endpoints/json/two.json",
            "endpoints/json/hostile.json",
        ] {
            let file = fixture(rel);
            let x = extract(&file, Ctx::new(&catalog));
            all.push_str(&format!("== {rel}\n{}", render_extraction(&file, &x)));
        }
        insta::assert_snapshot!(all);
    }
}
