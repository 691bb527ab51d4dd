//! What each rule kind means, with an example and how to comply: printed by `explain` and used
//! as SARIF rule help.

use super::ast::RuleKind;

pub struct KindDoc {
    pub what: &'static str,
    pub example: &'static str,
    pub comply: &'static str,
}

pub(crate) fn doc(kind: RuleKind) -> KindDoc {
    match kind {
        RuleKind::Exclusive => KindDoc {
            what: "Exclusivity: every deployment in scope must run on one of the listed providers.",
            example: "exclusive api_on_azure { provider azure  where kind == ai }",
            comply: "Run the deployment on a listed provider, or narrow the rule's `where` if it should not apply.",
        },
        RuleKind::Deny => KindDoc {
            what: "A deny list: no deployment in scope may run on a listed provider.",
            example: "deny no_small_clouds { provider digitalocean, hetzner }",
            comply: "Move the deployment to a provider that is not listed.",
        },
        RuleKind::FirstRefusal => KindDoc {
            what: "A right of first refusal: work in scope may go to an `over` provider only after the \
                   holder declined it in writing, as recorded in a refusal record.",
            example: "first_refusal new_capacity { holder azure  over aws, oracle  refusals \"refusals/*.yaml\" }",
            comply: "Run it on the holder, or add a refusal record (holder, granted_to, declined_on, reason, \
                     optional expires and where) that covers the deployment.",
        },
        RuleKind::Require => KindDoc {
            what: "A requirement: every deployment in scope must make the `assert` expression true \
                   (data residency, for instance).",
            example: "require customer_data_in_eu { where tag.data == \"customer\"  assert country in eu }",
            comply: "Change the deployment so the assertion holds (e.g. deploy to an EU region).",
        },
        RuleKind::Share => KindDoc {
            what: "A committed share: at least the given percentage of in-scope deployments with a known \
                   provider must run on the listed providers. Judged once per whole-repository scan.",
            example: "share azure_commitment { provider azure  at_least 75%  where kind in [compute, kubernetes] }",
            comply: "Move in-scope deployments to the committed providers until the share is met.",
        },
    }
}
