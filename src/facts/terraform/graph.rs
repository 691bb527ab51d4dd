//! The module graph: which folder calls which through local sources (`module` blocks with
//! `./` or `../` sources, Terragrunt's `terraform { source }`), and the instances it makes.
//!
//! A folder no scanned configuration calls is a root. Each root is evaluated once; each call
//! under it makes one instance of the called folder, with the caller's arguments bound to the
//! module's variables and its provider configurations passed down. A called folder is not
//! evaluated on its own (docs/detection.md, "Terraform modules").

use std::collections::HashSet;

// foldhash, not SipHash: the tables of every folder and instance of a Terraform run.
use foldhash::{HashMap, HashMapExt};

use super::model::{Attr, Block, Expr, File, Role};
use super::resolve::{Bound, Context, ProviderConf, ProviderKey, Scope, Step, Vars};
use super::{Folder, extract};
use crate::diag::{Diag, code};
use crate::discover::join;
use crate::facts::model::CallSite;
use crate::facts::{Ctx, Extraction};
use crate::source::Span;

/// How deep module calls may nest before cloudpact stops expanding (Terraform has no limit;
/// real configurations stay under ten).
pub(crate) const MAX_DEPTH: usize = 100;

/// How many module instances one root may make: a graph where every module calls the next one
/// several times grows exponentially, and a check must still end.
pub(crate) const MAX_INSTANCES: usize = 10_000;

/// Module-block arguments that are Terraform's, not the module's variables.
const META_ARGUMENTS: &[&str] = &[
    "source",
    "version",
    "providers",
    "count",
    "for_each",
    "depends_on",
];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum CallKind {
    Module,
    Terragrunt,
}

/// One local call of a folder.
#[derive(Debug)]
struct Call<'m> {
    kind: CallKind,
    /// The module block's name (`raw` in `module "raw"`); empty for Terragrunt.
    name: &'m str,
    file: &'m File,
    /// The `module "raw" {` block, or Terragrunt's `terraform` block.
    site: Span,
    source: &'m str,
    source_span: Span,
    /// The called folder, repository-relative; `None` when the source leaves the repository.
    target: Option<String>,
    /// Module arguments, or Terragrunt `inputs` (a child's over its includes').
    args: Vec<&'m Attr>,
    providers: Option<&'m Attr>,
    /// `count` or `for_each`: one instance stands for all of them.
    repeated: bool,
}

/// The folders of one extraction, linked.
pub struct Graph<'m> {
    folders: &'m [Folder],
    by_dir: HashMap<&'m str, usize>,
    calls: Vec<Vec<Call<'m>>>,
    /// Problems found while linking (an include that names no scanned file).
    errors: Vec<Diag>,
    ctx: Ctx<'m>,
}

impl<'m> Graph<'m> {
    pub(crate) fn new(folders: &'m [Folder], ctx: Ctx<'m>) -> Self {
        let by_dir: HashMap<&str, usize> = folders
            .iter()
            .enumerate()
            .map(|(i, f)| (&*f.dir, i))
            .collect();
        let terragrunt_files: HashMap<&str, &File> = folders
            .iter()
            .flat_map(|f| f.files.iter())
            .filter(|f| f.role == Role::Terragrunt)
            .map(|f| (&*f.src.path, f))
            .collect();
        let mut errors = Vec::new();
        let calls = folders
            .iter()
            .map(|f| calls_of(f, &terragrunt_files, &mut errors))
            .collect();
        Graph {
            folders,
            by_dir,
            calls,
            errors,
            ctx,
        }
    }

