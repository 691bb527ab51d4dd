//! Terraform: HCL modules (per directory, with variables, tfvars and locals), `.tf.json`, and
//! plan JSON (`terraform show -json`).
//!
//! HCL and `.tf.json` are lowered into one small model ([`model`]); values resolve against the
//! module ([`resolve`]); deployments come out of [`extract`]. Plan JSON has its own reader
//! ([`plan`]) since Terraform has already evaluated its values.

mod extract;
mod hcl;
mod model;
mod plan;
mod region;
mod resolve;
mod tfjson;

use std::sync::Arc;

use super::{Ctx, Extraction, parse_error};
use crate::parse::tree::Node;
use crate::source::SourceFile;
use model::{File, Role};

/// The `.tf` and `.tfvars` files of one directory.
pub fn extract_module(files: &[Arc<SourceFile>], ctx: Ctx<'_>) -> Extraction {
    extract_module_with_json(files, &[], ctx)
}

/// The `.tf`, `.tfvars` and already parsed `.tf.json` and `.tfvars.json` files of one
/// directory, resolved together (a variable declared in JSON and used in HCL, or the reverse).
pub fn extract_module_with_json(
    files: &[Arc<SourceFile>],
    json: &[(Arc<SourceFile>, &Node)],
    ctx: Ctx<'_>,
) -> Extraction {
    let mut out = Extraction::default();
    let mut parsed = Vec::new();
    for file in files {
        match parse_file(file) {
            Ok(f) => parsed.push(f),
            Err(diag) => out.errors.push(*diag),
        }
    }
    for (file, root) in json {
        let role = Role::of_path(&file.path);
        let body = match role {
            Role::Config => tfjson::lower_root(root),
            Role::AutoVars | Role::VarFile => tfjson::lower_vars(root),
        };
        parsed.push(File {
            src: file.clone(),
            role,
            body,
        });
    }
    let scope = resolve::Scope::new(&parsed);
    out.deployments = extract::deployments(&scope, ctx);
    out
}

fn parse_file(file: &Arc<SourceFile>) -> Result<File, Box<crate::diag::Diag>> {
    // A panic inside the parser must not take the module's other files with it.
    let parsed = std::panic::catch_unwind(|| crate::parse::hcl::parse(&file.text));
    match parsed {
        Ok(Ok(body)) => Ok(File {
            src: file.clone(),
            role: Role::of_path(&file.path),
            body: hcl::lower_body(&body),
        }),
        Ok(Err(e)) => Err(Box::new(parse_error(file, e.span, e.message))),
        Err(_) => Err(Box::new(parse_error(
            file,
            crate::source::Span::empty(0),
            "the HCL parser failed on this file (an internal error; please report it)",
        ))),
    }
}

/// A `.tf.json` file, already parsed.
pub fn extract_tf_json(file: &Arc<SourceFile>, root: &Node, ctx: Ctx<'_>) -> Extraction {
    extract_module_with_json(&[], &[(file.clone(), root)], ctx)
}

/// A plan JSON document, already parsed.
pub fn extract_plan(file: &Arc<SourceFile>, root: &Node, ctx: Ctx<'_>) -> Extraction {
    Extraction {
        deployments: plan::deployments(file, root, ctx),
        errors: Vec::new(),
    }
}

#[cfg(test)]
mod tests;
