//! CI pipelines (fingerprints §8): GitHub Actions, GitLab CI and Azure Pipelines. A deployment
//! is a step (GitHub, Azure Pipelines) or a job (GitLab) that deploys to or authenticates with
//! a provider: a known action or task, a provider CLI at the start of a script line, a cloud
//! CLI image, an OIDC audience, a private registry login. Steps without such a signal are not
//! deployments. Location: the step's (job's) first line.

use std::sync::Arc;

use super::Ctx;
use super::model::{Attr, Deployment, Evidence, Format, ProviderId};
use super::yaml::{Signal, YamlFormat, apply_signals, entry_span, literal_region};
use crate::parse::tree::{Node, Value};
use crate::source::{SourceFile, Span};

/// Inputs and variables that hold a region, with the provider they are read for (`None`:
/// whichever the step's signals decide).
const REGION_INPUTS: &[(&str, Option<&str>)] = &[
    ("aws-region", Some("aws")),
    ("regionName", Some("aws")),
    ("region", None),
    ("location", None),
    ("AWS_REGION", Some("aws")),
    ("AWS_DEFAULT_REGION", Some("aws")),
    ("CLOUDSDK_COMPUTE_REGION", Some("gcp")),
    ("OCI_CLI_REGION", Some("oracle")),
];

/// GitLab top-level keys that are not jobs.
const GITLAB_RESERVED: &[&str] = &[
    "stages",
    "variables",
    "include",
    "default",
    "workflow",
    "image",
    "services",
    "before_script",
    "after_script",
    "cache",
    "spec",
];

pub(crate) fn extract(file: &Arc<SourceFile>, root: &Node, ctx: Ctx<'_>) -> Vec<Deployment> {
    match super::yaml::format_by_name(&file.path) {
        Some(YamlFormat::GitlabCi) => gitlab(file, root, ctx),
        Some(YamlFormat::AzurePipelines) => azure_pipelines(file, root, ctx),
        _ => github(file, root, ctx),
    }
}

/// What a step or job says.
#[derive(Default)]
struct Found {
    signals: Vec<Signal>,
    /// (value, text, span, provider the setting is for)
    regions: Vec<(String, String, Span, Option<&'static str>)>,
}

impl Found {
    fn signal(&mut self, provider: ProviderId, text: String, span: Span) {
        self.signals.push(Signal {
            provider,
            tier: 1,
            text,
            span,
        });
    }

    /// Region settings in a map of inputs or variables.
    fn regions_in(&mut self, map: Option<&Node>, place: &str) {
        for (k, v) in map.and_then(Node::as_map).unwrap_or_default() {
            let Some(key) = k.as_str() else { continue };
            if let Some((_, for_provider)) = REGION_INPUTS.iter().find(|(n, _)| *n == key)
                && let Some(text) = v.scalar_text()
                && let Some(region) = literal_region(&text)
            {
                self.regions.push((
                    region,
                    format!("{place}{key}: {text}"),
                    v.span,
                    *for_provider,
                ));
            }
        }
    }

    /// Provider CLIs at the start of script lines, and `--region X` flags.
    fn script(&mut self, node: &Node, ctx: Ctx<'_>) {
        let mut lines: Vec<(&str, Span)> = Vec::new();
        match &node.value {
            Value::Seq(items) => {
                lines.extend(items.iter().filter_map(|i| i.as_str().map(|s| (s, i.span))))
            }
            _ => lines.extend(node.as_str().map(|s| (s, node.span))),
        }
        for (text, span) in lines {
            for line in text.lines() {
                for command in line.split(['&', ';', '|']) {
                    self.command(command, span, ctx);
                }
            }
        }
    }

    fn command(&mut self, command: &str, span: Span, ctx: Ctx<'_>) {
        let mut words = command
            .split_whitespace()
            .skip_while(|w| {
                matches!(
                    *w,
                    "sudo" | "exec" | "time" | "command" | "then" | "do" | "(" | "{"
                )
            })
            .skip_while(|w| w.contains('=') && !w.starts_with('-'));
        let Some(first) = words.next() else { return };
        let program = first.rsplit('/').next().unwrap_or(first);
        let Some((provider, _)) = ctx.catalog.by_ci_signal("cli", program) else {
            return;
        };
        self.signal(provider, format!("command \"{program}\" in a script"), span);
        let rest: Vec<&str> = words.collect();
        for (i, w) in rest.iter().enumerate() {
            let value = if let Some(v) = w.strip_prefix("--region=") {
                Some(v)
            } else if *w == "--region" || *w == "--location" {
                rest.get(i + 1).copied()
            } else {
                None
            };
            if let Some(region) = value.and_then(literal_region) {
                self.regions
                    .push((region, format!("{program} {w} in a script"), span, None));
                break;
            }
        }
    }