    /// Folders no other folder calls, then folders only reachable from themselves (a cycle
    /// with no root), so that every folder is evaluated.
    pub(crate) fn roots(&self) -> Vec<usize> {
        let mut called = vec![false; self.folders.len()];
        for (caller, calls) in self.calls.iter().enumerate() {
            for call in calls {
                if let Some(&t) = call.target.as_deref().and_then(|t| self.by_dir.get(t))
                    && t != caller
                {
                    called[t] = true;
                }
            }
        }
        let mut roots: Vec<usize> = (0..self.folders.len()).filter(|&i| !called[i]).collect();
        let mut reached = vec![false; self.folders.len()];
        let mut stack = roots.clone();
        while let Some(i) = stack.pop() {
            if std::mem::replace(&mut reached[i], true) {
                continue;
            }
            for call in &self.calls[i] {
                if let Some(&t) = call.target.as_deref().and_then(|t| self.by_dir.get(t)) {
                    stack.push(t);
                }
            }
        }
        for i in 0..self.folders.len() {
            if !reached[i] {
                roots.push(i);
                let mut stack = vec![i];
                while let Some(j) = stack.pop() {
                    if std::mem::replace(&mut reached[j], true) {
                        continue;
                    }
                    for call in &self.calls[j] {
                        if let Some(&t) = call.target.as_deref().and_then(|t| self.by_dir.get(t)) {
                            stack.push(t);
                        }
                    }
                }
            }
        }
        roots
    }

    /// Problems found while linking.
    pub(crate) fn errors(&self) -> &[Diag] {
        &self.errors
    }

    /// Every deployment of a root and of the instances under it.
    pub(crate) fn evaluate(&self, root: usize, var_files: Vec<&'m File>) -> Extraction {
        let mut walk = Walk {
            graph: self,
            out: Extraction::default(),
            budget: MAX_INSTANCES,
            chain: vec![root],
        };
        let context = Context {
            var_files,
            ..Context::root()
        };
        walk.instance(root, context, &Instance::default());
        walk.out
    }
}

/// Where an instance sits: its module address and the calls that made it.
#[derive(Debug, Clone, Default)]
struct Instance {
    /// `module.raw`, `module.a.module.b`; `None` for a root.
    module: Option<String>,
    calls: Vec<CallSite>,
}

struct Walk<'g, 'm> {
    graph: &'g Graph<'m>,
    out: Extraction,
    budget: usize,
    /// The folders from the root to the current instance (cycles end here).
    chain: Vec<usize>,
}

