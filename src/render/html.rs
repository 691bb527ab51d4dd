//! `report --format html`: one self-contained page a contract owner can open and file
//! (docs/report.md). No network: the styles, the SVG charts and the few lines of script that
//! sort the tables are inline; the only addresses are the links of findings to their source
//! lines. Every text from a scanned repository, a policy or a result is escaped.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use serde_json::Value;

use super::report_model::{self as model, Model};
use super::result::Doc;

/// Escapes text for HTML content and attribute values.
pub fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c if c.is_control() && c != '\n' && c != '\t' => {
                let _ = write!(out, "&#x{:x};", u32::from(c) | 0x2400);
            }
            c => out.push(c),
        }
    }
    out
}

const STYLE: &str = "body{font:14px/1.45 system-ui,-apple-system,'Segoe UI',sans-serif;margin:0 auto;max-width:1100px;padding:1.5em;color:#1b1f24}
h1{font-size:1.6em;margin:.2em 0}h2{border-bottom:1px solid #d0d7de;padding-bottom:.2em;margin-top:1.6em}h3{margin-bottom:.3em}
table{border-collapse:collapse;width:100%;margin:.5em 0}th,td{border:1px solid #d0d7de;padding:.25em .5em;text-align:left;vertical-align:top}
th{background:#f6f8fa}table.sortable th{cursor:pointer}table.sortable th:after{content:' \\2195';color:#8c959f}
.meta{color:#57606a}.ok{color:#1a7f37;font-weight:600}.breach{color:#cf222e;font-weight:600}.muted{color:#8c959f}
.error{color:#cf222e}.warning{color:#9a6700}.info{color:#0969da}figure{margin:.8em 0}figcaption{font-weight:600}
svg text{font:12px system-ui,sans-serif}code{background:#f6f8fa;padding:0 .2em}
@media print{table.sortable th:after{content:''}}";

const SCRIPT: &str = "document.querySelectorAll('table.sortable').forEach(function(t){t.querySelectorAll('th').forEach(function(th,i){th.addEventListener('click',function(){var b=t.tBodies[0],r=Array.from(b.rows),d=th.dataset.dir==='a'?-1:1;th.dataset.dir=d===1?'a':'d';r.sort(function(x,y){var p=x.cells[i].textContent,q=y.cells[i].textContent,m=parseFloat(p),n=parseFloat(q);return d*((isNaN(m)||isNaN(n))?p.localeCompare(q):m-n)});r.forEach(function(e){b.appendChild(e)})})})});";

/// The page.
pub fn render(doc: &Doc) -> String {
    let m = Model::of(doc);
    let mut h = String::with_capacity(64 * 1024 + doc.findings.len() * 400);
    let title = format!("cloudpact evidence report — {}", m.repositories_label());
    let _ = write!(
        h,
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width\"><title>{}</title><style>{STYLE}</style></head><body>\n",
        esc(&title)
    );
    header(&mut h, doc, &m);
    policies(&mut h, &m);
    shares(&mut h, &m);
    deployments(&mut h, &m);
    timeline(&mut h, &m);
    findings(&mut h, &m);
    inventory(&mut h, doc);
    let _ = write!(h, "<script>{SCRIPT}</script>\n</body></html>\n");
    h
}

fn header(h: &mut String, doc: &Doc, m: &Model) {
    let _ = write!(
        h,
        "<header><h1>Cloud contract evidence</h1><p class=\"meta\">Evaluated at <b>{}</b> by cloudpact {} · policy set <code>{}</code></p>",
        esc(&doc.as_of),
        esc(doc.tool["version"].as_str().unwrap_or_default()),
        esc(doc.policy_hash.as_deref().unwrap_or("unknown"))
    );
    h.push_str("<table id=\"repositories\"><thead><tr><th>Repository</th><th>Revision</th></tr></thead><tbody>");
    for r in &m.repositories {
        let rev = r.revision.as_deref().unwrap_or("unknown");
        // The remote as text: the page links only findings to their source lines.
        let name = match &r.url {
            Some(u) => format!("{} <span class=\"meta\">({})</span>", esc(&r.name), esc(u)),
            None => esc(&r.name),
        };
        let _ = write!(
            h,
            "<tr><td>{name}</td><td><code>{}</code></td></tr>",
            esc(rev)
        );
    }
    h.push_str("</tbody></table>");
    let s = &doc.summary;
    let n = |k: &str| s[k].as_u64().unwrap_or(0);
    let _ = writeln!(
        h,
        "<p id=\"summary\"><b class=\"error\">{} errors</b> · <b class=\"warning\">{} warnings</b> · {} info · {} suppressed · {} files · {} deployments</p></header>",
        n("errors"),
        n("warnings"),
        n("info"),
        n("suppressed"),
        n("files"),
        n("deployments")
    );
}

fn policies(h: &mut String, m: &Model) {
    h.push_str("<section id=\"policies\"><h2>Contracts</h2>");
    if m.policies.is_empty() {
        h.push_str("<p class=\"muted\">The results name no policy.</p>");
    }
    for (policy, rules) in &m.policies {
        let title = rules
            .first()
            .and_then(|r| r.title.clone())
            .unwrap_or_default();
        let breaches: usize = rules.iter().map(|r| m.open_findings(&r.id)).sum();
        let status = if breaches == 0 {
            "<span class=\"ok\">met</span>".to_string()
        } else {
            format!("<span class=\"breach\">{breaches} open finding(s)</span>")
        };
        let _ = write!(
            h,
            "<article class=\"policy\" data-policy=\"{}\"><h3>{}{}</h3><p>Status: {status}</p><table><thead><tr><th>Rule</th><th>Terms</th><th>Severity</th><th>Status</th><th>Reference</th></tr></thead><tbody>",
            esc(policy),
            esc(policy),
            if title.is_empty() {
                String::new()
            } else {
                format!(" — {}", esc(&title))
            }
        );
        for r in rules {
            let open = m.open_findings(&r.id);
            let status = if !r.active {
                "<span class=\"muted\">not in force</span>".to_string()
            } else if open == 0 {
                "<span class=\"ok\">complies</span>".to_string()
            } else {
                format!("<span class=\"breach\">{open} finding(s)</span>")
            };
            let _ = write!(
                h,
                "<tr data-rule=\"{}\"><td><code>{}</code></td><td>{}</td><td>{}</td><td>{status}</td><td>{}</td></tr>",
                esc(&r.id),
                esc(&r.id),
                esc(&model::terms(r)),
                esc(&r.severity),
                esc(r.reference.as_deref().unwrap_or("—"))
            );
        }
        h.push_str("</tbody></table></article>");
    }
    h.push_str("</section>\n");
}

fn shares(h: &mut String, m: &Model) {
    h.push_str("<section id=\"shares\"><h2>Committed shares</h2>");
    if m.shares.is_empty() {
        h.push_str("<p class=\"muted\">No <code>share</code> rule is in force.</p>");
    }
    for s in &m.shares {
        let pct = if s.total == 0 {
            0.0
        } else {
            s.listed as f64 * 100.0 / s.total as f64
        };
        let met = s.total == 0 || pct >= s.at_least;
        let (w, x0) = (600.0, 10.0);
        let bar = pct / 100.0 * w;
        let line = s.at_least / 100.0 * w;
        let color = if met { "#1a7f37" } else { "#cf222e" };
        let _ = write!(
            h,
            "<figure class=\"chart share\" data-rule=\"{id}\" data-listed=\"{l}\" data-total=\"{t}\" data-percent=\"{p:.1}\" data-at-least=\"{a}\"><figcaption><code>{id}</code>: {l} of {t} deployments ({p:.1}%) on {prov} — commitment at least {a}% <span class=\"{cls}\">{verdict}</span></figcaption>\
<svg role=\"img\" width=\"640\" height=\"56\" viewBox=\"0 0 640 56\" aria-label=\"{p:.1}% against {a}%\"><rect x=\"{x0}\" y=\"14\" width=\"{w}\" height=\"22\" fill=\"#eaeef2\"/><rect class=\"actual\" x=\"{x0}\" y=\"14\" width=\"{bar:.1}\" height=\"22\" fill=\"{color}\"/><line class=\"commitment\" x1=\"{lx:.1}\" x2=\"{lx:.1}\" y1=\"6\" y2=\"44\" stroke=\"#1b1f24\" stroke-width=\"2\" stroke-dasharray=\"4 2\"/><text x=\"{lx:.1}\" y=\"55\" text-anchor=\"middle\">{a}% committed</text><text x=\"{tx:.1}\" y=\"30\">{p:.1}%</text></svg></figure>",
            id = esc(&s.rule),
            l = s.listed,
            t = s.total,
            p = pct,
            a = s.at_least,
            prov = esc(&s.providers.join(", ")),
            cls = if met { "ok" } else { "breach" },
            verdict = if met { "met" } else { "breached" },
            lx = x0 + line,
            tx = x0 + 4.0 + if bar > 60.0 { 0.0 } else { bar },
        );
    }
    h.push_str("</section>\n");
}

fn bar_chart(h: &mut String, id: &str, caption: &str, counts: &BTreeMap<String, usize>) {
    let max = counts.values().copied().max().unwrap_or(0).max(1);
    let mut rows: Vec<(&String, &usize)> = counts.iter().collect();
    rows.sort_by(|a, b| b.1.cmp(a.1).then_with(|| a.0.cmp(b.0)));
    let height = 24 * rows.len() + 8;
    let _ = write!(
        h,
        "<figure class=\"chart bars\" id=\"{id}\"><figcaption>{}</figcaption><svg role=\"img\" width=\"640\" height=\"{height}\" viewBox=\"0 0 640 {height}\">",
        esc(caption)
    );
    for (i, (name, n)) in rows.iter().enumerate() {
        let y = 4 + i * 24;
        let w = **n as f64 / max as f64 * 420.0;
        let _ = write!(
            h,
            "<g class=\"bar\" data-label=\"{l}\" data-value=\"{n}\"><text x=\"140\" y=\"{ty}\" text-anchor=\"end\">{l}</text><rect x=\"150\" y=\"{y}\" width=\"{w:.1}\" height=\"18\" fill=\"#0969da\"/><text x=\"{vx:.1}\" y=\"{ty}\">{n}</text></g>",
            l = esc(name),
            ty = y + 14,
            vx = 156.0 + w,
        );
    }
    h.push_str("</svg></figure>");
}

fn deployments(h: &mut String, m: &Model) {
    h.push_str("<section id=\"deployments\"><h2>Deployments</h2>");
    bar_chart(h, "by-provider", "Deployments by provider", &m.by_provider);
    bar_chart(h, "by-country", "Deployments by country", &m.by_country);
    h.push_str("</section>\n");
}

fn timeline(h: &mut String, m: &Model) {
    h.push_str("<section id=\"timeline\"><h2>Refusal records and waivers</h2>");
    if m.spans.is_empty() {
        h.push_str("<p class=\"muted\">No refusal record and no waiver.</p></section>\n");
        return;
    }
    let (start, end) = m.time_range();
    let days = (end - start).max(1) as f64;
    let x = |d: i64| 220.0 + (d - start) as f64 / days * 400.0;
    let height = 30 + 22 * m.spans.len();
    let _ = write!(
        h,
        "<figure class=\"chart timeline\"><figcaption>From {} to {}; the dashed line is the evaluation date</figcaption><svg role=\"img\" width=\"640\" height=\"{height}\" viewBox=\"0 0 640 {height}\">",
        esc(&model::day_string(start)),
        esc(&model::day_string(end))
    );
    for (i, s) in m.spans.iter().enumerate() {
        let y = 8 + i * 22;
        let x0 = x(s.from.unwrap_or(start));
        let x1 = x(s.until.unwrap_or(end));
        let fill = match (s.kind, s.state) {
            (_, model::State::Expired) => "#8c959f",
            ("waiver", _) => "#9a6700",
            (_, model::State::Unused) => "#bf8700",
            _ => "#1a7f37",
        };
        let _ = write!(
            h,
            "<g class=\"span {kind}\" data-id=\"{id}\"><text x=\"214\" y=\"{ty}\" text-anchor=\"end\">{id}</text><rect x=\"{x0:.1}\" y=\"{y}\" width=\"{w:.1}\" height=\"16\" fill=\"{fill}\"><title>{id}: {label}</title></rect></g>",
            kind = s.kind,
            id = esc(&s.label),
            ty = y + 12,
            w = (x1 - x0).max(2.0),
            label = esc(&s.describe()),
        );
    }
    let now = x(m.as_of);
    let _ = write!(
        h,
        "<line x1=\"{now:.1}\" x2=\"{now:.1}\" y1=\"0\" y2=\"{}\" stroke=\"#cf222e\" stroke-dasharray=\"4 2\"/></svg></figure>",
        height - 4
    );
    h.push_str("<table class=\"sortable\" id=\"records\"><thead><tr><th>Kind</th><th>Id / rule</th><th>From</th><th>Until</th><th>Status</th><th>Reason</th><th>Where</th></tr></thead><tbody>");
    for s in &m.spans {
        let _ = write!(
            h,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            s.kind,
            esc(&s.label),
            s.from.map_or("—".to_string(), model::day_string),
            s.until.map_or("no expiry".to_string(), model::day_string),
            s.state.as_str(),
            esc(&s.reason),
            esc(&s.location)
        );
    }
    h.push_str("</tbody></table></section>\n");
}

fn findings(h: &mut String, m: &Model) {
    h.push_str("<section id=\"findings\"><h2>Findings by rule</h2>");
    if m.by_rule.is_empty() {
        h.push_str("<p class=\"ok\">No finding.</p>");
    }
    for (rule, list) in &m.by_rule {
        let first = &m.findings[list[0]];
        let _ = write!(
            h,
            "<article class=\"rule-findings\" data-rule=\"{r}\"><h3><code>{r}</code> — {n}</h3>",
            r = esc(rule),
            n = list.len()
        );
        if let Some(help) = first["help"].as_str() {
            let _ = write!(h, "<p class=\"meta\">{}</p>", esc(help));
        }
        h.push_str("<table class=\"sortable\"><thead><tr><th>Severity</th><th>Location</th><th>Message</th></tr></thead><tbody>");
        for f in list.iter().map(|i| &m.findings[*i]) {
            let sev = f["severity"].as_str().unwrap_or_default();
            let suppressed = f["suppressed"] == true;
            let loc = format!(
                "{}:{}",
                f["path"].as_str().unwrap_or_default(),
                f["line"].as_u64().unwrap_or(1)
            );
            let _ = write!(
                h,
                // End tags of cells and rows are optional in HTML: a thousand rows weigh less.
                "<tr class=\"finding\"><td>{}<td><a href=\"{}\">{}</a><td>{}",
                if suppressed {
                    format!("{sev} (suppressed)")
                } else {
                    sev.to_string()
                },
                esc(&m.link(f)),
                esc(&loc),
                esc(f["message"].as_str().unwrap_or_default())
            );
        }
        h.push_str("</tbody></table></article>");
    }
    h.push_str("</section>\n");
}

fn inventory(h: &mut String, doc: &Doc) {
    h.push_str("<section id=\"inventory\"><h2>Inventory</h2>");
    let Some(list) = &doc.inventory else {
        h.push_str("<p class=\"muted\">The results carry no inventory: write them with <code>check --format json --inventory</code>, or give <code>report</code> the repository.</p></section>\n");
        return;
    };
    h.push_str("<table class=\"sortable\" id=\"inventory-table\"><thead><tr><th>Location</th><th>Provider</th><th>Kind</th><th>Type</th><th>Name</th><th>Region</th><th>Country</th></tr></thead><tbody>");
    let cell = |v: &Value| esc(v.as_str().unwrap_or_default());
    for d in list {
        let _ = write!(
            h,
            "<tr><td>{}:{}<td>{}<td>{}<td>{}<td>{}<td>{}<td>{}",
            cell(&d["path"]),
            d["line"].as_u64().unwrap_or(1),
            cell(&d["provider"]),
            cell(&d["kind"]),
            cell(&d["type"]),
            cell(&d["name"]),
            cell(&d["region"]),
            cell(&d["country"])
        );
    }
    h.push_str("</tbody></table></section>\n");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_markup_and_controls() {
        assert_eq!(
            esc("<script>\"a\"&'b'</script>\u{1b}"),
            "&lt;script&gt;&quot;a&quot;&amp;&#39;b&#39;&lt;/script&gt;&#x241b;"
        );
    }
}