    fn image(&mut self, node: &Node, ctx: Ctx<'_>) {
        let image = node.as_str().or_else(|| node.str_at(&["name"]));
        let Some(image) = image else { return };
        if let Some((provider, _)) = ctx.catalog.by_ci_signal("image", image) {
            self.signal(provider, format!("CI image {image}"), node.span);
        } else if let Some(host) = super::yaml::image_host(image)
            && let Some(m) = ctx.catalog.by_registry(host)
            && m.strong
        {
            self.signal(m.provider, format!("CI image host {host}"), node.span);
        }
    }

    /// Builds the deployment when there is a provider signal.
    fn into_deployment(self, mut dep: Deployment) -> Option<Deployment> {
        if self.signals.is_empty() {
            return None;
        }
        apply_signals(&mut dep, &self.signals);
        let provider = dep.provider.clone();
        if let Some((region, text, span, _)) = self
            .regions
            .into_iter()
            .find(|(_, _, _, p)| p.is_none() || *p == provider.as_deref())
        {
            dep.region = Some(region);
            dep.evidence
                .push(Evidence::new(Attr::Region, text).at(span));
        }
        Some(dep)
    }
}

fn github(file: &Arc<SourceFile>, root: &Node, ctx: Ctx<'_>) -> Vec<Deployment> {
    let mut out = Vec::new();
    for (job_key, job) in root.get("jobs").and_then(Node::as_map).unwrap_or_default() {
        let job_name = job_key.scalar_text().unwrap_or_default();
        for (i, step) in job
            .get("steps")
            .and_then(Node::as_seq)
            .unwrap_or_default()
            .iter()
            .enumerate()
        {
            let mut found = Found::default();
            let uses = step.str_at(&["uses"]);
            if let Some(uses) = uses {
                if let Some((provider, _)) = ctx.catalog.by_ci_action(uses) {
                    let span = step.get("uses").map_or(step.span, |n| n.span);
                    found.signal(provider, format!("action {uses}"), span);
                }
                // `docker/login-action` and friends: the registry they log in to.
                if let Some(reg) = step.get("with").and_then(|w| w.get("registry"))
                    && let Some(host) = reg.as_str()
                    && let Some(m) = ctx
                        .catalog
                        .by_registry(host.split('/').next().unwrap_or(host))
                    && m.strong
                {
                    found.signal(m.provider, format!("registry login {host}"), reg.span);
                }
            }
            if let Some(run) = step.get("run") {
                found.script(run, ctx);
            }
            found.regions_in(step.get("with"), "with.");
            found.regions_in(step.get("env"), "env ");
            found.regions_in(job.get("env"), "job env ");
            found.regions_in(root.get("env"), "workflow env ");
            let name = step
                .str_at(&["name"])
                .or_else(|| step.str_at(&["id"]))
                .map_or_else(|| format!("{job_name} step {}", i + 1), str::to_string);
            let type_ = uses.unwrap_or("run");
            let dep = Deployment::new(
                file.path.clone(),
                step.span,
                Format::GithubActions,
                type_,
                name,
            );
            out.extend(found.into_deployment(dep));
        }
    }
    out
}

fn gitlab(file: &Arc<SourceFile>, root: &Node, ctx: Ctx<'_>) -> Vec<Deployment> {
    let mut out = Vec::new();
    // `include: [{template: AWS/Deploy-ECS.gitlab-ci.yml}]`: the template deploys.
    let includes = root.get("include");
    let include_items: Vec<&Node> = match includes {
        Some(n) => n.as_seq().map_or_else(|| vec![n], |s| s.iter().collect()),
        None => Vec::new(),
    };
    for item in include_items {
        if let Some(t) = item.get("template")
            && let Some(template) = t.as_str()
            && let Some((provider, _)) = ctx.catalog.by_ci_signal("template", template)
        {
            let mut found = Found::default();
            found.signal(provider, format!("GitLab template {template}"), t.span);
            found.regions_in(root.get("variables"), "variables ");
            let dep = Deployment::new(
                file.path.clone(),
                item.span,
                Format::GitlabCi,
                "include",
                template,
            );
            out.extend(found.into_deployment(dep));
        }
    }
    let jobs = root.as_map().unwrap_or_default();
    for (key, job) in jobs {
        let Some(name) = key.as_str() else { continue };
        if name.starts_with('.') || GITLAB_RESERVED.contains(&name) || job.as_map().is_none() {
            continue;
        }
        let mut found = Found::default();
        // The job and the hidden jobs it extends (one chain, bounded).
        let mut chain = vec![job];
        let mut current = job;
        for _ in 0..8 {
            let parent = current.get("extends").and_then(|e| {
                e.as_str()
                    .or_else(|| e.as_seq().and_then(|s| s.first()).and_then(Node::as_str))
            });
            let Some(next) = parent.and_then(|p| root.get(p)) else {
                break;
            };
            chain.push(next);
            current = next;
        }
        for part in &chain {
            for key in ["script", "before_script", "after_script"] {
                if let Some(s) = part.get(key) {
                    found.script(s, ctx);
                }
            }
            if let Some(image) = part.get("image") {
                found.image(image, ctx);
            }
            for (_, token) in part
                .get("id_tokens")
                .and_then(Node::as_map)
                .unwrap_or_default()
            {
                let auds: Vec<&Node> = match token.get("aud") {
                    Some(a) => a.as_seq().map_or_else(|| vec![a], |s| s.iter().collect()),
                    None => Vec::new(),
                };
                for aud in auds {
                    if let Some(text) = aud.as_str()
                        && let Some((provider, _)) = ctx.catalog.by_ci_signal("aud", text)
                    {
                        found.signal(provider, format!("OIDC audience {text}"), aud.span);
                    }
                }
            }
            found.regions_in(part.get("variables"), "variables ");
        }
        if chain.iter().all(|p| p.get("image").is_none())
            && let Some(image) = root
                .get("image")
                .or_else(|| root.path(&["default", "image"]))
        {
            found.image(image, ctx);
        }
        found.regions_in(root.get("variables"), "variables ");
        let dep = Deployment::new(
            file.path.clone(),
            entry_span(key, job),
            Format::GitlabCi,
            "job",
            name,
        );
        out.extend(found.into_deployment(dep));
    }
    out
}

fn azure_pipelines(file: &Arc<SourceFile>, root: &Node, ctx: Ctx<'_>) -> Vec<Deployment> {
    let mut out = Vec::new();
    steps(file, root, ctx, &mut out, 0);
    out
}

/// Every map with a `task` or script key is a step, wherever stages, jobs, deployment
/// strategies or templates put it.
fn steps(
    file: &Arc<SourceFile>,
    node: &Node,
    ctx: Ctx<'_>,
    out: &mut Vec<Deployment>,
    depth: usize,
) {
    if depth > 64 {
        return;
    }
    match &node.value {
        Value::Map(entries) => {
            if let Some(dep) = azure_step(file, node, ctx) {
                out.push(dep);
            }
            for (_, v) in entries {
                steps(file, v, ctx, out, depth + 1);
            }
        }
        Value::Seq(items) => items
            .iter()
            .for_each(|i| steps(file, i, ctx, out, depth + 1)),
        Value::Tagged(_, inner) => steps(file, inner, ctx, out, depth + 1),
        _ => {}
    }
}

fn azure_step(file: &Arc<SourceFile>, step: &Node, ctx: Ctx<'_>) -> Option<Deployment> {
    let mut found = Found::default();
    let task = step.str_at(&["task"]);
    if let Some(task) = task
        && let Some((provider, _)) = ctx.catalog.by_ci_task(task)
    {
        let span = step.get("task").map_or(step.span, |n| n.span);
        found.signal(provider, format!("task {task}"), span);
    }
    let mut is_step = task.is_some();
    for key in ["script", "bash", "pwsh", "powershell"] {
        if let Some(s) = step.get(key) {
            is_step = true;
            found.script(s, ctx);
        }
    }
    if !is_step {
        return None;
    }
    found.regions_in(step.get("inputs"), "inputs.");
    found.regions_in(step.get("env"), "env ");
    let name = step
        .str_at(&["displayName"])
        .or_else(|| step.str_at(&["name"]))
        .or(task)
        .unwrap_or("script");
    let dep = Deployment::new(
        file.path.clone(),
        step.span,
        Format::AzurePipelines,
        task.unwrap_or("script"),
        name,
    );
    found.into_deployment(dep)
}

#[cfg(test)]
#[path = "ci_tests.rs"]
mod tests;
