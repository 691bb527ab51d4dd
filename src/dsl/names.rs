//! The language's fixed vocabulary: attributes, country groups, clauses and which rule kind
//! takes which. Validation, evaluation and the language server read the same tables.

use super::ast::RuleKind;

/// Every attribute of a deployment, besides `tag.KEY` / `label.KEY`.
pub(crate) const ATTRIBUTES: &[&str] = &[
    "provider", "kind", "service", "type", "name", "region", "country", "path", "format", "gpu",
];

/// Attributes that are booleans (usable alone as a test).
pub(crate) const BOOL_ATTRIBUTES: &[&str] = &["gpu"];

/// The 27 member states of the European Union (ISO 3166-1 alpha-2, lower case).
pub(crate) const EU: &[&str] = &[
    "at", "be", "bg", "hr", "cy", "cz", "dk", "ee", "fi", "fr", "de", "gr", "hu", "ie", "it", "lv",
    "lt", "lu", "mt", "nl", "pl", "pt", "ro", "sk", "si", "es", "se",
];

/// The European Economic Area: the EU plus Iceland, Liechtenstein and Norway.
pub(crate) const EEA_EXTRA: &[&str] = &["is", "li", "no"];

/// The Five Eyes.
pub(crate) const FIVE_EYES: &[&str] = &["au", "ca", "gb", "nz", "us"];

/// The names of the built-in country groups.
pub(crate) const GROUPS: &[&str] = &["eu", "eea", "five_eyes"];

/// Whether `country` (lower case) is in the built-in group `group`; `None` for an unknown group.
pub(crate) fn group_contains(group: &str, country: &str) -> Option<bool> {
    match group {
        "eu" => Some(EU.contains(&country)),
        "eea" => Some(EU.contains(&country) || EEA_EXTRA.contains(&country)),
        "five_eyes" => Some(FIVE_EYES.contains(&country)),
        _ => None,
    }
}

/// The members of a built-in group, sorted.
#[cfg(test)]
pub(crate) fn group_members(group: &str) -> Option<Vec<&'static str>> {
    let mut v: Vec<&str> = match group {
        "eu" => EU.to_vec(),
        "eea" => EU.iter().chain(EEA_EXTRA).copied().collect(),
        "five_eyes" => FIVE_EYES.to_vec(),
        _ => return None,
    };
    v.sort_unstable();
    Some(v)
}

/// A policy's meta clauses.
pub(crate) const META_CLAUSES: &[&str] = &["title", "owner", "reference", "effective"];

/// Clauses every rule kind takes.
pub(crate) const COMMON_CLAUSES: &[&str] = &[
    "where",
    "severity",
    "message",
    "effective",
    "unknown",
    "reference",
    "waivable",
];

/// Every rule clause of any kind.
pub(crate) const RULE_CLAUSES: &[&str] = &[
    "where",
    "severity",
    "message",
    "effective",
    "unknown",
    "reference",
    "waivable",
    "provider",
    "holder",
    "over",
    "refusals",
    "assert",
    "at_least",
];

/// The clauses of a kind beyond the common ones.
pub(crate) fn own_clauses(kind: RuleKind) -> &'static [&'static str] {
    match kind {
        RuleKind::Exclusive | RuleKind::Deny => &["provider"],
        RuleKind::FirstRefusal => &["holder", "over", "refusals"],
        RuleKind::Require => &["assert"],
        RuleKind::Share => &["provider", "at_least"],
    }
}

/// The clauses a kind cannot do without.
pub(crate) fn required_clauses(kind: RuleKind) -> &'static [&'static str] {
    match kind {
        RuleKind::Exclusive | RuleKind::Deny => &["provider"],
        RuleKind::FirstRefusal => &["holder"],
        RuleKind::Require => &["assert"],
        RuleKind::Share => &["provider", "at_least"],
    }
}

/// Whether a rule of `kind` takes the clause `name`.
pub(crate) fn kind_takes(kind: RuleKind, name: &str) -> bool {
    COMMON_CLAUSES.contains(&name) || own_clauses(kind).contains(&name)
}

/// The kinds whose own clauses include `name`, for "`holder` is a clause of `first_refusal`".
pub(crate) fn kinds_taking(name: &str) -> Vec<RuleKind> {
    RuleKind::ALL
        .iter()
        .copied()
        .filter(|k| own_clauses(*k).contains(&name))
        .collect()
}

/// What a clause's body looks like, for "`at_least` takes a percentage such as `75%`".
pub(crate) fn clause_shape(name: &str) -> Option<&'static str> {
    Some(match name {
        "where" | "assert" => "an expression such as `kind == compute`",
        "severity" => "`error`, `warning` or `info`",
        "unknown" => "`allow`, `warn` or `deny`",
        "message" | "title" | "owner" | "reference" => "a string in double quotes",
        "effective" => "a window such as `from 2025-01-01 until 2025-12-31`",
        "waivable" => "`true` or `false`",
        "provider" | "over" => "a list of providers such as `aws, gcp`",
        "holder" => "one provider",
        "refusals" => "a list of quoted file globs such as `\"refusals/*.yaml\"`",
        "at_least" => "a percentage such as `75%`",
        _ => return None,
    })
}

/// The values of `severity`.
pub(crate) const SEVERITIES: &[&str] = &["error", "warning", "info"];

/// The values of `unknown`.
pub(crate) const UNKNOWN_MODES: &[&str] = &["allow", "warn", "deny"];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn groups() {
        assert_eq!(EU.len(), 27);
        assert_eq!(group_contains("eu", "ie"), Some(true));
        assert_eq!(group_contains("eu", "no"), Some(false));
        assert_eq!(group_contains("eea", "no"), Some(true));
        assert_eq!(group_contains("five_eyes", "gb"), Some(true));
        assert_eq!(group_contains("nato", "us"), None);
        assert_eq!(group_members("eea").unwrap().len(), 30);
    }

    #[test]
    fn clause_tables_agree() {
        for k in RuleKind::ALL {
            for c in required_clauses(*k) {
                assert!(kind_takes(*k, c), "{k:?} requires {c} but does not take it");
            }
            for c in own_clauses(*k) {
                assert!(RULE_CLAUSES.contains(c));
                assert!(clause_shape(c).is_some());
            }
        }
        assert_eq!(kinds_taking("holder"), [RuleKind::FirstRefusal]);
        assert!(!kind_takes(RuleKind::Exclusive, "holder"));
    }
}
