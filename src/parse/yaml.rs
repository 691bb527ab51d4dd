//! YAML through saphyr into [`super::tree::Node`], with byte spans.
