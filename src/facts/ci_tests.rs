use super::*;
use crate::facts::catalog::Catalog;

fn run(path: &str, text: &str) -> Vec<Deployment> {
    let file = Arc::new(SourceFile::new(path, text));
    let catalog = Catalog::builtin();
    crate::facts::yaml::extract(&file, Ctx::new(&catalog)).deployments
}

#[test]
fn github_actions_steps() {
    let text = r#"on: push
env:
  AWS_REGION: eu-central-1
jobs:
  deploy:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - name: creds
        uses: aws-actions/configure-aws-credentials@v4
        with:
          aws-region: eu-west-1
          role-to-assume: arn:aws:iam::123456789012:role/ci
      - uses: azure/login@v2
      - uses: azure/setup-kubectl@v4
      - run: |
          echo building
          gcloud run deploy api --region europe-west9 --image x
      - uses: docker/login-action@v3
        with: {registry: contoso.azurecr.io}
      - run: aws s3 sync . s3://b
"#;
    let deps = run(".github/workflows/deploy.yml", text);
    let got: Vec<_> = deps
        .iter()
        .map(|d| {
            (
                d.provider.as_deref().unwrap_or("-"),
                d.region.as_deref().unwrap_or("-"),
            )
        })
        .collect();
    assert_eq!(
        got,
        [
            ("aws", "eu-west-1"),
            ("azure", "-"),
            ("gcp", "europe-west9"),
            ("azure", "-"),
            ("aws", "eu-central-1"),
        ]
    );
    assert_eq!(deps[0].name, "creds");
    assert_eq!(
        &text[deps[0].span.start..deps[0].span.start + 12],
        "name: creds\n"
    );
    assert_eq!(deps[0].type_, "aws-actions/configure-aws-credentials@v4");
}

#[test]
fn gitlab_jobs_templates_and_extends() {
    let text = r#"include:
  - template: AWS/Deploy-ECS.gitlab-ci.yml
variables:
  AWS_DEFAULT_REGION: us-east-2
.gcp:
  image: google/cloud-sdk:slim
deploy:
  extends: .gcp
  script:
    - gcloud app deploy
test:
  script: [make test]
publish:
  id_tokens:
    AWS_TOKEN: {aud: https://sts.amazonaws.com}
  script: ["true"]
"#;
    let deps = run(".gitlab-ci.yml", text);
    let got: Vec<_> = deps
        .iter()
        .map(|d| {
            (
                d.name.as_str(),
                d.provider.as_deref().unwrap_or("-"),
                d.region.as_deref().unwrap_or("-"),
            )
        })
        .collect();
    assert_eq!(
        got,
        [
            ("AWS/Deploy-ECS.gitlab-ci.yml", "aws", "us-east-2"),
            ("deploy", "gcp", "-"),
            ("publish", "aws", "us-east-2"),
        ]
    );
}

#[test]
fn azure_pipelines_tasks() {
    let text = r#"trigger: [main]
stages:
  - stage: deploy
    jobs:
      - job: a
        steps:
          - task: AzureCLI@2
            displayName: Deploy infra
            inputs: {azureSubscription: conn, scriptType: bash, inlineScript: az group list}
          - task: AWSShellScript@1
            inputs: {awsCredentials: c, regionName: eu-west-2, scriptType: inline}
          - script: npm test
          - bash: az webapp deploy --name x
"#;
    let deps = run("azure-pipelines.yml", text);
    let got: Vec<_> = deps
        .iter()
        .map(|d| {
            (
                d.name.as_str(),
                d.provider.as_deref().unwrap_or("-"),
                d.region.as_deref().unwrap_or("-"),
            )
        })
        .collect();
    assert_eq!(
        got,
        [
            ("Deploy infra", "azure", "-"),
            ("AWSShellScript@1", "aws", "eu-west-2"),
            ("script", "azure", "-"),
        ]
    );
}
