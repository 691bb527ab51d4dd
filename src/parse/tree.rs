//! The one tree that YAML and JSON files are parsed into, with a byte span on every node, so
//! extractors for Kubernetes, CloudFormation, ARM, Pulumi, … do not care which syntax a file
//! used.

use crate::source::Span;

/// A string of a tree: up to 24 bytes held inline (most keys and scalars: no allocation to make
/// and free), longer ones on the heap, in the 24 bytes a `String` takes.
pub type Str = compact_str::CompactString;

#[derive(Debug, Clone, PartialEq)]
pub struct Node {
    pub span: Span,
    pub value: Value,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Null,
    Bool(bool),
    /// A number as written (`10`, `1.5e3`).
    Number(Str),
    /// A [`Str`], not `String`: a node is 48 bytes (the assertion below), not 56 or more; trees
    /// of large files are held while their deployments are made (docs/performance.md,
    /// "Memory").
    String(Str),
    Seq(Vec<Node>),
    /// Entries in document order; keys are nodes so their spans are kept.
    Map(Vec<(Node, Node)>),
    /// A YAML tag on a node (`!Ref Foo`, `!Sub "…"`): the tag without `!`, and the tagged node.
    Tagged(Box<str>, Box<Node>),
}

impl Node {
    pub(crate) fn new(span: Span, value: Value) -> Self {
        Self { span, value }
    }

    /// The string value; for a tagged node, its inner string.
    pub(crate) fn as_str(&self) -> Option<&str> {
        match &self.value {
            Value::String(s) => Some(s),
            Value::Tagged(_, inner) => inner.as_str(),
            _ => None,
        }
    }

    /// A scalar as text (strings, numbers, booleans).
    pub(crate) fn scalar_text(&self) -> Option<String> {
        match &self.value {
            Value::String(s) | Value::Number(s) => Some(s.to_string()),
            Value::Bool(b) => Some(b.to_string()),
            Value::Tagged(_, inner) => inner.scalar_text(),
            _ => None,
        }
    }

    pub(crate) fn as_map(&self) -> Option<&[(Node, Node)]> {
        match &self.value {
            Value::Map(m) => Some(m),
            Value::Tagged(_, inner) => inner.as_map(),
            _ => None,
        }
    }

    pub(crate) fn as_seq(&self) -> Option<&[Node]> {
        match &self.value {
            Value::Seq(s) => Some(s),
            Value::Tagged(_, inner) => inner.as_seq(),
            _ => None,
        }
    }

    /// The value of `key` in a map (the last one when a key repeats, as JSON parsers do).
    pub(crate) fn get(&self, key: &str) -> Option<&Node> {
        self.entry(key).map(|(_, v)| v)
    }

    /// The key and value nodes of `key` in a map.
    pub(crate) fn entry(&self, key: &str) -> Option<(&Node, &Node)> {
        self.as_map()?
            .iter()
            .rev()
            .find(|(k, _)| k.as_str() == Some(key))
            .map(|(k, v)| (k, v))
    }

    /// Follows a path of map keys.
    pub(crate) fn path(&self, keys: &[&str]) -> Option<&Node> {
        keys.iter().try_fold(self, |node, key| node.get(key))
    }

    /// The string at a path of map keys.
    pub(crate) fn str_at(&self, keys: &[&str]) -> Option<&str> {
        self.path(keys)?.as_str()
    }

    /// Every node of the tree, depth first, keys included.
    pub fn walk(&self, f: &mut dyn FnMut(&Node)) {
        f(self);
        match &self.value {
            Value::Seq(items) => items.iter().for_each(|n| n.walk(f)),
            Value::Map(entries) => entries.iter().for_each(|(k, v)| {
                k.walk(f);
                v.walk(f);
            }),
            Value::Tagged(_, inner) => inner.walk(f),
            _ => {}
        }
    }
}

// A node's size is what a large file's tree costs per value: a change is a conscious one.
const _: () = assert!(std::mem::size_of::<Node>() == 48);

/// A syntax error in a YAML or JSON file, at the parser's position.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyntaxError {
    pub message: String,
    pub span: Span,
}
