//! `report --format md`: the evidence report as Markdown, for a pull-request comment or a wiki
//! page (docs/report.md). Tables instead of charts; scanned text is escaped so that it cannot
//! make links, images or markup.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use super::report_model::{self as model, Model};
use super::result::Doc;

/// Escapes text for a Markdown table cell.
pub fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '|' | '\\' | '`' | '*' | '_' | '[' | ']' | '<' | '>' | '#' | '!' | '~' | '&' => {
                out.push('\\');
                out.push(c);
            }
            '\n' | '\r' => out.push(' '),
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out
}

fn bar(pct: f64) -> String {
    let filled = ((pct / 10.0).round() as usize).min(10);
    format!("{}{}", "█".repeat(filled), "░".repeat(10 - filled))
}

pub fn render(doc: &Doc) -> String {
    let m = Model::of(doc);
    let mut o = String::new();
    let _ = writeln!(
        o,
        "# Cloud contract evidence — {}\n",
        esc(&m.repositories_label())
    );
    let s = &doc.summary;
    let n = |k: &str| s[k].as_u64().unwrap_or(0);
    let _ = writeln!(
        o,
        "Evaluated at **{}** · policy set `{}` · {} errors, {} warnings, {} info, {} suppressed · {} files, {} deployments\n",
        esc(&doc.as_of),
        esc(doc.policy_hash.as_deref().unwrap_or("unknown")),
        n("errors"),
        n("warnings"),
        n("info"),
        n("suppressed"),
        n("files"),
        n("deployments")
    );
    if m.repositories.len() > 1 || m.repositories.iter().any(|r| r.revision.is_some()) {
        o.push_str("| Repository | Revision |\n| --- | --- |\n");
        for r in &m.repositories {
            let _ = writeln!(
                o,
                "| {} | {} |",
                esc(&r.name),
                esc(r.revision.as_deref().unwrap_or("unknown"))
            );
        }
        o.push('\n');
    }

    o.push_str("## Contracts\n\n| Policy | Rule | Terms | Severity | Status | Reference |\n| --- | --- | --- | --- | --- | --- |\n");
    for (policy, rules) in &m.policies {
        for r in rules {
            let open = m.open_findings(&r.id);
            let status = if !r.active {
                "not in force".to_string()
            } else if open == 0 {
                "✅ complies".to_string()
            } else {
                format!("❌ {open} finding(s)")
            };
            let _ = writeln!(
                o,
                "| {} | {} | {} | {} | {status} | {} |",
                esc(policy),
                esc(&r.id),
                esc(&model::terms(r)),
                esc(&r.severity),
                esc(r.reference.as_deref().unwrap_or("—"))
            );
        }
    }

    o.push_str("\n## Committed shares\n\n");
    if m.shares.is_empty() {
        o.push_str("No `share` rule is in force.\n");
    } else {
        o.push_str("| Rule | On | Share | Commitment | |\n| --- | --- | --- | --- | --- |\n");
        for s in &m.shares {
            let pct = if s.total == 0 {
                0.0
            } else {
                s.listed as f64 * 100.0 / s.total as f64
            };
            let met = s.total == 0 || pct >= s.at_least;
            let _ = writeln!(
                o,
                "| {} | {} | {} of {} ({pct:.1}%) `{}` | at least {}% | {} |",
                esc(&s.rule),
                esc(&s.providers.join(", ")),
                s.listed,
                s.total,
                bar(pct),
                s.at_least,
                if met { "✅ met" } else { "❌ breached" }
            );
        }
    }

    o.push_str("\n## Deployments\n\n");
    counts_table(&mut o, "Provider", &m.by_provider);
    counts_table(&mut o, "Country", &m.by_country);

    o.push_str("## Refusal records and waivers\n\n");
    if m.spans.is_empty() {
        o.push_str("No refusal record and no waiver.\n\n");
    } else {
        o.push_str("| Kind | Id / rule | From | Until | Status | Reason | Where |\n| --- | --- | --- | --- | --- | --- | --- |\n");
        for s in &m.spans {
            let _ = writeln!(
                o,
                "| {} | {} | {} | {} | {} | {} | {} |",
                s.kind,
                esc(&s.label),
                s.from.map_or("—".to_string(), model::day_string),
                s.until.map_or("no expiry".to_string(), model::day_string),
                s.state.as_str(),
                esc(&s.reason),
                esc(&s.location)
            );
        }
        o.push('\n');
    }

    o.push_str("## Findings by rule\n\n");
    if m.by_rule.is_empty() {
        o.push_str("No finding.\n");
    }
    for (rule, list) in &m.by_rule {
        let _ = writeln!(o, "### `{}` ({})\n", rule.replace('`', "'"), list.len());
        o.push_str("| Severity | Location | Message |\n| --- | --- | --- |\n");
        for f in list.iter().map(|i| &m.findings[*i]) {
            let sev = f["severity"].as_str().unwrap_or_default();
            let loc = format!(
                "{}:{}",
                f["path"].as_str().unwrap_or_default(),
                f["line"].as_u64().unwrap_or(1)
            );
            let _ = writeln!(
                o,
                "| {}{} | [{}](<{}>) | {} |",
                sev,
                if f["suppressed"] == true {
                    " (suppressed)"
                } else {
                    ""
                },
                esc(&loc),
                m.link(f).replace(['<', '>', ' '], ""),
                esc(f["message"].as_str().unwrap_or_default())
            );
        }
        o.push('\n');
    }
    if let Some(list) = &doc.inventory {
        let _ = writeln!(
            o,
            "<details><summary>Inventory: {} deployments</summary>\n\n| Location | Provider | Kind | Type | Name | Region | Country |\n| --- | --- | --- | --- | --- | --- | --- |",
            list.len()
        );
        for d in list {
            let cell = |k: &str| esc(d[k].as_str().unwrap_or("—"));
            let _ = writeln!(
                o,
                "| {}:{} | {} | {} | {} | {} | {} | {} |",
                cell("path"),
                d["line"].as_u64().unwrap_or(1),
                cell("provider"),
                cell("kind"),
                cell("type"),
                cell("name"),
                cell("region"),
                cell("country")
            );
        }
        o.push_str("\n</details>\n");
    }
    o
}

fn counts_table(o: &mut String, what: &str, counts: &BTreeMap<String, usize>) {
    let total: usize = counts.values().sum();
    let _ = writeln!(o, "| {what} | Deployments | |\n| --- | --- | --- |");
    for (k, n) in counts {
        let pct = if total == 0 {
            0.0
        } else {
            *n as f64 * 100.0 / total as f64
        };
        let _ = writeln!(o, "| {} | {n} | `{}` {pct:.0}% |", esc(k), bar(pct));
    }
    o.push('\n');
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_cannot_make_markup() {
        assert_eq!(
            esc("a|b [x](http://e) <img>"),
            "a\\|b \\[x\\](http://e) \\<img\\>"
        );
    }
}
