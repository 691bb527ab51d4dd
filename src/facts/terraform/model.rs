//! The slice of Terraform cloudpact reads, in one shape whether it came from HCL (built by the
//! parser, `crate::parse::hcl::tree`) or `.tf.json` (lowered by [`super::tfjson`]), so that
//! resolution and extraction are written once; and the files and roles of a module.

use std::sync::Arc;

use crate::parse::tree::Str;
use crate::source::SourceFile;

pub use crate::parse::hcl::tree::{Attr, Block, Body, Expr};

/// What a file is to its module.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// `.tf` or `.tf.json`: configuration.
    Config,
    /// `terraform.tfvars`, `*.auto.tfvars` and their `.json` forms: loaded by Terraform on every
    /// run.
    AutoVars,
    /// Any other `*.tfvars` or `*.tfvars.json`: loaded only when named with `-var-file`.
    VarFile,
    /// `terragrunt.hcl` or `root.hcl`: Terragrunt's configuration (a module source, inputs,
    /// includes), not Terraform's.
    Terragrunt,
}

impl Role {
    pub(crate) fn of_path(path: &str) -> Role {
        let name = path.rsplit('/').next().unwrap_or(path);
        if name.ends_with(".hcl") {
            return Role::Terragrunt;
        }
        let vars = name.strip_suffix(".json").unwrap_or(name);
        if !vars.ends_with(".tfvars") {
            Role::Config
        } else if vars == "terraform.tfvars" || vars.ends_with(".auto.tfvars") {
            Role::AutoVars
        } else {
            Role::VarFile
        }
    }

    /// Where an auto-loaded file stands in Terraform's order (later wins): `terraform.tfvars`,
    /// `terraform.tfvars.json`, then `*.auto.tfvars` and `*.auto.tfvars.json` together in
    /// lexical order of their names.
    pub(crate) fn auto_vars_rank(path: &str) -> (u8, &str) {
        let name = path.rsplit('/').next().unwrap_or(path);
        match name {
            "terraform.tfvars" => (0, name),
            "terraform.tfvars.json" => (1, name),
            _ => (2, name),
        }
    }
}

/// One parsed file of a module.
#[derive(Debug)]
pub struct File {
    pub src: Arc<SourceFile>,
    pub role: Role,
    pub body: Body,
}

impl Expr {
    /// Whether the value is one cloudpact does not evaluate.
    pub(crate) fn is_opaque(&self) -> bool {
        matches!(self, Expr::Other | Expr::Call(..))
    }

    /// The literal text, if the value is a literal.
    pub(crate) fn as_lit(&self) -> Option<&str> {
        match self {
            Expr::Lit(s) => Some(s),
            _ => None,
        }
    }

    /// Parses a reference written as text: `var.x`, `aws.west`, `${var.x}`. Anything with
    /// indexes, calls or extra text is not a plain reference.
    pub(crate) fn ref_from_text(text: &str) -> Option<Vec<Str>> {
        let inner = text.trim();
        let inner = match inner.strip_prefix("${") {
            Some(rest) => rest.strip_suffix('}')?.trim(),
            None => inner,
        };
        let parts: Vec<Str> = inner.split('.').map(Str::from).collect();
        let ident = |p: &Str| {
            !p.is_empty()
                && p.chars()
                    .next()
                    .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
                && p.chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
        };
        parts.iter().all(ident).then_some(parts)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_follow_terraform_loading_rules() {
        assert_eq!(Role::of_path("a/main.tf"), Role::Config);
        assert_eq!(Role::of_path("a/terraform.tfvars"), Role::AutoVars);
        assert_eq!(Role::of_path("a/eu.auto.tfvars"), Role::AutoVars);
        assert_eq!(Role::of_path("a/prod.tfvars"), Role::VarFile);
        assert_eq!(Role::of_path("a/terraform.tfvars.json"), Role::AutoVars);
        assert_eq!(Role::of_path("a/eu.auto.tfvars.json"), Role::AutoVars);
        assert_eq!(Role::of_path("a/prod.tfvars.json"), Role::VarFile);
        assert_eq!(Role::of_path("a/main.tf.json"), Role::Config);
        assert_eq!(Role::of_path("a/package.json"), Role::Config);
        assert_eq!(Role::of_path("a/terragrunt.hcl"), Role::Terragrunt);
    }

    #[test]
    fn references_in_text() {
        assert_eq!(
            Expr::ref_from_text("${var.region}"),
            Some(vec!["var".into(), "region".into()])
        );
        assert_eq!(
            Expr::ref_from_text("aws.west"),
            Some(vec!["aws".into(), "west".into()])
        );
        assert_eq!(Expr::ref_from_text("${var.x}-suffix"), None);
        assert_eq!(Expr::ref_from_text("${var.list[0]}"), None);
        assert_eq!(Expr::ref_from_text("eu-west-1 a"), None);
    }
}
