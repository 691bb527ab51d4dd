//! Terraform: HCL modules (per directory, with variables, tfvars and locals), `.tf.json`, and
//! plan JSON (`terraform show -json`).
//!
//! HCL and `.tf.json` are lowered into one small model ([`model`]); values resolve against the
//! module ([`resolve`]); deployments come out of [`extract`]. Plan JSON has its own reader
//! ([`plan`]) since Terraform has already evaluated its values.

mod extract;
pub mod graph;
mod join;
mod model;
mod plan;
mod region;
mod resolve;
mod tfjson;

use std::collections::HashMap;
use std::sync::Arc;

use rayon::prelude::*;

use super::{Ctx, Extraction, parse_error};
use crate::diag::Diag;
use crate::discover::{Input, Syntax};
use crate::parse::tree::Node;
use crate::source::SourceFile;
pub(crate) use join::join_plans;
use model::{File, Role};

/// The Terraform files of one folder (`.tf`, `.tfvars`, `.tf.json`, `.tfvars.json`, Terragrunt
/// `.hcl`), parsed.
#[derive(Debug)]
pub struct Folder {
    /// Repository-relative (`""` for the root).
    pub dir: Arc<str>,
    files: Vec<File>,
    errors: Vec<Diag>,
}

impl Folder {
    /// Parses the files of one folder; a file that does not parse becomes a parse error and
    /// the others are still read.
    pub(crate) fn parse(dir: Arc<str>, inputs: &[Input]) -> Folder {
        let mut files = Vec::with_capacity(inputs.len());
        let mut errors = Vec::new();
        for input in inputs {
            let parsed = if input.syntax == Syntax::Json {
                crate::facts::json::parse_file(&input.file)
                    .map(|root| lower_json(&input.file, &root))
                    .map_err(|e| Box::new(parse_error(&input.file, e.span, e.message)))
            } else {
                parse_file(&input.file)
            };
            match parsed {
                Ok(f) => files.push(f),
                Err(diag) => errors.push(*diag),
            }
        }
        Folder { dir, files, errors }
    }
}

/// Extracts the deployments of parsed folders: each root folder once, and each module
/// instance its calls make ([`graph`]). Roots are evaluated in parallel.
pub(crate) fn extract_folders(folders: &[Folder], ctx: Ctx<'_>) -> Extraction {
    let graph = graph::Graph::new(folders, ctx);
    let files: HashMap<&str, &File> = folders
        .iter()
        .flat_map(|f| f.files.iter())
        .map(|f| (&*f.src.path, f))
        .collect();
    let parts: Vec<Extraction> = graph
        .roots()
        .into_par_iter()
        .map(|root| {
            let named = ctx
                .var_files
                .get(&*folders[root].dir)
                .map(|list| {
                    list.iter()
                        .filter_map(|p| files.get(p.as_str()).copied())
                        .collect()
                })
                .unwrap_or_default();
            graph.evaluate(root, named)
        })
        .collect();
    let mut out = Extraction::default();
    for f in folders {
        out.errors.extend(f.errors.iter().cloned());
    }
    out.errors.extend(graph.errors().iter().cloned());
    for part in parts {
        out.extend(part);
    }
    out
}

/// The `.tf` and `.tfvars` files of one directory.
pub fn extract_module(files: &[Arc<SourceFile>], ctx: Ctx<'_>) -> Extraction {
    let inputs: Vec<Input> = files
        .iter()
        .map(|f| Input {
            file: f.clone(),
            syntax: Syntax::Hcl,
        })
        .collect();
    let dir = files
        .first()
        .and_then(|f| f.path.rsplit_once('/'))
        .map_or("", |(d, _)| d);
    extract_folders(&[Folder::parse(dir.into(), &inputs)], ctx)
}

/// A `.tf.json` or `.tfvars.json` document, lowered.
fn lower_json(file: &Arc<SourceFile>, root: &Node) -> File {
    let role = Role::of_path(&file.path);
    let body = match role {
        Role::Config | Role::Terragrunt => tfjson::lower_root(root),
        Role::AutoVars | Role::VarFile => tfjson::lower_vars(root),
    };
    File {
        src: file.clone(),
        role,
        body,
    }
}

fn parse_file(file: &Arc<SourceFile>) -> Result<File, Box<crate::diag::Diag>> {
    // A panic inside the parser must not take the module's other files with it.
    let parsed = std::panic::catch_unwind(|| crate::parse::hcl::parse(&file.text()));
    match parsed {
        Ok(Ok(body)) => Ok(File {
            src: file.clone(),
            role: Role::of_path(&file.path),
            body,
        }),
        Ok(Err(e)) => Err(Box::new(parse_error(file, e.span, e.message))),
        Err(_) => Err(Box::new(parse_error(
            file,
            crate::source::Span::empty(0),
            "the HCL parser failed on this file (an internal error; please report it)",
        ))),
    }
}

/// A `.tf.json` file read on its own, already parsed.
pub(crate) fn extract_tf_json(file: &Arc<SourceFile>, root: &Node, ctx: Ctx<'_>) -> Extraction {
    let dir = file.path.rsplit_once('/').map_or("", |(d, _)| d);
    let folder = Folder {
        dir: dir.into(),
        files: vec![lower_json(file, root)],
        errors: Vec::new(),
    };
    extract_folders(&[folder], ctx)
}

/// A plan JSON document, already parsed.
pub(crate) fn extract_plan(file: &Arc<SourceFile>, root: &Node, ctx: Ctx<'_>) -> Extraction {
    Extraction {
        deployments: plan::deployments(file, root, ctx),
        errors: Vec::new(),
    }
}

#[cfg(test)]
mod tests;
