//! Plans joined to their configuration (docs/detection.md, "Plans and their configuration").
//!
//! A Terraform plan or state JSON in the folder of the configuration it was made from is in
//! that configuration's unit (`facts::units::UnitKey::of_input`). Each resource of the plan
//! then takes the place of the declaration it was planned from, found by its address within
//! the plan's folder as root: the values (provider, region, tags, accelerators) are the
//! plan's, which Terraform evaluated; the location is the declaration's, so reports and the
//! editor point at the `.tf` line, with the plan entry as a related location. A plan resource
//! without a declaration stays at the plan; a declaration the plan does not hold (a stale or
//! a targeted plan) stays as read from source.

use std::collections::HashMap;
use std::sync::Arc;

use super::plan;
use crate::facts::json::{self, JsonFormat};
use crate::facts::model::{Attr, Deployment, PlanEntry};
use crate::facts::{Ctx, Extraction, Input};
use crate::source::SourceFile;

/// The deployments of a stack's configuration (`source`) joined with its plans.
pub(crate) fn join_plans(source: Extraction, plans: &[&Input], ctx: Ctx<'_>) -> Extraction {
    if plans.is_empty() {
        return source;
    }
    // (root folder, address without instance keys) → the declaration's deployment.
    let mut declared: HashMap<(&str, String), usize> = HashMap::new();
    for (i, d) in source.deployments.iter().enumerate() {
        declared
            .entry((root_of(d), without_keys(&d.address())))
            .or_insert(i);
    }
    let mut replaced = vec![false; source.deployments.len()];
    let mut out = Extraction::default();
    for input in plans {
        let file = &input.file;
        let root = match json::parse_file(file) {
            Ok(root) if json::recognise(&file.path, &root) == JsonFormat::TerraformPlan => root,
            // Not a plan once parsed (or not JSON): read as any JSON file is.
            _ => {
                out.extend(json::extract(file, ctx));
                continue;
            }
        };
        let dir = dir_of(&file.path);
        for (mut d, address) in plan::instances(file, &root, ctx) {
            let target = address
                .as_ref()
                .and_then(|a| declared.get(&(dir, without_keys(a))).copied());
            if let (Some(i), Some(address)) = (target, address) {
                replaced[i] = true;
                relocate(&mut d, &source.deployments[i], file, address);
            }
            out.deployments.push(d);
        }
    }
    out.deployments.extend(
        source
            .deployments
            .into_iter()
            .zip(replaced)
            .filter(|(_, replaced)| !replaced)
            .map(|(d, _)| d),
    );
    out.errors.extend(source.errors);
    out
}

/// Moves a plan's deployment to the declaration it was planned from.
fn relocate(d: &mut Deployment, declared: &Deployment, plan: &SourceFile, address: String) {
    let line = plan.line_col(d.span.start).line;
    // The evidence cites the plan by `path:line` (which makes the plan part of the
    // deployment's provenance); its spans were into the plan, not the new location.
    for e in &mut d.evidence {
        let at = e.span.take().map_or(line, |s| plan.line_col(s.start).line);
        e.text = format!("{} in {}:{at}", e.text, plan.path).into();
    }
    // What the plan leaves unknown (a value known only after apply) but the declaration
    // gives, the declaration says.
    if d.region.is_none() && declared.region.is_some() {
        d.region.clone_from(&declared.region);
        d.country.clone_from(&declared.country);
        d.countries.clone_from(&declared.countries);
        d.evidence.extend(
            declared
                .evidence
                .iter()
                .filter(|e| matches!(e.attr, Attr::Region | Attr::Country))
                .cloned(),
        );
    }
    d.module = module_of(&address).map(str::to_string);
    d.plan = Some(Box::new(PlanEntry {
        path: d.path.clone(),
        span: d.span,
        line,
        address,
    }));
    d.path = declared.path.clone();
    d.span = declared.span;
    d.calls.clone_from(&declared.calls);
}

/// The folder a deployment's address is relative to: the root configuration whose calls made
/// its module instance, else its own folder.
fn root_of(d: &Deployment) -> &str {
    dir_of(d.calls.first().map_or(&d.path, |c| &c.path))
}

fn dir_of(path: &Arc<str>) -> &str {
    path.rsplit_once('/').map_or("", |(d, _)| d)
}

/// An address without its instance keys: `module.a["x"].aws_s3_bucket.b[0]` →
/// `module.a.aws_s3_bucket.b` (a declaration has one address for all its instances; cloudpact
/// names repeated module instances `module.a[*]`). Keys may quote `]` and `"`.
fn without_keys(address: &str) -> String {
    let mut out = String::with_capacity(address.len());
    let mut chars = address.chars();
    while let Some(c) = chars.next() {
        if c != '[' {
            out.push(c);
            continue;
        }
        let mut quoted = false;
        while let Some(k) = chars.next() {
            match k {
                '\\' if quoted => {
                    chars.next();
                }
                '"' => quoted = !quoted,
                ']' if !quoted => break,
                _ => {}
            }
        }
    }
    out
}

/// The module part of a resource address (`module.a["x"].module.b` of
/// `module.a["x"].module.b.aws_s3_bucket.this`), or `None` for a root resource.
fn module_of(address: &str) -> Option<&str> {
    let mut end = 0;
    let mut rest = address;
    while let Some(after) = rest.strip_prefix("module.") {
        // The module's name, then its key if any, then the `.` before the next part.
        let name_len = after.find(['.', '[']).unwrap_or(after.len());
        let mut len = "module.".len() + name_len;
        if after[name_len..].starts_with('[') {
            len += key_len(&after[name_len..]);
        }
        end += len;
        rest = &address[end..];
        match rest.strip_prefix('.') {
            Some(r) => {
                rest = r;
                end += 1;
            }
            None => break,
        }
    }
    (end > 0).then(|| address[..end].trim_end_matches('.'))
}

/// The length of a `[…]` key at the start of `s`, brackets included (to the end of `s` when
/// it is not closed).
fn key_len(s: &str) -> usize {
    let mut quoted = false;
    let mut escaped = false;
    for (i, c) in s.char_indices().skip(1) {
        match c {
            _ if escaped => escaped = false,
            '\\' if quoted => escaped = true,
            '"' => quoted = !quoted,
            ']' if !quoted => return i + 1,
            _ => {}
        }
    }
    s.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_lose_their_instance_keys() {
        assert_eq!(without_keys("aws_instance.web[0]"), "aws_instance.web");
        assert_eq!(
            without_keys(r#"module.a["x]\"y"].aws_s3_bucket.b["k"]"#),
            "module.a.aws_s3_bucket.b"
        );
        assert_eq!(without_keys("module.a[*].x.y"), "module.a.x.y");
        assert_eq!(without_keys("x.y[0"), "x.y");
    }

    #[test]
    fn the_module_part_of_an_address() {
        assert_eq!(module_of("aws_instance.web[0]"), None);
        assert_eq!(
            module_of("module.logs.aws_s3_bucket.this"),
            Some("module.logs")
        );
        assert_eq!(
            module_of(r#"module.a["x.y"].module.b[0].aws_s3_bucket.this"#),
            Some(r#"module.a["x.y"].module.b[0]"#)
        );
        assert_eq!(module_of("module.broken"), Some("module.broken"));
    }
}
