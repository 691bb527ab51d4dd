//! Extraction units: the files whose deployments must be extracted together because one file's
//! values decide another's (docs/architecture.md, "Units and context").
//!
//! - A Terraform configuration: every `.tf`, `.tofu`, `.tfvars`, `.tf.json` and `.tfvars.json`
//!   of one folder (they share variables, locals and provider blocks).
//! - A Pulumi project: `Pulumi.yaml` and the `Pulumi.<stack>.yaml` files beside it (stack
//!   configuration sets the region of the project's resources).
//! - A JSON file with the ARM parameter files named after it (`X.json`, `X.parameters.json`,
//!   `X.parameters.prod.json`): parameter files set the template's parameters.
//! - Every Bicep file of the repository (`.bicep` and `.bicepparam`): a `.bicepparam` file
//!   names its template with `using`, and a `module` its file, by relative paths that may
//!   lead to any folder; only the content says which, so the unit is all of them.
//! - Any other file on its own.
//!
//! A Terraform plan or state JSON (`terraform show -json`) belongs to the Terraform
//! configuration of its folder: its values are joined to the declarations they were planned
//! from (`facts::terraform::join_plans`). Only the text says a JSON file is a plan
//! ([`is_plan_text`]), so that key is [`UnitKey::of_input`]'s, and a selection reads the JSON
//! files of a configuration's folder to know it (`workspace::Workspace::candidate_key`).
//!
//! `check`, pre-commit runs of `check FILE…` and the language server all group files with
//! [`UnitKey::of_input`], so a file is always evaluated with the same context.

use std::sync::Arc;

use crate::discover::{Input, Syntax};

/// Which unit a file belongs to.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum UnitKey {
    /// The folder of a Terraform configuration (`""` for the repository root).
    Terraform(Arc<str>),
    /// The folder of a Pulumi project.
    Pulumi(Arc<str>),
    /// A JSON file (the path of `X.json`) and its ARM parameter files `X.parameters*.json`.
    /// Every JSON file that is not Terraform's is keyed so, since only its content says whether
    /// `X.json` is an ARM template; the unit of a file without parameter files is that file.
    Arm(Arc<str>),
    /// Every Bicep file of the repository (the key is always `""`): parameter files and modules
    /// reach their templates by relative paths, which only the content gives.
    Bicep(Arc<str>),
    /// One file.
    File(Arc<str>),
}

impl UnitKey {
    /// The unit of a repository-relative path read as `syntax`.
    pub(crate) fn of(path: &str, syntax: Syntax) -> UnitKey {
        let (dir, name) = path.rsplit_once('/').unwrap_or(("", path));
        match syntax {
            Syntax::Hcl | Syntax::Tfvars => UnitKey::Terraform(dir.into()),
            Syntax::Json if is_tf_json(name) || is_tfvars_json(name) => {
                UnitKey::Terraform(dir.into())
            }
            // By name, not by content: a `.template` file read as JSON keeps the key its name
            // gives (`File`), so the editor, which knows only the name, groups it the same way.
            Syntax::Json if name.to_ascii_lowercase().ends_with(".json") => {
                match crate::facts::arm::template_of_parameter_file(name) {
                    Some(template) if dir.is_empty() => UnitKey::Arm(template.into()),
                    Some(template) => UnitKey::Arm(format!("{dir}/{template}").into()),
                    None => UnitKey::Arm(path.into()),
                }
            }
            Syntax::Yaml if is_pulumi_file(name) => UnitKey::Pulumi(dir.into()),
            Syntax::Bicep => UnitKey::Bicep("".into()),
            _ => UnitKey::File(path.into()),
        }
    }

    /// Whether [`UnitKey::of`] is a Terraform unit, without making the key (the batch split
    /// asks of every file of a large repository).
    pub(crate) fn is_terraform(path: &str, syntax: Syntax) -> bool {
        let name = path.rsplit_once('/').map_or(path, |(_, n)| n);
        match syntax {
            Syntax::Hcl | Syntax::Tfvars => true,
            Syntax::Json => is_tf_json(name) || is_tfvars_json(name),
            _ => false,
        }
    }

    /// The unit of a file with its text: [`UnitKey::of`], except that a JSON file whose text is
    /// a Terraform plan or state ([`is_plan_text`]) joins its folder's Terraform configuration.
    pub(crate) fn of_input(path: &str, syntax: Syntax, text: &str) -> UnitKey {
        let key = UnitKey::of(path, syntax);
        if key.may_be_plan(path) && is_plan_text(text) {
            let dir = path.rsplit_once('/').map_or("", |(d, _)| d);
            return UnitKey::Terraform(dir.into());
        }
        key
    }

