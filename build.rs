//! Converts the provider catalog's YAML tables (`src/facts/catalog/*.yaml`, the files people
//! edit) to JSON in `OUT_DIR`, which `src/facts/catalog.rs` embeds: parsing JSON at start-up
//! costs a fraction of parsing YAML, and every run builds the catalog (docs/performance.md,
//! "Start-up"). A table that is not valid YAML, or that JSON cannot hold, fails the build.

use std::path::PathBuf;

const TABLES: [&str; 5] = ["providers", "regions", "kinds", "services", "gpu"];

fn main() {
    let out = PathBuf::from(std::env::var_os("OUT_DIR").expect("cargo sets OUT_DIR"));
    for name in TABLES {
        let src = format!("src/facts/catalog/{name}.yaml");
        println!("cargo::rerun-if-changed={src}");
        let text = std::fs::read_to_string(&src).unwrap_or_else(|e| panic!("{src}: {e}"));
        let value: serde_json::Value =
            serde_yaml::from_str(&text).unwrap_or_else(|e| panic!("{src}: {e}"));
        let json = serde_json::to_string(&value).expect("a JSON value serialises");
        std::fs::write(out.join(format!("{name}.json")), json)
            .unwrap_or_else(|e| panic!("writing {name}.json: {e}"));
    }
}
