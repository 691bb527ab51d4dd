//! Ansible playbooks and task files (fingerprints §9): one deployment per task that uses a
//! cloud collection module (`amazon.aws.ec2_instance`, `azure.azcollection.azure_rm_*`,
//! `google.cloud.gcp_*` …), at the task's first line. The region is the module's `region` /
//! `location` / `zone` argument when it is a literal (not a `{{ variable }}`).

use std::sync::Arc;

use super::Ctx;
use super::model::{Attr, Deployment, Evidence, Format, ProviderId};
use super::yaml::{literal_region, string_map, zone_region};
use crate::parse::tree::Node;
use crate::source::SourceFile;

/// Task keywords: every other key of a task names its module.
const TASK_KEYWORDS: &[&str] = &[
    "name",
    "when",
    "register",
    "loop",
    "loop_control",
    "tags",
    "vars",
    "become",
    "become_user",
    "become_method",
    "delegate_to",
    "delegate_facts",
    "notify",
    "args",
    "environment",
    "ignore_errors",
    "ignore_unreachable",
    "changed_when",
    "failed_when",
    "until",
    "retries",
    "delay",
    "no_log",
    "run_once",
    "async",
    "poll",
    "block",
    "rescue",
    "always",
    "collections",
    "module_defaults",
    "check_mode",
    "diff",
    "listen",
    "connection",
    "throttle",
    "timeout",
    "any_errors_fatal",
    "debugger",
    "local_action",
    "action",
];

/// Lists of tasks inside a play or a block.
const TASK_LISTS: &[&str] = &[
    "tasks",
    "pre_tasks",
    "post_tasks",
    "handlers",
    "block",
    "rescue",
    "always",
];

/// Whether a top-level sequence is Ansible: plays (`hosts` with tasks or roles), or tasks in a
/// role or playbook directory, or tasks using a known cloud module.
pub(crate) fn looks_like_ansible(path: &str, items: &[Node]) -> bool {
    let maps: Vec<&Node> = items.iter().filter(|i| i.as_map().is_some()).collect();
    if maps.is_empty() {
        return false;
    }
    let is_play = |m: &&Node| {
        m.get("hosts").is_some()
            && (m.get("tasks").is_some()
                || m.get("roles").is_some()
                || m.get("import_playbook").is_some())
    };
    if maps.iter().any(is_play) || maps.iter().any(|m| m.get("import_playbook").is_some()) {
        return true;
    }
    let lower = path.to_ascii_lowercase();
    let in_ansible_dir = ["tasks/", "handlers/", "playbooks/", "roles/"]
        .iter()
        .any(|d| lower.contains(d));
    in_ansible_dir
        && maps
            .iter()
            .any(|m| m.get("name").is_some() || module_key(m).is_some())
}

pub(crate) fn extract(file: &Arc<SourceFile>, root: &Node, ctx: Ctx<'_>) -> Vec<Deployment> {
    let mut out = Vec::new();
    if let Some(items) = root.as_seq() {
        tasks(file, items, ctx, &mut out, 0);
    }
    out
}

fn tasks(
    file: &Arc<SourceFile>,
    items: &[Node],
    ctx: Ctx<'_>,
    out: &mut Vec<Deployment>,
    depth: u8,
) {
    if depth > 16 {
        return;
    }
    for item in items {
        if item.as_map().is_none() {
            continue;
        }
        for list in TASK_LISTS {
            if let Some(nested) = item.get(list).and_then(Node::as_seq) {
                tasks(file, nested, ctx, out, depth + 1);
            }
        }
        if let Some(dep) = task(file, item, ctx) {
            out.push(dep);
        }
    }
}

/// The module key of a task: its first key that is not a keyword.
fn module_key(task: &Node) -> Option<(&Node, &Node)> {
    task.as_map()?
        .iter()
        .find(|(k, _)| {
            k.as_str()
                .is_some_and(|k| !TASK_KEYWORDS.contains(&k) && !k.starts_with("with_"))
        })
        .map(|(k, v)| (k, v))
}