    /// Whether the file at `path`, keyed so by name, is a JSON file of its own (neither
    /// Terraform's JSON syntax nor an ARM parameter file) that its text may make a plan.
    pub(crate) fn may_be_plan(&self, path: &str) -> bool {
        matches!(self, UnitKey::Arm(own) if **own == *path)
    }

    /// Whether the unit spans the files of its folder (the folder must be listed to know it).
    pub(crate) fn is_folder(&self) -> bool {
        !matches!(self, UnitKey::File(_))
    }

    /// Where the other files of the unit of a file in `dir` are: that folder's own files
    /// (`(dir, true)`: listed shallow), or for Bicep the whole repository (`("", false)`).
    pub(crate) fn context_dir<'a>(&self, dir: &'a str) -> (&'a str, bool) {
        match self {
            UnitKey::Bicep(_) => ("", false),
            _ => (dir, true),
        }
    }
}

/// `main.tf.json`, `override.tofu.json`: Terraform's JSON syntax.
pub(crate) fn is_tf_json(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    lower.ends_with(".tf.json") || lower.ends_with(".tofu.json")
}

/// `terraform.tfvars.json`, `prod.auto.tfvars.json`: variable values in JSON.
pub(crate) fn is_tfvars_json(name: &str) -> bool {
    name.to_ascii_lowercase().ends_with(".tfvars.json")
}

/// Whether a JSON file's text is a Terraform plan or state as `terraform show -json` writes
/// it: it names `format_version` and one of `planned_values`, `resource_changes` and
/// `root_module` (`facts::json::recognise` decides the format once parsed; this is the same
/// test on the text, so a file is grouped before it is parsed, and grouped alike by every
/// caller).
pub(crate) fn is_plan_text(text: &str) -> bool {
    // Every JSON file is searched: with memchr's vectorised finder, built once.
    static FORMAT_VERSION: std::sync::LazyLock<memchr::memmem::Finder<'static>> =
        std::sync::LazyLock::new(|| memchr::memmem::Finder::new("\"format_version\""));
    text.trim_start().starts_with('{')
        && FORMAT_VERSION.find(text.as_bytes()).is_some()
        && (text.contains("\"planned_values\"")
            || text.contains("\"resource_changes\"")
            || text.contains("\"root_module\""))
}

/// Whether an input is a plan that joins a Terraform configuration ([`UnitKey::of_input`]).
pub(crate) fn is_plan_input(input: &Input) -> bool {
    UnitKey::of(&input.file.path, input.syntax).may_be_plan(&input.file.path)
        && is_plan_text(&input.file.text())
}

/// `Pulumi.yaml` or a stack file `Pulumi.<stack>.yaml`.
pub(crate) fn is_pulumi_file(name: &str) -> bool {
    name.starts_with("Pulumi.") && (name.ends_with(".yaml") || name.ends_with(".yml"))
}