impl<'m> Walk<'_, 'm> {
    fn instance(&mut self, idx: usize, context: Context<'m>, inst: &Instance) {
        let graph = self.graph;
        let folder = &graph.folders[idx];
        let scope = Scope::instance(&folder.files, context);
        let mut deployments = extract::deployments(&scope, graph.ctx);
        for d in &mut deployments {
            d.module.clone_from(&inst.module);
            d.calls.clone_from(&inst.calls);
        }
        crate::facts::append(&mut self.out.deployments, deployments);
        for call in &graph.calls[idx] {
            let Some(target) = call.target.as_deref().and_then(|t| graph.by_dir.get(t)) else {
                let why = match &call.target {
                    Some(dir) => format!("no Terraform files were found in `{dir}`"),
                    None => "the source leaves the repository".to_string(),
                };
                self.warn(
                    call,
                    format!(
                        "module source \"{}\" cannot be followed: {why}; its resources are not checked",
                        call.source
                    ),
                );
                continue;
            };
            let target = *target;
            if let Some(pos) = self.chain.iter().position(|&c| c == target) {
                let cycle: Vec<&str> = self.chain[pos..]
                    .iter()
                    .chain(std::iter::once(&target))
                    .map(|&c| &*graph.folders[c].dir)
                    .collect();
                self.warn(
                    call,
                    format!(
                        "module calls form a cycle ({}); it is not expanded further",
                        cycle.join(" → ")
                    ),
                );
                continue;
            }
            if self.chain.len() > MAX_DEPTH {
                self.warn(
                    call,
                    format!("module calls nest deeper than {MAX_DEPTH}; this call is not expanded"),
                );
                continue;
            }
            if self.budget == 0 {
                self.warn(
                    call,
                    format!(
                        "this configuration makes more than {MAX_INSTANCES} module instances; the rest are not expanded"
                    ),
                );
                return;
            }
            self.budget -= 1;
            let child = self.child(call, inst);
            let context = self.bind(&scope, call, &child);
            self.chain.push(target);
            self.instance(target, context, &child);
            self.chain.pop();
        }
    }

    /// The address and call chain of the instance a call makes.
    fn child(&self, call: &Call<'m>, inst: &Instance) -> Instance {
        let module = match call.kind {
            CallKind::Module => {
                let index = if call.repeated { "[*]" } else { "" };
                let own = format!("module.{}{index}", call.name);
                Some(match &inst.module {
                    Some(parent) => format!("{parent}.{own}"),
                    None => own,
                })
            }
            CallKind::Terragrunt => inst.module.clone(),
        };
        let mut calls = inst.calls.clone();
        calls.push(CallSite {
            path: call.file.src.path.clone(),
            span: call.site,
            line: call.file.src.line_col(call.site.start).line,
            name: match call.kind {
                CallKind::Module => format!("module.{}", call.name),
                CallKind::Terragrunt => "terragrunt".to_string(),
            },
        });
        Instance { module, calls }
    }

    /// The caller's arguments and provider configurations, as the called module sees them.
    fn bind(&self, scope: &Scope<'m>, call: &Call<'m>, child: &Instance) -> Context<'m> {
        let module = match call.kind {
            CallKind::Module => Some(call.name),
            CallKind::Terragrunt => None,
        };
        let mut bound = HashMap::new();
        for arg in &call.args {
            let (value, trail) = scope.bind(&arg.value);
            let mut place = Vec::with_capacity(1 + trail.len());
            place.push(Step::argument(&arg.key, module, call.file, arg.span));
            place.extend(trail);
            bound.insert(
                arg.key.to_string(),
                Bound {
                    value,
                    trail: place,
                },
            );
        }
        let via = child.calls.last().map_or_else(String::new, |c| {
            format!("{} ({}:{})", c.name, c.path, c.line)
        });
        let providers = match call.kind {
            // Terragrunt runs the module as a root: it has only its own provider blocks.
            CallKind::Terragrunt => None,
            CallKind::Module => Some(passed_providers(scope, call.providers, &via)),
        };
        Context {
            vars: match call.kind {
                CallKind::Module => Vars::Called,
                CallKind::Terragrunt => Vars::Terragrunt,
            },
            bound,
            providers,
            var_files: Vec::new(),
        }
    }

    fn warn(&mut self, call: &Call<'m>, message: String) {
        let label = message.clone();
        let diag = Diag::warning(code::UNRESOLVED_MODULE, message)
            .in_file(call.file.src.clone())
            .at(call.source_span, label);
        // The same call is met once per instance of its folder: report it once.
        let seen = self.out.errors.iter().any(|d| {
            d.message == diag.message
                && d.primary_span() == diag.primary_span()
                && d.file.as_ref().map(|f| &f.path) == diag.file.as_ref().map(|f| &f.path)
        });
        if !seen {
            self.out.errors.push(diag);
        }
    }
}

/// The provider configurations a module call passes: those its `providers` argument names
/// (`{ aws = aws.tokyo, aws.west = aws }`), else every default (alias-less) one of the caller,
/// as Terraform's implicit inheritance does.
fn passed_providers<'m>(
    scope: &Scope<'m>,
    providers: Option<&'m Attr>,
    via: &str,
) -> HashMap<ProviderKey, ProviderConf<'m>> {
    let pass = |conf: &ProviderConf<'m>| {
        let mut conf = conf.clone();
        conf.via.push(via.to_string());
        conf
    };
    let Some(attr) = providers else {
        return scope
            .providers()
            .iter()
            .filter(|((_, alias), _)| alias.is_none())
            .map(|(key, conf)| (key.clone(), pass(conf)))
            .collect();
    };
    let mut out = HashMap::new();
    let Expr::Object(entries) = &attr.value else {
        return out;
    };
    for e in entries {
        let child_key = split_provider(&e.key);
        let from = match &e.value {
            Expr::Ref(path) => Some(path.join(".")),
            Expr::Lit(text) => Some(text.to_string()),
            _ => None,
        };
        let Some(from) = from else { continue };
        let (local, alias) = split_provider(&from);
        if let Some(conf) = scope.provider(&local, alias.as_deref()) {
            out.insert(child_key, pass(conf));
        }
    }
    out
}

/// `aws.west` → (`aws`, `west`); `aws` → (`aws`, none).
fn split_provider(text: &str) -> ProviderKey {
    match text.split_once('.') {
        Some((local, alias)) => (local.to_string(), Some(alias.to_string())),
        None => (text.to_string(), None),
    }
}

