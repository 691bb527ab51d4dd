//! JSON through jsonc-parser into [`super::tree::Node`], with byte spans.
