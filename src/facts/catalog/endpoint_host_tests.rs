//! Tests of the endpoint host entries of `providers.yaml` and of registry host lookups.

use super::lookups::glob_match;
use super::*;

fn host(h: &str) -> (String, Option<String>, Option<Kind>, Option<String>) {
    let m = Catalog::builtin()
        .match_host(h)
        .unwrap_or_else(|| panic!("{h} matches no host rule"));
    (m.provider.to_string(), m.service, m.kind, m.region)
}

#[test]
fn host_globs_match_dns_names() {
    assert!(glob_match("*.azurecr.io", "acme.azurecr.io"));
    assert!(glob_match("*.azurecr.io", "a.b.azurecr.io"));
    assert!(!glob_match("*.azurecr.io", "azurecr.io"));
    assert!(glob_match("gcr.io", "gcr.io"));
    assert!(!glob_match("gcr.io", "xgcr.io"));
    assert!(glob_match(
        "*-docker.pkg.dev",
        "europe-west9-docker.pkg.dev"
    ));
}

#[test]
fn registry_hosts_come_from_the_registry_lists() {
    let c = Catalog::build(vec![ProviderDef {
        id: "aws".into(),
        name: "x".into(),
        registries: vec!["*.dkr.ecr.*.amazonaws.com".into()],
        public_registries: vec!["public.ecr.aws".into()],
        ..Default::default()
    }])
    .unwrap();
    let m = c
        .by_registry("123456789012.dkr.ecr.eu-west-1.amazonaws.com")
        .unwrap();
    assert_eq!((&*m.provider, m.strong), ("aws", true));
    assert!(!c.by_registry("public.ecr.aws").unwrap().strong);
    assert!(c.by_registry("example.com").is_none());
}

#[test]
fn model_api_hosts() {
    use Kind::Ai;
    let ai = |p: &str, s: &str, r: Option<&str>| {
        (
            p.to_string(),
            Some(s.to_string()),
            Some(Ai),
            r.map(String::from),
        )
    };
    assert_eq!(host("api.openai.com"), ai("openai", "openai-api", None));
    assert_eq!(host("eu.api.openai.com"), ai("openai", "openai-api", None));
    assert_eq!(
        host("api.anthropic.com"),
        ai("anthropic", "anthropic-api", None)
    );
    assert_eq!(host("api.mistral.ai"), ai("mistral", "mistral-api", None));
    assert_eq!(
        host("codestral.mistral.ai"),
        ai("mistral", "mistral-api", None)
    );
    assert_eq!(
        host("acme.openai.azure.com"),
        ai("azure", "azure-openai", None)
    );
    assert_eq!(
        host("acme.openai.azure.us"),
        ai("azure", "azure-openai", None)
    );
    assert_eq!(
        host("acme.services.ai.azure.com"),
        ai("azure", "azure-ai-foundry", None)
    );
    assert_eq!(
        host("llama.swedencentral.models.ai.azure.com"),
        ai("azure", "azure-ai-foundry", Some("swedencentral"))
    );
    assert_eq!(
        host("acme.cognitiveservices.azure.com"),
        ai("azure", "cognitive-services", None)
    );
    assert_eq!(
        host("ep.westeurope.inference.ml.azure.com"),
        ai("azure", "azure-ml", Some("westeurope"))
    );
    assert_eq!(
        host("bedrock-runtime.us-west-2.amazonaws.com"),
        ai("aws", "bedrock", Some("us-west-2"))
    );
    assert_eq!(
        host("bedrock-runtime-fips.us-gov-west-1.amazonaws.com"),
        ai("aws", "bedrock", Some("us-gov-west-1"))
    );
    assert_eq!(
        host("bedrock-runtime.eu-central-1.api.aws"),
        ai("aws", "bedrock", Some("eu-central-1"))
    );
    assert_eq!(
        host("runtime.sagemaker.eu-west-1.amazonaws.com"),
        ai("aws", "sagemaker", Some("eu-west-1"))
    );
    assert_eq!(
        host("europe-west4-aiplatform.googleapis.com"),
        ai("gcp", "vertex-ai", Some("europe-west4"))
    );
    assert_eq!(
        host("aiplatform.googleapis.com"),
        ai("gcp", "vertex-ai", None)
    );
    assert_eq!(
        host("aiplatform.eu.rep.googleapis.com"),
        ai("gcp", "vertex-ai", Some("eu"))
    );
    assert_eq!(
        host("generativelanguage.googleapis.com"),
        ai("gcp", "gemini-api", None)
    );
    assert_eq!(
        host("inference.generativeai.eu-frankfurt-1.oci.oraclecloud.com"),
        ai("oracle", "generative-ai", Some("eu-frankfurt-1"))
    );
    assert_eq!(
        host("eu-de.ml.cloud.ibm.com"),
        ai("ibm", "watsonx-ai", Some("eu-de"))
    );
    assert_eq!(
        host("dashscope-intl.aliyuncs.com"),
        ai("alibaba", "model-studio", None)
    );
    assert_eq!(
        host("oai.endpoints.kepler.ai.cloud.ovh.net"),
        ai("ovh", "ai-endpoints", None)
    );
    assert_eq!(
        host("api.scaleway.ai"),
        ai("scaleway", "generative-apis", None)
    );
    assert_eq!(
        host("inference.do-ai.run"),
        ai("digitalocean", "gradient", None)
    );
    assert_eq!(
        host("api.vultrinference.com"),
        ai("vultr", "serverless-inference", None)
    );
    assert_eq!(
        host("gateway.ai.cloudflare.com"),
        ai("cloudflare", "ai-gateway", None)
    );
}

