//! `cloudpact.yaml`.
