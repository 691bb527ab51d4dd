//! Which attributes hold a region, and how a zone or availability domain gives its region.

use std::sync::OnceLock;

use regex::Regex;

use crate::facts::catalog::Catalog;

/// What an attribute holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sort {
    Region,
    Zone,
    /// OCI `availability_domain = "Uocm:EU-FRANKFURT-1-AD-1"`.
    AvailabilityDomain,
}

/// The attributes of a resource that say where it is, in order of preference. AWS `location`
/// attributes name Direct Connect sites and the like, and Azure zones are `"1"`, `"2"`, `"3"`:
/// neither is a region.
pub(crate) fn resource_attrs(provider: Option<&str>) -> &'static [(&'static str, Sort)] {
    match provider {
        Some("aws") => &[("region", Sort::Region), ("availability_zone", Sort::Zone)],
        Some("azure") => &[("location", Sort::Region)],
        Some("gcp") => &[
            ("region", Sort::Region),
            ("location", Sort::Region),
            ("zone", Sort::Zone),
        ],
        Some("oracle") => &[
            ("region", Sort::Region),
            ("availability_domain", Sort::AvailabilityDomain),
        ],
        _ => &[
            ("region", Sort::Region),
            ("location", Sort::Region),
            ("zone", Sort::Zone),
            ("availability_zone", Sort::Zone),
            ("zone_id", Sort::Zone),
        ],
    }
}

/// The attributes of a `provider` block that say where its resources go.
pub(crate) fn provider_attrs(provider: Option<&str>) -> &'static [(&'static str, Sort)] {
    match provider {
        Some("azure") => &[],
        _ => &[("region", Sort::Region), ("zone", Sort::Zone)],
    }
}

/// The region a value names, lower case. `None` when the value cannot be read as one.
pub(crate) fn normalize(
    catalog: &Catalog,
    provider: Option<&str>,
    sort: Sort,
    raw: &str,
) -> Option<String> {
    let value = raw.trim().to_lowercase();
    if value.is_empty() {
        return None;
    }
    match sort {
        Sort::Region if provider == Some("azure") => Some(value.replace(' ', "")),
        // Google `location` takes a region or a zone.
        Sort::Region => match provider {
            Some(p) if !catalog.knows_region(p, &value) => {
                Some(catalog.zone_region(provider, &value).unwrap_or(value))
            }
            _ => Some(value),
        },
        Sort::AvailabilityDomain => {
            let name = value.rsplit(':').next().unwrap_or(&value);
            let re = regexes().availability_domain.get_or_init(|| {
                Regex::new(r"^([a-z]+-[a-z]+-[0-9]+)-ad-[0-9]+$").expect("valid regex")
            });
            re.captures(name).map(|c| c[1].to_string())
        }
        Sort::Zone => catalog.zone_region(provider, &value),
    }
}

struct Regexes {
    availability_domain: OnceLock<Regex>,
}

fn regexes() -> &'static Regexes {
    static R: Regexes = Regexes {
        availability_domain: OnceLock::new(),
    };
    &R
}

#[cfg(test)]
mod tests {
    use super::*;

    fn n(provider: Option<&str>, sort: Sort, raw: &str) -> Option<String> {
        normalize(&Catalog::builtin(), provider, sort, raw)
    }

    #[test]
    fn zones_give_their_region() {
        let z = |p, raw| n(p, Sort::Zone, raw);
        assert_eq!(
            z(Some("gcp"), "europe-west1-b").as_deref(),
            Some("europe-west1")
        );
        assert_eq!(z(Some("aws"), "us-east-1a").as_deref(), Some("us-east-1"));
        assert_eq!(
            z(Some("aws"), "us-east-1-bos-1a").as_deref(),
            Some("us-east-1")
        );
        assert_eq!(
            z(Some("alibaba"), "cn-hangzhou-i").as_deref(),
            Some("cn-hangzhou")
        );
        assert_eq!(z(Some("scaleway"), "fr-par-2").as_deref(), Some("fr-par"));
        assert_eq!(
            z(Some("gcp"), "europe-west9").as_deref(),
            Some("europe-west9")
        );
        // Unknown to the table, but the shape is unmistakable.
        assert_eq!(z(None, "mars-north7-c").as_deref(), Some("mars-north7"));
        assert_eq!(z(None, "xx-polar-9b").as_deref(), Some("xx-polar-9"));
        assert_eq!(z(None, "somewhere"), None);
    }

    #[test]
    fn regions_are_lower_case_and_azure_display_names_compact() {
        assert_eq!(
            n(Some("gcp"), Sort::Region, "EUROPE-WEST9").as_deref(),
            Some("europe-west9")
        );
        assert_eq!(
            n(Some("azure"), Sort::Region, "West Europe").as_deref(),
            Some("westeurope")
        );
        assert_eq!(n(Some("gcp"), Sort::Region, "EU").as_deref(), Some("eu"));
        assert_eq!(n(Some("gcp"), Sort::Region, "  "), None);
    }

    #[test]
    fn oci_availability_domains_give_their_region() {
        let ad = |raw| n(Some("oracle"), Sort::AvailabilityDomain, raw);
        assert_eq!(
            ad("Uocm:EU-FRANKFURT-1-AD-1").as_deref(),
            Some("eu-frankfurt-1")
        );
        assert_eq!(ad("US-ASHBURN-1-AD-3").as_deref(), Some("us-ashburn-1"));
        assert_eq!(ad("1"), None);
    }
}
