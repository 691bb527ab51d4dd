use super::*;
use crate::facts::catalog::Catalog;
use crate::facts::model::Kind;

fn run(path: &str, text: &str) -> Vec<Deployment> {
    let file = Arc::new(SourceFile::new(path, text));
    let catalog = Catalog::builtin();
    crate::facts::yaml::extract(&file, Ctx::new(&catalog)).deployments
}

const TEMPLATE: &str = r#"AWSTemplateFormatVersion: '2010-09-09'
Parameters:
  Where: {Type: String, Default: eu-west-3}
  Size: {Type: String, Default: g5.xlarge}
Resources:
  Data:
    Type: AWS::S3::Bucket
    Properties:
      Tags:
        - {Key: team, Value: data}
  Vm:
    Type: AWS::EC2::Instance
    Properties:
      InstanceType: !Ref Size
      AvailabilityZone: !Select [0, !GetAZs '']
  Stack:
    Type: AWS::CloudFormation::StackSet
    Properties:
      Region: !Ref Where
  Here:
    Type: AWS::SSM::Parameter
    Properties: {Region: !Ref AWS::Region}
  Hook:
    Type: Custom::Thing
"#;

#[test]
fn resources_with_kinds_regions_and_tags() {
    let deps = run("infra/stack.yaml", TEMPLATE);
    assert_eq!(deps.len(), 5);
    let data = &deps[0];
    assert_eq!(data.name, "Data");
    assert_eq!(data.provider.as_deref(), Some("aws"));
    assert_eq!(data.kind, Kind::Storage);
    assert_eq!(data.tags.get("team").map(String::as_str), Some("data"));
    assert_eq!(&TEMPLATE[data.span.start..data.span.start + 5], "Data:");
    assert_eq!(deps[1].kind, Kind::Compute);
    assert_eq!(deps[1].region, None);
    assert_eq!(deps[2].region.as_deref(), Some("eu-west-3"));
    assert!(
        deps[2]
            .evidence
            .iter()
            .any(|e| e.text.contains("Parameters.Where default"))
    );
    assert_eq!(
        deps[3].region, None,
        "AWS::Region is decided at deploy time"
    );
    assert_eq!(deps[4].provider, None);
}

#[test]
fn sam_without_version_key() {
    let text = "Transform: AWS::Serverless-2016-10-31\nResources:\n  Fn:\n    Type: AWS::Serverless::Function\n    Properties: {Runtime: python3.12}\n";
    let deps = run("template.yaml", text);
    assert_eq!(deps.len(), 1);
    assert_eq!(deps[0].kind, Kind::Serverless);
    assert_eq!(deps[0].provider.as_deref(), Some("aws"));
}

#[test]
fn json_style_refs_resolve() {
    let text = "Parameters: {R: {Default: us-east-2}}\nResources:\n  B: {Type: 'AWS::S3::Bucket', Properties: {Region: {Ref: R}}}\n";
    let deps = run("t.yaml", text);
    assert_eq!(deps[0].region.as_deref(), Some("us-east-2"));
}

#[test]
fn ros_templates_are_alibaba() {
    let text = "ROSTemplateFormatVersion: '2015-09-01'\nResources:\n  Vm: {Type: 'ALIYUN::ECS::Instance'}\n";
    let deps = run("ros.yaml", text);
    assert_eq!(deps[0].provider.as_deref(), Some("alibaba"));
}