#[test]
fn s3_compatible_hosts_decide_by_host() {
    let s = |p: &str, r: Option<&str>| (p.to_string(), r.map(String::from));
    let pr = |h: &str| {
        let (p, _, k, r) = host(h);
        assert_eq!(k, Some(Kind::Storage), "{h}");
        (p, r)
    };
    assert_eq!(
        pr("mybucket.s3.eu-west-1.amazonaws.com"),
        s("aws", Some("eu-west-1"))
    );
    assert_eq!(pr("s3.amazonaws.com"), s("aws", None));
    assert_eq!(pr("s3.gra.io.cloud.ovh.net"), s("ovh", Some("gra")));
    assert_eq!(pr("s3.fr-par.scw.cloud"), s("scaleway", Some("fr-par")));
    assert_eq!(
        pr("fsn1.your-objectstorage.com"),
        s("hetzner", Some("fsn1"))
    );
    assert_eq!(pr("acct.r2.cloudflarestorage.com"), s("cloudflare", None));
    assert_eq!(
        pr("acct.eu.r2.cloudflarestorage.com"),
        s("cloudflare", None)
    );
    assert_eq!(
        pr("fra1.digitaloceanspaces.com"),
        s("digitalocean", Some("fra1"))
    );
    assert_eq!(
        pr("us-east-1.linodeobjects.com"),
        s("akamai", Some("us-east-1"))
    );
    assert_eq!(pr("ewr1.vultrobjects.com"), s("vultr", Some("ewr1")));
    assert_eq!(pr("cwobject.com"), s("coreweave", None));
    assert_eq!(pr("cwlota.com"), s("coreweave", None));
    assert_eq!(
        pr("s3.eu-de.cloud-object-storage.appdomain.cloud"),
        s("ibm", Some("eu-de"))
    );
    assert_eq!(
        pr("ns.compat.objectstorage.eu-frankfurt-1.oraclecloud.com"),
        s("oracle", Some("eu-frankfurt-1"))
    );
    assert_eq!(
        pr("bucket.oss-eu-central-1.aliyuncs.com"),
        s("alibaba", Some("eu-central-1"))
    );
    assert_eq!(pr("storage.googleapis.com"), s("gcp", None));
}

