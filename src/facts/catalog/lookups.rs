//! Lookups for the Kubernetes, registry, Pulumi, Serverless, Ansible and CI signals of the
//! catalog.

use super::*;

/// What a container image host says about a provider.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RegistryMatch {
    pub provider: ProviderId,
    /// A private registry (strong); `false` for a provider's public image host (weak: never
    /// decides a provider alone).
    pub strong: bool,
    /// The registry's name when the catalog gives one (`Artifact Registry`).
    pub name: Option<String>,
}

/// Lookups for the Kubernetes, Pulumi, Serverless, Ansible and CI signals of the catalog.
impl Catalog {
    /// The provider of a Kubernetes annotation or label key (longest prefix wins).
    pub(crate) fn by_annotation(&self, key: &str) -> Option<(ProviderId, &str)> {
        self.longest_prefix(key, |p| &p.annotations)
    }

    /// The provider of a storage provisioner, storage class, ingress class or controller, or
    /// load-balancer class (exact, case-insensitive).
    pub(crate) fn by_k8s_class(&self, value: &str) -> Option<ProviderId> {
        self.find(|p| p.k8s_classes.iter().any(|c| c.eq_ignore_ascii_case(value)))
    }

    /// The provider of an operator API group: the group itself or any subdomain of a catalog
    /// entry (`s3.aws.upbound.io` under `aws.upbound.io`); the longest entry wins.
    pub(crate) fn by_api_group(&self, group: &str) -> Option<(ProviderId, &str)> {
        let (i, j) = self.api_groups.get(group, || {
            let mut best: Option<(usize, usize)> = None;
            for (i, p) in self.providers.iter().enumerate() {
                for (j, g) in p.api_groups.iter().enumerate() {
                    // The catalog's group itself or a subdomain of it, in any ASCII case.
                    let hit = group.len() >= g.len() && {
                        let at = group.len() - g.len();
                        group.as_bytes()[at..].eq_ignore_ascii_case(g.as_bytes())
                            && (at == 0 || group.as_bytes()[at - 1] == b'.')
                    };
                    let longer = |(bi, bj): (usize, usize)| {
                        g.len() > self.providers[bi].api_groups[bj].len()
                    };
                    if hit && best.is_none_or(longer) {
                        best = Some((i, j));
                    }
                }
            }
            best
        })?;
        Some((
            self.ids[i].clone(),
            self.providers[i].api_groups[j].as_str(),
        ))
    }

    /// The provider of a container image host, in any ASCII case. Public hosts are checked
    /// first, so a public host inside a private glob (`k8s.gcr.io` under `*.gcr.io`) stays
    /// weak.
    pub(crate) fn by_registry(&self, host: &str) -> Option<RegistryMatch> {
        let rules = self.registry_rules();
        rules.seen.get(host, || {
            let hit = match &rules.set {
                Some(set) => set.matches(host).iter().next(),
                None => rules.entries.iter().position(|e| glob_match(&e.glob, host)),
            }?;
            let entry = &rules.entries[hit];
            Some(RegistryMatch {
                provider: self.ids[entry.provider].clone(),
                strong: entry.strong,
                name: entry.name.clone(),
            })
        })
    }

    /// Every provider's public image hosts, then every provider's private registry globs, as
    /// one set: the first that matches is the answer. Every string in a JSON or YAML file
    /// that looks like a host name is looked up here (`t2.micro`, `Microsoft.Storage`), and
    /// matching each glob in turn was 3 % of a large run's time.
    pub(super) fn registry_rules(&self) -> &RegistryRules {
        self.registries.get_or_init(|| {
            let mut entries = Vec::new();
            for (i, p) in self.providers.iter().enumerate() {
                entries.extend(p.public_registries.iter().map(|g| RegistryEntry {
                    provider: i,
                    strong: false,
                    glob: g.clone(),
                    name: None,
                }));
            }
            for (i, p) in self.providers.iter().enumerate() {
                for entry in &p.registries {
                    // `glob (name)`.
                    let (glob, name) = entry.split_once(" (").unwrap_or((entry.as_str(), ""));
                    entries.push(RegistryEntry {
                        provider: i,
                        strong: true,
                        glob: glob.to_string(),
                        name: (glob.len() < entry.len())
                            .then(|| name.trim_end_matches(')').to_string()),
                    });
                }
            }
            // A user's glob the set cannot hold (none is known) leaves the globs matched one
            // by one, with the same answers.
            let set = regex::RegexSet::new(entries.iter().map(|e| glob_regex(&e.glob))).ok();
            RegistryRules {
                set,
                entries,
                seen: super::Memo::default(),
            }
        })
    }

    /// The provider of a Pulumi package (`aws`, `azure-native`).
    pub(crate) fn by_pulumi_package(&self, package: &str) -> Option<ProviderId> {
        self.find(|p| p.pulumi_packages.iter().any(|x| x == package))
    }

    /// The provider of an Ansible module name (`amazon.aws.ec2_instance`, `azure_rm_vm`).
    pub(crate) fn by_ansible_module(&self, module: &str) -> Option<(ProviderId, &str)> {
        self.longest_prefix(module, |p| &p.ansible_collections)
    }