fn task(file: &Arc<SourceFile>, item: &Node, ctx: Ctx<'_>) -> Option<Deployment> {
    let (key, args) = module_key(item)?;
    let module = key.as_str()?;
    let (provider, prefix) = ctx.catalog.by_ansible_module(module)?;
    let name = item.str_at(&["name"]).unwrap_or(module);
    let mut dep = Deployment::new(file.path.clone(), item.span, Format::Ansible, module, name);
    dep.evidence.push(
        Evidence::new(
            Attr::Provider,
            format_args!("Ansible module {module} (\"{prefix}\")"),
        )
        .at(key.span),
    );
    kind(&mut dep, &provider, module, prefix, ctx);
    region(&mut dep, &provider, args, ctx);
    dep.tags = string_map(args.get("tags").or_else(|| args.get("resource_tags")));
    for size_key in ["instance_type", "vm_size", "machine_type", "shape"] {
        if let Some(size) = args.get(size_key).and_then(Node::as_str)
            && ctx.catalog.is_gpu_type(Some(&provider), size)
        {
            dep.gpu = true;
            dep.evidence
                .push(Evidence::new(Attr::Gpu, format_args!("{size_key} {size}")));
        }
    }
    dep.provider = Some(provider);
    Some(dep)
}

/// The kind from the module's short name: `gcp_compute_instance` → `google_compute_instance`,
/// `ec2_instance` → `AWS::ec2::instance`.
fn kind(dep: &mut Deployment, provider: &ProviderId, module: &str, prefix: &str, ctx: Ctx<'_>) {
    let short = module.strip_prefix(prefix).unwrap_or(module);
    let short = short.rsplit('.').next().unwrap_or(short);
    let short = [
        "azure_rm_",
        "gcp_",
        "oci_",
        "ali_",
        "digital_ocean_",
        "hcloud_",
        "scaleway_",
    ]
    .iter()
    .find_map(|p| short.strip_prefix(p))
    .unwrap_or(short);
    let (service, rest) = short.split_once('_').unwrap_or(("", short));
    let found = ctx
        .catalog
        .kind_of_resource(provider, service, rest)
        .or_else(|| ctx.catalog.kind_of_resource(provider, "", short));
    if let Some((k, service)) = found {
        dep.kind = k;
        dep.service = service.map(str::to_string);
    }
}

fn region(dep: &mut Deployment, provider: &str, args: &Node, ctx: Ctx<'_>) {
    for key in ["region", "location", "alicloud_region", "aws_region"] {
        if let Some(node) = args.get(key)
            && let Some(text) = node.as_str()
            && let Some(region) = literal_region(text)
        {
            dep.region = Some(region);
            dep.evidence.push(
                Evidence::new(Attr::Region, format_args!("module argument {key}: {text}"))
                    .at(node.span),
            );
            return;
        }
    }
    if let Some(node) = args.get("zone")
        && let Some(text) = node.as_str()
        && let Some(region) = zone_region(ctx.catalog, provider, text)
    {
        dep.region = Some(region);
        dep.evidence.push(
            Evidence::new(Attr::Region, format_args!("module argument zone: {text}")).at(node.span),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::facts::model::Kind;

    fn run(path: &str, text: &str) -> Vec<Deployment> {
        crate::facts::yaml::deployments_of(path, text)
    }

    #[test]
    fn cloud_tasks_in_plays_and_blocks() {
        let text = r#"- hosts: localhost
  tasks:
    - name: vm
      amazon.aws.ec2_instance:
        region: eu-west-1
        instance_type: t3.micro
        tags: {team: web}
    - name: copy
      ansible.builtin.copy: {src: a, dest: b}
    - block:
        - name: gke
          google.cloud.gcp_container_cluster:
            location: "{{ where }}"
        - azure_rm_virtualmachine:
            location: westeurope
"#;
        let deps = run("site.yml", text);
        assert_eq!(deps.len(), 3);
        assert_eq!(deps[0].provider.as_deref(), Some("aws"));
        assert_eq!(deps[0].region.as_deref(), Some("eu-west-1"));
        assert_eq!(deps[0].kind, Kind::Compute);
        assert_eq!(deps[0].tags.get("team").map(String::as_str), Some("web"));
        assert_eq!(
            &text[deps[0].span.start..deps[0].span.start + 8],
            "name: vm"
        );
        assert_eq!(deps[1].provider.as_deref(), Some("gcp"));
        assert_eq!(deps[1].region, None);
        assert_eq!(deps[1].kind, Kind::Kubernetes);
        assert_eq!(deps[2].provider.as_deref(), Some("azure"));
        assert_eq!(deps[2].region.as_deref(), Some("westeurope"));
    }

    #[test]
    fn role_task_files_and_non_ansible_lists() {
        let text = "- name: bucket\n  google.cloud.gcp_storage_bucket:\n    name: b\n";
        let deps = run("roles/x/tasks/main.yml", text);
        assert_eq!(deps.len(), 1);
        assert_eq!(deps[0].kind, Kind::Storage);
        // A plain list elsewhere is a config file, not Ansible.
        assert!(run("data/list.yaml", "- name: a\n  aws_thing: 1\n").is_empty());
    }
}