#[test]
fn registry_and_service_hosts() {
    let ps = |h: &str| {
        let (p, s, _, r) = host(h);
        (p, s, r)
    };
    let t = |p: &str, s: Option<&str>, r: Option<&str>| {
        (p.to_string(), s.map(String::from), r.map(String::from))
    };
    assert_eq!(
        ps("europe-west9-docker.pkg.dev"),
        t("gcp", Some("artifact-registry"), Some("europe-west9"))
    );
    assert_eq!(
        ps("europe-maven.pkg.dev"),
        t("gcp", Some("artifact-registry"), Some("europe"))
    );
    assert_eq!(
        ps("123456789012.dkr.ecr.eu-west-1.amazonaws.com"),
        t("aws", Some("ecr"), Some("eu-west-1"))
    );
    assert_eq!(ps("acme.azurecr.io"), t("azure", Some("acr"), None));
    assert_eq!(ps("fra.ocir.io"), t("oracle", Some("ocir"), None));
    assert_eq!(ps("de.icr.io"), t("ibm", Some("container-registry"), None));
    assert_eq!(
        ps("registry.cn-hangzhou.aliyuncs.com"),
        t("alibaba", Some("container-registry"), Some("cn-hangzhou"))
    );
    assert_eq!(
        ps("registry.digitalocean.com"),
        t("digitalocean", Some("container-registry"), None)
    );
    assert_eq!(
        ps("rg.fr-par.scw.cloud"),
        t("scaleway", Some("container-registry"), Some("fr-par"))
    );
    assert_eq!(
        ps("ams.vultrcr.com"),
        t("vultr", Some("container-registry"), Some("ams"))
    );
    assert_eq!(
        ps("x.gra7.container-registry.ovh.net"),
        t("ovh", Some("container-registry"), None)
    );
    assert_eq!(
        ps("sqs.eu-west-1.amazonaws.com"),
        t("aws", Some("sqs"), Some("eu-west-1"))
    );
    assert_eq!(
        ps("sqs.eusc-de-east-1.amazonaws.eu"),
        t("aws", Some("sqs"), Some("eusc-de-east-1"))
    );
    assert_eq!(
        ps("abc.lambda-url.eu-west-1.on.aws"),
        t("aws", Some("lambda"), Some("eu-west-1"))
    );
    assert_eq!(
        ps("d111111abcdef8.cloudfront.net"),
        t("aws", Some("cloudfront"), None)
    );
    assert_eq!(
        ps("app.kindwave-1a2b.westeurope.azurecontainerapps.io"),
        t("azure", Some("container-apps"), Some("westeurope"))
    );
    assert_eq!(
        ps("vm1.westeurope.cloudapp.azure.com"),
        t("azure", Some("virtual-machines"), Some("westeurope"))
    );
    assert_eq!(
        ps("aks-1a2b.hcp.westeurope.azmk8s.io"),
        t("azure", Some("aks"), Some("westeurope"))
    );
    assert_eq!(
        ps("db.postgres.database.azure.com"),
        t("azure", Some("postgresql"), None)
    );
    assert_eq!(
        ps("c.redis.cache.windows.net"),
        t("azure", Some("redis-cache"), None)
    );
    assert_eq!(
        ps("acct.blob.core.windows.net"),
        t("azure", Some("blob-storage"), None)
    );
    assert_eq!(
        ps("kv.vault.azure.net"),
        t("azure", Some("key-vault"), None)
    );
    assert_eq!(ps("management.azure.com"), t("azure", None, None));
    assert_eq!(ps("x.blob.core.usgovcloudapi.net"), t("azure", None, None));
    assert_eq!(
        ps("pubsub.europe-west1.rep.googleapis.com"),
        t("gcp", Some("pubsub"), Some("europe-west1"))
    );
    assert_eq!(ps("svc-abc.a.run.app"), t("gcp", Some("cloud-run"), None));
    assert_eq!(ps("proj.appspot.com"), t("gcp", Some("app-engine"), None));
    assert_eq!(
        ps("ecs.cn-hangzhou.aliyuncs.com"),
        t("alibaba", Some("ecs"), Some("cn-hangzhou"))
    );
    assert_eq!(
        ps("db-x.db.ondigitalocean.com"),
        t("digitalocean", Some("managed-databases"), None)
    );
    assert_eq!(ps("api.hetzner.cloud"), t("hetzner", None, None));
    assert_eq!(ps("eu.api.ovh.com"), t("ovh", None, None));
    assert_eq!(ps("api.scaleway.com"), t("scaleway", None, None));
    assert_eq!(ps("x.workers.dev"), t("cloudflare", Some("workers"), None));
    assert_eq!(ps("x.pages.dev"), t("cloudflare", Some("pages"), None));
    assert_eq!(ps("lke1.linodelke.net"), t("akamai", Some("lke"), None));
    assert_eq!(ps("api.coreweave.com"), t("coreweave", None, None));
    assert_eq!(ps("objectstorage.oraclecloud.eu"), t("oracle", None, None));
}

#[test]
fn near_misses_match_nothing() {
    let c = Catalog::builtin();
    for h in [
        "example.com",
        "azure.com",
        "openai.com",
        "anthropic.com",
        "api.openai.com.evil.example",
        "amazon.com",
        "docs.aws.amazon.com",
        "learn.microsoft.com",
        "mcr.microsoft.com",
        "github.com",
    ] {
        assert!(c.match_host(h).is_none(), "{h}");
    }
}