    /// The provider of a Serverless Framework `provider.name`.
    pub(crate) fn by_serverless_name(&self, name: &str) -> Option<ProviderId> {
        self.find(|p| {
            p.serverless_names
                .iter()
                .any(|x| x.eq_ignore_ascii_case(name))
        })
    }

    /// The provider of a GitHub Actions `uses:` (`aws-actions/configure-aws-credentials@v4`).
    pub(crate) fn by_ci_action(&self, uses: &str) -> Option<(ProviderId, &str)> {
        let action = uses.split('@').next().unwrap_or(uses).to_ascii_lowercase();
        self.ci_entry(|entry| {
            if entry.contains(':') || entry.ends_with('@') {
                return false;
            }
            let entry = entry.to_ascii_lowercase();
            if entry.ends_with('/') {
                action.starts_with(&entry)
            } else {
                action == entry
                    || action
                        .strip_prefix(&entry)
                        .is_some_and(|r| r.starts_with('/'))
            }
        })
    }

    /// The provider of an Azure Pipelines task (`AzureCLI@2`).
    pub(crate) fn by_ci_task(&self, task: &str) -> Option<(ProviderId, &str)> {
        let task = task.trim().to_ascii_lowercase();
        let name = task.split('@').next().unwrap_or(&task);
        self.ci_entry(|entry| {
            entry
                .strip_suffix('@')
                .is_some_and(|e| !e.contains(':') && e.eq_ignore_ascii_case(name))
        })
    }

    /// The provider of a CI signal written with a scheme in `ci_actions`: `template`
    /// (GitLab include template), `image` (job image), `aud` (OIDC audience): prefix
    /// matches; `cli`: the exact command name.
    pub(crate) fn by_ci_signal(&self, scheme: &str, value: &str) -> Option<(ProviderId, &str)> {
        let value = value.trim().to_ascii_lowercase();
        self.ci_entry(|entry| {
            let Some(rest) = entry.strip_prefix(scheme).and_then(|r| r.strip_prefix(':')) else {
                return false;
            };
            let rest = rest.to_ascii_lowercase();
            if scheme == "cli" {
                value == rest
            } else {
                !rest.is_empty() && value.starts_with(&rest)
            }
        })
    }

    /// Kind and service of a resource declared by parts rather than a type string (operator
    /// objects, Pulumi tokens): `service` is the API group's first label or the Pulumi module,
    /// `type_name` the kind. Tries the spellings the kind table knows for the provider:
    /// Terraform (`aws_s3_bucket`, `google_container_cluster`), CloudFormation
    /// (`AWS::S3::Bucket`) and ARM (`Microsoft.Storage/storageAccounts`).
    pub(crate) fn kind_of_resource(
        &self,
        provider: &str,
        service: &str,
        type_name: &str,
    ) -> Option<(Kind, Option<&str>)> {
        let key = [provider, "\0", service, "\0", type_name].concat();
        self.resource_kinds.get(&*key, || {
            self.find_kind_of_resource(provider, service, type_name)
        })
    }

    fn find_kind_of_resource(
        &self,
        provider: &str,
        service: &str,
        type_name: &str,
    ) -> Option<(Kind, Option<&'static str>)> {
        let def = self.get(provider)?;
        let service = service.to_ascii_lowercase().replace('-', "");
        let by_service = !service.is_empty() && service != "index";
        // Each spelling is written into one buffer and looked up before the next is made: this
        // runs for every operator object of a Kubernetes tree.
        let mut spelling = String::with_capacity(64);
        let mut try_spelling = |parts: &[&str]| {
            spelling.clear();
            parts.iter().for_each(|p| spelling.push_str(p));
            kind_rule(&spelling)
        };
        if by_service {
            for prefix in &def.type_prefixes {
                let found = if prefix.ends_with("::") {
                    try_spelling(&[prefix, &service, "::", type_name])
                } else {
                    try_spelling(&[prefix, &service, "/", type_name, "s"])
                };
                if found.is_some() {
                    return found;
                }
            }
        }
        // Only the primary Terraform prefix: secondary ones (`azuread_`) have catch-all rules.
        let tf = def.terraform_prefixes.first()?;
        let snake = snake_case(type_name);
        if by_service && let found @ Some(_) = try_spelling(&[tf, &service, "_", &snake]) {
            return found;
        }
        try_spelling(&[tf, &snake])
    }

    fn ci_entry(&self, pred: impl Fn(&str) -> bool) -> Option<(ProviderId, &str)> {
        for (i, p) in self.providers.iter().enumerate() {
            if let Some(e) = p.ci_actions.iter().find(|e| pred(e)) {
                return Some((self.ids[i].clone(), e.as_str()));
            }
        }
        None
    }
}