/// The local calls of a folder: `module` blocks with `./` or `../` sources, and a Terragrunt
/// file's `terraform { source }` with its inputs (merged with those of the files it includes).
fn calls_of<'m>(
    folder: &'m Folder,
    terragrunt: &HashMap<&str, &'m File>,
    errors: &mut Vec<Diag>,
) -> Vec<Call<'m>> {
    let mut calls = Vec::new();
    for file in &folder.files {
        match file.role {
            Role::Config => {
                for block in file.body.blocks("module") {
                    if let Some(call) = module_call(&folder.dir, file, block) {
                        calls.push(call);
                    }
                }
            }
            Role::Terragrunt => {
                if let Some(call) = terragrunt_call(file, terragrunt, errors) {
                    calls.push(call);
                }
            }
            Role::AutoVars | Role::VarFile => {}
        }
    }
    calls
}

fn module_call<'m>(dir: &str, file: &'m File, block: &'m Block) -> Option<Call<'m>> {
    let [name] = block.labels.as_slice() else {
        return None;
    };
    let source_attr = block.body.attr("source")?;
    let source = source_attr.value.as_lit()?;
    if !is_local(source) {
        return None;
    }
    Some(Call {
        kind: CallKind::Module,
        name,
        file,
        site: block.span,
        source,
        source_span: source_attr.span,
        target: join(dir, source),
        args: block
            .body
            .attrs
            .iter()
            .filter(|a| !META_ARGUMENTS.contains(&&*a.key))
            .collect(),
        providers: block.body.attr("providers"),
        repeated: block.body.attr("count").is_some() || block.body.attr("for_each").is_some(),
    })
}

/// A Terragrunt file with a local `terraform { source }`, its own or an included file's.
fn terragrunt_call<'m>(
    file: &'m File,
    terragrunt: &HashMap<&str, &'m File>,
    errors: &mut Vec<Diag>,
) -> Option<Call<'m>> {
    // This file, then the files it includes (nearest first): the first source wins, and a
    // child's inputs override its parents'.
    let mut chain: Vec<&'m File> = vec![file];
    let mut seen: HashSet<&str> = HashSet::from([&*file.src.path]);
    let mut i = 0;
    while i < chain.len() && chain.len() <= 8 {
        let current = chain[i];
        let current_dir = current.src.path.rsplit_once('/').map_or("", |(d, _)| d);
        for include in current.body.blocks("include") {
            let Some(path_attr) = include.body.attr("path") else {
                continue;
            };
            match include_target(current_dir, &path_attr.value, terragrunt) {
                Some(parent) if seen.insert(&*parent.src.path) => chain.push(parent),
                Some(_) => {}
                None if i == 0 => errors.push(
                    Diag::warning(
                        code::UNRESOLVED_MODULE,
                        "this include names no scanned Terragrunt file; its inputs are not read",
                    )
                    .in_file(current.src.clone())
                    .at(path_attr.span, "not found among the scanned files"),
                ),
                None => {}
            }
        }
        i += 1;
    }
    let (source_file, terraform, source_attr) = chain.iter().find_map(|f| {
        let block = f.body.blocks("terraform").next()?;
        let attr = block.body.attr("source")?;
        Some((*f, block, attr))
    })?;
    let source = source_attr.value.as_lit()?;
    if !is_local(source) {
        return None;
    }
    // Relative sources are relative to the file that says them.
    let source_dir = source_file.src.path.rsplit_once('/').map_or("", |(d, _)| d);
    let mut args: Vec<&'m Attr> = Vec::new();
    for f in chain.iter().rev() {
        if let Some(Attr {
            value: Expr::Object(entries),
            ..
        }) = f.body.attr("inputs")
        {
            for e in entries {
                args.retain(|a| a.key != e.key);
                args.push(e);
            }
        }
    }
    Some(Call {
        kind: CallKind::Terragrunt,
        name: "",
        file,
        site: if std::ptr::eq(source_file, file) {
            terraform.span
        } else {
            Span::empty(0)
        },
        source,
        source_span: if std::ptr::eq(source_file, file) {
            source_attr.span
        } else {
            Span::empty(0)
        },
        target: join(source_dir, &source.replace("//", "/")),
        args,
        providers: None,
        repeated: false,
    })
}