/// Groups inputs into units, in the order of their keys, each unit's files sorted by path.
pub(crate) fn group(inputs: Vec<Input>) -> Vec<(UnitKey, Vec<Input>)> {
    use rayon::prelude::*;
    // On the worker threads, the keys (a JSON file's is found by searching its whole text) and
    // their order: grouped in a map on the main thread, a batch's files kept the other
    // threads waiting.
    let mut keyed: Vec<(UnitKey, Input)> = inputs
        .into_par_iter()
        .map(|input| {
            let key = UnitKey::of_input(&input.file.path, input.syntax, &input.file.text());
            (key, input)
        })
        .collect();
    keyed.par_sort_by(|a, b| (&a.0, &a.1.file.path).cmp(&(&b.0, &b.1.file.path)));
    let mut units: Vec<(UnitKey, Vec<Input>)> = Vec::new();
    for (key, input) in keyed {
        match units.last_mut() {
            Some((last, files)) if *last == key => files.push(input),
            _ => units.push((key, vec![input])),
        }
    }
    units
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn is_terraform_answers_as_the_key_does() {
        let files = [
            ("infra/main.tf", Syntax::Hcl),
            ("terragrunt.hcl", Syntax::Hcl),
            ("infra/prod.tfvars", Syntax::Tfvars),
            ("infra/extra.TF.json", Syntax::Json),
            ("infra/terraform.tfvars.json", Syntax::Json),
            ("infra/plan.json", Syntax::Json),
            ("azuredeploy.parameters.json", Syntax::Json),
            ("main.bicep", Syntax::Bicep),
            ("Pulumi.yaml", Syntax::Yaml),
            ("k8s/app.yaml", Syntax::Yaml),
            ("tf.json", Syntax::Yaml),
        ];
        for (path, syntax) in files {
            assert_eq!(
                UnitKey::is_terraform(path, syntax),
                matches!(UnitKey::of(path, syntax), UnitKey::Terraform(_)),
                "{path}"
            );
        }
        assert!(UnitKey::is_terraform("a/b.tf.json", Syntax::Json));
        assert!(!UnitKey::is_terraform("a/b.json", Syntax::Json));
    }

    #[test]
    fn terraform_files_share_their_folder_unit_json_included() {
        let tf = UnitKey::of("infra/main.tf", Syntax::Hcl);
        assert_eq!(tf, UnitKey::of("infra/prod.tfvars", Syntax::Tfvars));
        assert_eq!(tf, UnitKey::of("infra/extra.tf.json", Syntax::Json));
        assert_eq!(tf, UnitKey::of("infra/terraform.tfvars.json", Syntax::Json));
        assert_eq!(tf, UnitKey::of("infra/prod.auto.tfvars.json", Syntax::Json));
        assert_ne!(tf, UnitKey::of("infra/sub/main.tf", Syntax::Hcl));
        assert_eq!(
            UnitKey::of("main.tf", Syntax::Hcl),
            UnitKey::Terraform("".into())
        );
        assert_eq!(
            UnitKey::of("infra/plan.json", Syntax::Json),
            UnitKey::Arm("infra/plan.json".into())
        );
    }

    #[test]
    fn a_plan_joins_its_folders_configuration_by_its_text() {
        let plan =
            r#"{"format_version": "1.2", "terraform_version": "1.9.5", "planned_values": {}}"#;
        assert_eq!(
            UnitKey::of_input("envs/prod/plan.json", Syntax::Json, plan),
            UnitKey::of("envs/prod/main.tf", Syntax::Hcl)
        );
        // Any other JSON file keeps its key; so do Terraform's own JSON files and ARM
        // parameter files, whatever their text.
        assert_eq!(
            UnitKey::of_input("envs/prod/app.json", Syntax::Json, r#"{"Resources": {}}"#),
            UnitKey::Arm("envs/prod/app.json".into())
        );
        assert_eq!(
            UnitKey::of_input("a/x.parameters.json", Syntax::Json, plan),
            UnitKey::Arm("a/x.json".into())
        );
        assert_eq!(
            UnitKey::of_input("a/main.tf.json", Syntax::Json, plan),
            UnitKey::Terraform("a".into())
        );
        assert!(!is_plan_text(r#"{"format_version": "1.0"}"#));
        assert!(!is_plan_text(r#"["format_version", "planned_values"]"#));
        assert!(is_plan_text(
            "\n{\n  \"format_version\": \"1.0\",\n  \"values\": {\"root_module\": {}}\n}"
        ));
    }

    #[test]
    fn arm_templates_hold_their_parameter_files() {
        let t = UnitKey::of("arm/storage.json", Syntax::Json);
        assert_eq!(t, UnitKey::Arm("arm/storage.json".into()));
        assert_eq!(t, UnitKey::of("arm/storage.parameters.json", Syntax::Json));
        assert_eq!(
            t,
            UnitKey::of("arm/storage.parameters.prod.json", Syntax::Json)
        );
        assert_ne!(t, UnitKey::of("arm/other.parameters.json", Syntax::Json));
        assert_eq!(
            UnitKey::of("azuredeploy.parameters.json", Syntax::Json),
            UnitKey::Arm("azuredeploy.json".into())
        );
        assert!(t.is_folder());
    }

    #[test]
    fn a_template_file_keeps_its_own_key_whatever_its_content() {
        let by_name = UnitKey::of("cfn/app.template", Syntax::CfnTemplate);
        assert_eq!(by_name, UnitKey::File("cfn/app.template".into()));
        // `read_all` reads it as JSON when it starts with `{`.
        assert_eq!(UnitKey::of("cfn/app.template", Syntax::Json), by_name);
    }

    #[test]
    fn bicep_files_are_one_unit_listed_from_the_root() {
        let b = UnitKey::of("infra/main.bicep", Syntax::Bicep);
        assert_eq!(b, UnitKey::of("infra/main.bicepparam", Syntax::Bicep));
        assert_eq!(b, UnitKey::of("other/modules/st.bicep", Syntax::Bicep));
        assert!(b.is_folder());
        assert_eq!(b.context_dir("infra"), ("", false));
        let t = UnitKey::of("infra/main.tf", Syntax::Hcl);
        assert_eq!(t.context_dir("infra"), ("infra", true));
    }

    #[test]
    fn pulumi_projects_hold_their_stack_files() {
        let p = UnitKey::of("app/Pulumi.yaml", Syntax::Yaml);
        assert_eq!(p, UnitKey::of("app/Pulumi.prod.yaml", Syntax::Yaml));
        assert_ne!(p, UnitKey::of("app/deploy.yaml", Syntax::Yaml));
        assert!(p.is_folder());
        assert!(!UnitKey::of("k8s/a.yaml", Syntax::Yaml).is_folder());
    }
}