/// `StorageAccount` → `storage_account`, `SQLInstance` → `sql_instance`, `VPC` → `vpc`.
pub(crate) fn snake_case(s: &str) -> String {
    let chars: Vec<char> = s.chars().collect();
    let mut out = String::with_capacity(s.len() + 4);
    for (i, &c) in chars.iter().enumerate() {
        if c.is_ascii_uppercase() {
            let prev = i.checked_sub(1).map(|j| chars[j]);
            let next = chars.get(i + 1);
            let boundary = prev.is_some_and(|p| p.is_ascii_lowercase() || p.is_ascii_digit())
                || (prev.is_some_and(|p| p.is_ascii_uppercase())
                    && next.is_some_and(|n| n.is_ascii_lowercase()));
            if boundary && !out.ends_with('_') {
                out.push('_');
            }
            out.push(c.to_ascii_lowercase());
        } else if c == '-' || c == '.' || c == '/' {
            out.push('_');
        } else {
            out.push(c);
        }
    }
    out
}

/// The registry globs of the catalog, compiled on first use ([`Catalog::by_registry`]).
#[derive(Debug)]
pub(crate) struct RegistryRules {
    /// The globs as regexes ([`glob_regex`]), in the order of `entries`.
    set: Option<regex::RegexSet>,
    entries: Vec<RegistryEntry>,
    /// The answer for each host asked about (every host-like string of a YAML or JSON file
    /// is, and the same ones come back in file after file).
    seen: super::Memo<String, Option<RegistryMatch>>,
}

#[derive(Debug)]
struct RegistryEntry {
    /// Index into the catalog's providers.
    provider: usize,
    strong: bool,
    glob: String,
    name: Option<String>,
}

/// A registry glob as a regex that matches what [`glob_match`] matches: the whole host, in any
/// ASCII case, `*` standing for any run of host characters (letters, digits, `.`, `-`).
pub(crate) fn glob_regex(glob: &str) -> String {
    let mut re = String::from("(?i-u)^");
    for (i, part) in glob.split('*').enumerate() {
        if i > 0 {
            re.push_str("[a-z0-9.-]*");
        }
        re.push_str(&regex::escape(part));
    }
    re.push('$');
    re
}

/// A host glob match without regexes: `*` matches any run of DNS characters (`[a-z0-9.-]`).
pub(crate) fn glob_match(glob: &str, host: &str) -> bool {
    fn dns(c: u8) -> bool {
        c.is_ascii_alphanumeric() || c == b'.' || c == b'-'
    }
    let g = glob.as_bytes();
    let h = host.as_bytes();
    // Iterative wildcard matching with backtracking to the last `*`.
    let (mut gi, mut hi) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while hi < h.len() {
        if gi < g.len() && g[gi] == b'*' {
            star = Some((gi, hi));
            gi += 1;
        } else if gi < g.len() && g[gi].eq_ignore_ascii_case(&h[hi]) {
            gi += 1;
            hi += 1;
        } else if let Some((sg, sh)) = star.filter(|&(_, sh)| dns(h[sh])) {
            gi = sg + 1;
            hi = sh + 1;
            star = Some((sg, sh + 1));
        } else {
            return false;
        }
    }
    g[gi..].iter().all(|&c| c == b'*')
}

/// Compiled on first use: AWS Local Zones, and the structural zone shapes.
static ZONE_RES: (OnceLock<Regex>, OnceLock<Regex>) = (OnceLock::new(), OnceLock::new());

impl Catalog {
    /// The region of an availability zone (`europe-west1-b`, `us-east-1a`, an AWS Local Zone
    /// `us-east-1-bos-1a`): a prefix the provider's region table knows, else only the unmistakable
    /// zone shapes. A known region written where a zone was expected is itself.
    /// The one zone → region table of the catalog: every extractor asks it.
    pub(crate) fn zone_region(&self, provider: Option<&str>, zone: &str) -> Option<String> {
        if provider.is_some_and(|p| self.knows_region(p, zone)) {
            // A region written where a zone was expected.
            return Some(zone.to_string());
        }
        let mut candidates = Vec::new();
        if let Some((head, _)) = zone.rsplit_once('-') {
            candidates.push(head.to_string());
        }
        let trimmed = zone.trim_end_matches(|c: char| c.is_ascii_lowercase());
        if trimmed.len() < zone.len() && trimmed.ends_with(|c: char| c.is_ascii_digit()) {
            candidates.push(trimmed.to_string());
        }
        let local_zone = ZONE_RES.0.get_or_init(|| {
            Regex::new(r"^([a-z]{2}(?:-gov)?-[a-z]+-[0-9]+)-[a-z]+-[0-9]+[a-z]$")
                .expect("valid regex")
        });
        if let Some(c) = local_zone.captures(zone) {
            candidates.push(c[1].to_string());
        }
        if let Some(p) = provider
            && let Some(known) = candidates.iter().find(|c| self.knows_region(p, c))
        {
            return Some(known.clone());
        }
        // A region the table does not list yet: only the unmistakable zone shapes.
        let structural = ZONE_RES.1.get_or_init(|| {
            Regex::new(r"^(?:([a-z]+-[a-z]+[0-9]+)-[a-z]|([a-z]{2}(?:-[a-z]+)+-[0-9]+)[a-z])$")
                .expect("valid regex")
        });
        let c = structural.captures(zone)?;
        c.get(1)
            .or_else(|| c.get(2))
            .map(|m| m.as_str().to_string())
    }
}
