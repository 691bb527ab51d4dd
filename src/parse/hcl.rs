//! Terraform HCL through hcl-edit (byte spans on every node).
