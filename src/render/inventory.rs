//! `inventory`: table, JSON and CSV.

use std::collections::BTreeMap;
use std::sync::Arc;

use serde_json::json;

use super::json::deployment_json;
use crate::eval::FileMap;
use crate::facts::model::Deployment;

fn line_of(d: &Deployment, files: &FileMap) -> usize {
    files
        .get(&d.path)
        .map_or(0, |f| f.line_col(d.span.start).line)
}

fn dash(o: Option<&str>) -> &str {
    o.unwrap_or("-")
}

/// A fixed-width table and a per-provider summary.
pub fn table(
    deps: &[Arc<Deployment>],
    files: &FileMap,
    by_provider: &BTreeMap<String, usize>,
) -> String {
    let header = [
        "LOCATION", "PROVIDER", "KIND", "SERVICE", "TYPE", "NAME", "REGION", "COUNTRY", "GPU",
    ];
    let rows: Vec<[String; 9]> = deps
        .iter()
        .map(|d| {
            [
                format!("{}:{}", d.path, line_of(d, files)),
                dash(d.provider.as_deref()).to_string(),
                d.kind.to_string(),
                dash(d.service.as_deref()).to_string(),
                d.type_.clone(),
                d.name.clone(),
                dash(d.region.as_deref()).to_string(),
                d.country_shown().unwrap_or_else(|| "-".to_string()),
                if d.gpu { "yes" } else { "" }.to_string(),
            ]
        })
        .collect();
    let mut widths = header.map(str::len);
    for r in &rows {
        for (w, c) in widths.iter_mut().zip(r) {
            *w = (*w).max(c.chars().count()).min(60);
        }
    }
    let mut out = String::new();
    let mut push_row = |cells: &[&str]| {
        let line: Vec<String> = cells
            .iter()
            .zip(widths)
            .map(|(c, w)| format!("{c:<w$}"))
            .collect();
        out.push_str(line.join("  ").trim_end());
        out.push('\n');
    };
    push_row(&header);
    for r in &rows {
        push_row(&r.each_ref().map(String::as_str));
    }
    let providers: Vec<String> = by_provider
        .iter()
        .map(|(p, n)| format!("{p} {n}"))
        .collect();
    out.push_str(&format!(
        "\n{} deployments: {}\n",
        deps.len(),
        if providers.is_empty() {
            "none".to_string()
        } else {
            providers.join(", ")
        }
    ));
    out
}

pub fn json(
    deps: &[Arc<Deployment>],
    files: &FileMap,
    by_provider: &BTreeMap<String, usize>,
) -> String {
    let doc = json!({
        "version": 1,
        "deployments": deps.iter().map(|d| deployment_json(d, files.get(&d.path).map(|f| &**f))).collect::<Vec<_>>(),
        "summary": {"deployments": deps.len(), "by_provider": by_provider},
    });
    let mut s = serde_json::to_string_pretty(&doc).expect("JSON values always serialize");
    s.push('\n');
    s
}

fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

pub fn csv(deps: &[Arc<Deployment>], files: &FileMap) -> String {
    let mut out = String::from(
        "path,line,format,provider,kind,service,type,name,region,country,gpu,tags,evidence\n",
    );
    for d in deps {
        let tags: Vec<String> = d.tags.iter().map(|(k, v)| format!("{k}={v}")).collect();
        let evidence: Vec<&str> = d.evidence.iter().map(|e| e.text.as_str()).collect();
        let cells = [
            d.path.to_string(),
            line_of(d, files).to_string(),
            d.format.to_string(),
            d.provider.as_deref().unwrap_or("").to_string(),
            d.kind.to_string(),
            d.service.clone().unwrap_or_default(),
            d.type_.clone(),
            d.name.clone(),
            d.region.clone().unwrap_or_default(),
            d.country_shown().unwrap_or_default(),
            d.gpu.to_string(),
            tags.join(";"),
            evidence.join("; "),
        ];
        let line: Vec<String> = cells.iter().map(|c| csv_field(c)).collect();
        out.push_str(&line.join(","));
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_quotes_only_when_needed() {
        assert_eq!(csv_field("plain"), "plain");
        assert_eq!(csv_field("a,b"), "\"a,b\"");
        assert_eq!(csv_field("say \"hi\""), "\"say \"\"hi\"\"\"");
    }
}