/// The file an `include { path = … }` names: `find_in_parent_folders("root.hcl")` (default
/// `terragrunt.hcl`) is the nearest such file in a folder above; a literal path is relative to
/// the including file.
fn include_target<'m>(
    dir: &str,
    path: &Expr,
    terragrunt: &HashMap<&str, &'m File>,
) -> Option<&'m File> {
    match path {
        Expr::Call(call) if call.name == "find_in_parent_folders" => {
            let wanted = match call.args.first() {
                Some(Expr::Lit(name)) => name.as_str(),
                Some(_) => return None,
                None => "terragrunt.hcl",
            };
            let mut current = dir;
            while !current.is_empty() {
                current = current.rsplit_once('/').map_or("", |(d, _)| d);
                let candidate = if current.is_empty() {
                    wanted.to_string()
                } else {
                    format!("{current}/{wanted}")
                };
                if let Some(f) = terragrunt.get(candidate.as_str()) {
                    return Some(f);
                }
            }
            None
        }
        Expr::Lit(text) => terragrunt.get(join(dir, text)?.as_str()).copied(),
        _ => None,
    }
}

/// `./x`, `../x`: a local module source (Terraform's rule: registry and remote sources do not
/// start with a dot).
pub(crate) fn is_local(source: &str) -> bool {
    source.starts_with("./") || source.starts_with("../") || source == "." || source == ".."
}

/// The folders a folder's files link to (module sources, Terragrunt sources and includes),
/// read from the text alone: for choosing which folders a run over some files needs, before
/// anything is parsed. A superset is harmless (more context), so any `source = "./…"` or
/// `"../…"` counts, and every Terragrunt file links to the folders above it.
pub(crate) fn linked_folders(path: &str, text: &str) -> Vec<String> {
    let dir = path.rsplit_once('/').map_or("", |(d, _)| d);
    let mut out = Vec::new();
    // Only the lines that start with `source` (or `"source"`, in JSON) matter: each occurrence of
    // the word is looked at, not each line (every `resource` holds one, but is passed over
    // after a look back to its line's start).
    let bytes = text.as_bytes();
    // Built once: a finder made per call was most of the cost of a short file's look.
    static SOURCE: std::sync::LazyLock<memchr::memmem::Finder<'static>> =
        std::sync::LazyLock::new(|| memchr::memmem::Finder::new("source"));
    for at in SOURCE.find_iter(bytes) {
        let line_start = memchr::memrchr(b'\n', &bytes[..at]).map_or(0, |n| n + 1);
        let rest = match text[line_start..at].trim_start() {
            "" => &text[at + "source".len()..],
            "\"" => match text[at + "source".len()..].strip_prefix('"') {
                Some(rest) => rest,
                None => continue,
            },
            _ => continue,
        };
        // As `str::lines`: a line ends at `\n`, and a `\r` before it is not part of it.
        let line = match memchr::memchr(b'\n', rest.as_bytes()) {
            Some(end) => rest[..end].strip_suffix('\r').unwrap_or(&rest[..end]),
            None => rest,
        };
        out.extend(link_target(dir, line));
    }
    if Role::of_path(path) == Role::Terragrunt {
        let mut current = dir;
        while !current.is_empty() {
            current = current.rsplit_once('/').map_or("", |(d, _)| d);
            out.push(current.to_string());
        }
    }
    out
}

/// The folder a `source` line of a file in `dir` links to, from the text after the word
/// (`= "../m"`, or `: "./m"` in JSON): a local path only.
fn link_target(dir: &str, after_source: &str) -> Option<String> {
    let rest = after_source.trim_start();
    let rest = rest.strip_prefix('=').or_else(|| rest.strip_prefix(':'))?;
    let value = rest.trim_start().strip_prefix('"')?;
    let value = value.split('"').next().unwrap_or_default();
    if is_local(value) {
        join(dir, &value.replace("//", "/"))
    } else {
        None
    }
}

