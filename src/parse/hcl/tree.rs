//! The slice of Terraform cloudpact reads: the HCL parser of this folder builds it directly, and
//! `.tf.json` files are lowered into the same shape (`facts::terraform::tfjson`), so resolution
//! and extraction are written once.

use crate::parse::tree::Str;
use crate::source::Span;

/// A value as far as cloudpact evaluates it statically.
#[derive(Debug, Clone, PartialEq)]
pub enum Expr {
    /// A literal scalar as text (strings, numbers, booleans).
    Lit(Str),
    /// A whole-value reference: `var.x`, `local.y`, `azurerm_resource_group.rg.location`,
    /// `aws.west` (the `provider` meta-argument), `"${var.x}"`.
    Ref(Vec<Str>),
    Object(Vec<Attr>),
    List(Vec<Expr>),
    Null,
    /// A function call, by name, with its arguments: not evaluated, but Terragrunt's
    /// `find_in_parent_folders("root.hcl")` is read for what it names. Boxed: calls are rare,
    /// and their two fields would make every value 56 bytes instead of 32.
    Call(Box<Call>),
    /// Anything else not evaluated: conditionals, templates mixing text and values.
    Other,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Call {
    pub name: String,
    pub args: Vec<Expr>,
}

/// `key = value`, or one entry of an object. A large file's model is held whole while its
/// deployments are made, so its parts are kept small (docs/performance.md, "Memory").
#[derive(Debug, Clone, PartialEq)]
pub struct Attr {
    pub key: Str,
    /// The whole attribute (`key = value`), in the file that holds it.
    pub span: Span,
    pub value: Expr,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Block {
    pub ident: Str,
    pub labels: Vec<Str>,
    /// From the block's ident (or, in JSON, its name key) to its end.
    pub span: Span,
    pub body: Body,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct Body {
    pub attrs: Vec<Attr>,
    pub blocks: Vec<Block>,
}

impl Body {
    /// The last attribute named `key` (Terraform rejects duplicates; the last one is as good as
    /// any on a file that would not apply).
    pub(crate) fn attr(&self, key: &str) -> Option<&Attr> {
        self.attrs.iter().rev().find(|a| &*a.key == key)
    }

    pub(crate) fn blocks<'a>(&'a self, ident: &'a str) -> impl Iterator<Item = &'a Block> + 'a {
        self.blocks.iter().filter(move |b| &*b.ident == ident)
    }
}
