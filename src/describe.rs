//! Words for what cloudpact knows about a deployment and what a rule says about it, shared by
//! `cloudpact explain PATH:LINE` and the language server's hover, so both say the same thing.

use crate::eval::{Outcome, Verdict};
use crate::facts::model::{Attr, Deployment};

/// One attribute of a deployment: its name, its value (`unknown` when not detected) and the
/// evidence sentences behind it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AttrRow<'a> {
    pub name: &'static str,
    pub value: String,
    pub evidence: Vec<&'a str>,
}

/// provider, region, country, kind, service and gpu, in that order.
pub(crate) fn attribute_rows(dep: &Deployment) -> Vec<AttrRow<'_>> {
    let known = |o: Option<&str>| o.unwrap_or("unknown").to_string();
    let rows = [
        ("provider", known(dep.provider.as_deref()), Attr::Provider),
        ("region", known(dep.region.as_deref()), Attr::Region),
        (
            "country",
            match (&dep.country, dep.countries.as_slice()) {
                (None, [_, ..]) => format!("one of {}", dep.countries.join(", ")),
                (c, _) => known(c.as_deref()),
            },
            Attr::Country,
        ),
        ("kind", dep.kind.to_string(), Attr::Kind),
        ("service", known(dep.service.as_deref()), Attr::Service),
        ("gpu", dep.gpu.to_string(), Attr::Gpu),
    ];
    rows.into_iter()
        .map(|(name, value, attr)| AttrRow {
            name,
            value,
            evidence: dep.evidence_for(attr).map(|e| e.text.as_str()).collect(),
        })
        .collect()
}

/// A rule's verdict on a deployment, in a few words (`VIOLATES` in capitals so it stands out
/// in a list of `complies`).
pub(crate) fn verdict(outcome: &Outcome) -> String {
    match &outcome.verdict {
        Verdict::Inactive => "inactive (outside its effective window)".to_string(),
        Verdict::OutOfScope => "out of scope (`where` is not true)".to_string(),
        Verdict::Complies => "complies".to_string(),
        Verdict::Covered(id) => format!("covered by refusal record {id}"),
        Verdict::Unknown(p) => format!("a needed value is unknown (unknown {p:?})").to_lowercase(),
        Verdict::Violates => match &outcome.near_miss {
            Some(m) => format!("VIOLATES ({m})"),
            None => "VIOLATES".to_string(),
        },
        Verdict::Aggregate => "judged on the whole repository (share)".to_string(),
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::dsl::ast::UnknownPolicy;
    use crate::facts::model::{Evidence, Format};
    use crate::source::Span;

    fn outcome(verdict: Verdict, near_miss: Option<&str>) -> Outcome {
        Outcome {
            verdict,
            used_record: None,
            near_miss: near_miss.map(str::to_string),
        }
    }

    #[test]
    fn rows_carry_values_and_their_evidence() {
        let mut d = Deployment::new(
            Arc::from("main.tf"),
            Span::new(0, 5),
            Format::Terraform,
            "aws_instance",
            "web",
        );
        d.provider = Some(Arc::from("aws"));
        d.evidence
            .push(Evidence::new(Attr::Provider, "resource type aws_instance"));
        let rows = attribute_rows(&d);
        assert_eq!(rows[0].name, "provider");
        assert_eq!(rows[0].value, "aws");
        assert_eq!(rows[0].evidence, vec!["resource type aws_instance"]);
        assert_eq!(rows[1].value, "unknown");
        assert!(rows[1].evidence.is_empty());
        assert_eq!(rows[5].value, "false");
    }

    #[test]
    fn verdicts_in_words() {
        assert_eq!(verdict(&outcome(Verdict::Violates, None)), "VIOLATES");
        assert_eq!(
            verdict(&outcome(Verdict::Violates, Some("record R expired"))),
            "VIOLATES (record R expired)"
        );
        assert_eq!(
            verdict(&outcome(Verdict::Unknown(UnknownPolicy::Warn), None)),
            "a needed value is unknown (unknown warn)"
        );
        assert_eq!(
            verdict(&outcome(Verdict::Covered("R-1".into()), None)),
            "covered by refusal record R-1"
        );
    }
}
