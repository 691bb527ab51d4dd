//! Helm charts: values files are YAML (see `yaml`); templates are Go templates, scanned as text
//! for endpoint hosts and image registries only.

use std::sync::Arc;

use super::endpoints::scan_text;
use super::model::Format;
use super::{Ctx, Extraction};
use crate::source::SourceFile;

/// Every endpoint or registry host in a template, outside YAML comments and `{{/* */}}`
/// template comments. A deployment is named after the YAML key on its line, if any.
pub fn extract_template(file: &Arc<SourceFile>, ctx: Ctx<'_>) -> Extraction {
    let text: &str = &file.text;
    let mut out = Vec::new();
    let mut in_comment = false;
    let mut offset = 0;
    for raw in text.split_inclusive('\n') {
        let start = offset;
        offset += raw.len();
        let line = raw.trim_end_matches(['\n', '\r']);
        let mut visible = String::with_capacity(line.len());
        // Template comments may span lines; blank them out but keep byte positions.
        let mut i = 0;
        while i < line.len() {
            let rest = &line[i..];
            if in_comment {
                match rest.find("*/") {
                    Some(end) => {
                        visible.extend(std::iter::repeat_n(' ', end + 2));
                        i += end + 2;
                        in_comment = false;
                    }
                    None => {
                        visible.extend(std::iter::repeat_n(' ', rest.len()));
                        i = line.len();
                    }
                }
            } else if let Some(open) = rest.find("/*") {
                visible.push_str(&rest[..open]);
                visible.push_str("  ");
                i += open + 2;
                in_comment = true;
            } else {
                visible.push_str(rest);
                i = line.len();
            }
        }
        let trimmed = visible.trim_start();
        if trimmed.starts_with('#') || trimmed.is_empty() {
            continue;
        }
        let name = yaml_key(trimmed).unwrap_or("template");
        scan_text(file, start, &visible, name, Format::Helm, ctx, &mut out);
    }
    Extraction {
        deployments: out,
        errors: Vec::new(),
    }
}

/// `key` of a `key: value` or `- key: value` line.
fn yaml_key(line: &str) -> Option<&str> {
    let line = line.strip_prefix("- ").unwrap_or(line).trim_start();
    let (key, _) = line.split_once(':')?;
    let key = key.trim().trim_matches(['"', '\'']);
    (!key.is_empty()
        && key
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.' | '/')))
    .then_some(key)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::facts::catalog::Catalog;
    use crate::facts::endpoints::tests::{fixture, render_extraction};

    #[test]
    fn templates_give_endpoints_and_registries() {
        let catalog = Catalog::builtin();
        let file = fixture("helm/templates/deployment.yaml");
        let x = extract_template(&file, Ctx { catalog: &catalog });
        let got: Vec<(usize, &str, &str)> = x
            .deployments
            .iter()
            .map(|d| {
                (
                    file.line_col(d.span.start).line,
                    d.name.as_str(),
                    d.provider.as_deref().unwrap_or("-"),
                )
            })
            .collect();
        assert_eq!(
            got,
            [
                (14, "image", "gcp"),
                (17, "value", "azure"),
                (19, "value", "aws"),
            ]
        );
        assert_eq!(x.deployments[0].region, None, "a registry gives no region");
        assert_eq!(x.deployments[0].format, Format::Helm);
        insta::assert_snapshot!(render_extraction(&file, &x));
    }
}