/// Sets of folders that must be extracted together: those linked by calls, in either
/// direction (a pre-commit run naming a module's file needs the configurations calling it).
pub(crate) fn components<'a>(
    links: impl IntoIterator<Item = (&'a str, &'a str)>,
) -> Vec<Vec<String>> {
    let mut index: HashMap<&str, usize> = HashMap::new();
    let mut parent: Vec<usize> = Vec::new();
    fn find(parent: &mut [usize], mut i: usize) -> usize {
        while parent[i] != i {
            parent[i] = parent[parent[i]];
            i = parent[i];
        }
        i
    }
    let mut id = |s: &'a str, parent: &mut Vec<usize>| {
        *index.entry(s).or_insert_with(|| {
            parent.push(parent.len());
            parent.len() - 1
        })
    };
    let mut edges = Vec::new();
    for (a, b) in links {
        let (x, y) = (id(a, &mut parent), id(b, &mut parent));
        edges.push((x, y));
    }
    for (x, y) in edges {
        let (rx, ry) = (find(&mut parent, x), find(&mut parent, y));
        if rx != ry {
            parent[rx] = ry;
        }
    }
    let mut groups: HashMap<usize, Vec<String>> = HashMap::new();
    let names: Vec<(&str, usize)> = index.iter().map(|(k, v)| (*k, *v)).collect();
    for (name, i) in names {
        let r = find(&mut parent, i);
        groups.entry(r).or_default().push(name.to_string());
    }
    let mut out: Vec<Vec<String>> = groups
        .into_values()
        .map(|mut g| {
            g.sort();
            g
        })
        .collect();
    out.sort();
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn joins_stay_inside_the_repository() {
        assert_eq!(
            join("live/analytics", "../../modules/gcs").as_deref(),
            Some("modules/gcs")
        );
        assert_eq!(join("", "./modules/x").as_deref(), Some("modules/x"));
        assert_eq!(join("a", "../..").as_deref(), None);
        assert_eq!(join("a", "./b?ref=v1").as_deref(), Some("a/b"));
    }

    #[test]
    fn links_are_read_from_text() {
        let text = "module \"m\" {\n  source = \"../../modules/gcs\"\n}\nmodule \"r\" {\n  source = \"terraform-aws-modules/vpc/aws\"\n}\n";
        assert_eq!(linked_folders("live/a/main.tf", text), ["modules/gcs"]);
        let json = "{\"module\": {\"m\": {\n  \"source\": \"./sub\"\n}}}";
        assert_eq!(linked_folders("x/main.tf.json", json), ["x/sub"]);
        let tg = "terraform {\n  source = \"../../modules//gcs\"\n}\n";
        assert_eq!(
            linked_folders("tg/prod/terragrunt.hcl", tg),
            ["modules/gcs", "tg", ""]
        );
    }

    /// The reading of every line `linked_folders` did before it looked only at each occurrence
    /// of the word: what each approach must find the same lines by.
    fn linked_by_lines(path: &str, text: &str) -> Vec<String> {
        let dir = path.rsplit_once('/').map_or("", |(d, _)| d);
        let mut out = Vec::new();
        for line in text.lines() {
            let line = line.trim_start();
            if let Some(rest) = line
                .strip_prefix("source")
                .or_else(|| line.strip_prefix("\"source\""))
            {
                out.extend(link_target(dir, rest));
            }
        }
        out
    }

    #[test]
    fn links_read_at_each_word_keep_the_line_rules() {
        for text in [
            "source = \"./a\r",
            "source = \"./a\"\r\nsource = \"./b\"\r\n",
            "resource \"x\" \"y\" {\n  source = \"./c\" # source = \"./d\"\n}\n",
            "\u{a0}source: \"../e\"",
            "  \"source\" : \"./f\"\n  \"sources\": \"./g\"",
        ] {
            assert_eq!(
                linked_folders("p/q/main.tf", text),
                linked_by_lines("p/q/main.tf", text),
                "{text:?}"
            );
        }
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(2000))]
        #[test]
        fn links_read_at_each_word_equal_links_read_line_by_line(
            text in "(source|\"source\"|resource|sources| |\t|\u{a0}|=|:|\"|\\./a|\\.\\./b|//|\r|\n|x){0,40}"
        ) {
            proptest::prop_assert_eq!(linked_folders("p/q/main.tf", &text), linked_by_lines("p/q/main.tf", &text));
        }
    }

    #[test]
    fn components_join_callers_and_callees() {
        let groups = components([("a", "m"), ("b", "m"), ("c", "n")]);
        assert_eq!(groups, [vec!["a", "b", "m"], vec!["c", "n"]]);
    }
}
