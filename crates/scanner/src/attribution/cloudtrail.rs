//! A CloudTrail record, as the `detail` of an EventBridge "AWS API Call via CloudTrail" event
//! or the `CloudTrailEvent` string of a `LookupEvents` answer carries it
//! (<https://docs.aws.amazon.com/awscloudtrail/latest/userguide/cloudtrail-event-reference-record-contents.html>),
//! reduced to what is safe to keep.
//!
//! Of `requestParameters` and `responseElements` only identifiers are kept: string values under
//! keys that name a resource (`groupId`, `dBClusterIdentifier`, `name`, `*Arn`), never a value
//! such as a parameter's, and never a string the plaintext-secret detector flags. The walk is
//! bounded, so a hostile 100 KB request costs no more than a small one.

use std::collections::BTreeSet;

use serde_json::Value;

use super::{ChangeAttribution, ChangeEvent, ChangeSource, Deployers, Principal};

/// At most this many identifiers are kept of one record.
const MAX_IDENTIFIERS: usize = 64;
/// Nodes of `requestParameters` and `responseElements` visited at most, together.
const MAX_NODES: usize = 4096;
/// Deeper parameters are not walked.
const MAX_DEPTH: usize = 8;
/// A longer string is no identifier (ARNs are at most 2048 characters).
const MAX_IDENTIFIER_LEN: usize = 2048;
/// A principal's, agent's or address's text is cut to this many characters.
const MAX_TEXT_LEN: usize = 1024;

/// One recorded call, reduced to what attribution needs.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ChangeRecord {
    /// Who made it.
    pub principal: Principal,
    /// The call.
    pub event: ChangeEvent,
    /// How it was made.
    pub source: ChangeSource,
    /// The service that made it on the principal's behalf.
    pub invoked_by: Option<String>,
    /// `sourceIPAddress`.
    pub source_ip: Option<String>,
    /// Whether the call only read (`readOnly`).
    pub read_only: bool,
    /// Whether the call failed (`errorCode`): it changed nothing.
    pub failed: bool,
    /// The resource identifiers the call named.
    pub identifiers: BTreeSet<String>,
}

impl ChangeRecord {
    /// Reads a CloudTrail record; `None` when it names no event (not a record at all).
    pub fn from_record(record: &Value) -> Option<ChangeRecord> {
        let text = |pointer: &str| short_text(record.pointer(pointer));
        let event = ChangeEvent {
            name: text("/eventName")?,
            service: text("/eventSource")?,
            time: text("/eventTime").unwrap_or_default(),
            id: text("/eventID").unwrap_or_default(),
            region: text("/awsRegion").unwrap_or_default(),
        };
        let invoked_by = text("/userIdentity/invokedBy");
        let user_agent = text("/userAgent").unwrap_or_default();
        let from_console = record
            .get("sessionCredentialFromConsole")
            .is_some_and(|v| v == "true" || v == true);
        let mut identifiers = BTreeSet::new();
        let mut budget = MAX_NODES;
        for part in ["requestParameters", "responseElements"] {
            if let Some(value) = record.get(part) {
                collect_identifiers(value, None, 0, &mut budget, &mut identifiers);
            }
        }
        let resources = record.get("resources").and_then(Value::as_array);
        for arn in resources.into_iter().flatten().filter_map(|r| r.get("ARN")) {
            keep_identifier(arn, &mut identifiers);
        }
        Some(ChangeRecord {
            principal: principal(record),
            source: source(from_console, &user_agent, invoked_by.as_deref()),
            invoked_by,
            source_ip: text("/sourceIPAddress"),
            read_only: record
                .get("readOnly")
                .is_some_and(|v| v == true || v == "true"),
            failed: record.get("errorCode").is_some_and(|c| !c.is_null()),
            identifiers,
            event,
        })
    }

    /// Reads the JSON text of a CloudTrail record (`LookupEvents`' `CloudTrailEvent`).
    pub fn from_json(text: &str) -> Option<ChangeRecord> {
        Self::from_record(&serde_json::from_str(text).ok()?)
    }

    /// Whether the call changed something: a write that did not fail.
    pub fn is_change(&self) -> bool {
        !self.read_only && !self.failed
    }

    /// Whether the call named one of `ids`: the same text, or an ARN ending in it.
    pub fn names_any(&self, ids: &BTreeSet<String>) -> bool {
        self.identifiers.iter().any(|named| {
            ids.contains(named)
                || ids.iter().any(|id| {
                    named.starts_with("arn:")
                        && (named.ends_with(&format!("/{id}"))
                            || named.ends_with(&format!(":{id}")))
                })
        })
    }

    /// This record as the attribution of a finding, one of `events` that named its resource.
    pub fn attribution(&self, deployers: &Deployers, events: u32) -> ChangeAttribution {
        ChangeAttribution {
            deployer: deployers.matches(self.principal.arns().iter().map(String::as_str)),
            principal: self.principal.clone(),
            event: self.event.clone(),
            source: self.source,
            invoked_by: self.invoked_by.clone(),
            source_ip: self.source_ip.clone(),
            events,
        }
    }
}

/// A string field, cut to [`MAX_TEXT_LEN`] characters; `None` when absent or empty.
fn short_text(value: Option<&Value>) -> Option<String> {
    let text = value?.as_str()?.trim();
    (!text.is_empty()).then(|| text.chars().take(MAX_TEXT_LEN).collect())
}

fn principal(record: &Value) -> Principal {
    let text = |pointer: &str| short_text(record.pointer(pointer));
    let arn = text("/userIdentity/arn");
    let identity_type = text("/userIdentity/type");
    let assumed = identity_type.as_deref() == Some("AssumedRole");
    Principal {
        account: text("/userIdentity/accountId"),
        role: assumed
            .then(|| text("/userIdentity/sessionContext/sessionIssuer/arn"))
            .flatten(),
        // `arn:aws:sts::<account>:assumed-role/<role>/<session>`.
        session: assumed
            .then(|| arn.as_deref()?.rsplit('/').next().map(str::to_string))
            .flatten(),
        arn,
        identity_type,
    }
}

/// How a call was made: the console first (its calls carry SDK agents too), then a tool
/// named in the agent, the CLI, an SDK, and a service acting for the principal.
fn source(from_console: bool, user_agent: &str, invoked_by: Option<&str>) -> ChangeSource {
    let agent = user_agent.to_ascii_lowercase();
    let has = |needle: &str| agent.contains(needle);
    if from_console || has("console.amazonaws.com") || has("console.aws.amazon.com") {
        ChangeSource::Console
    } else if has("terraform") {
        ChangeSource::Terraform
    } else if has("pulumi") {
        ChangeSource::Pulumi
    } else if has("cloudformation") || invoked_by == Some("cloudformation.amazonaws.com") {
        ChangeSource::Cloudformation
    } else if has("aws-cli/") {
        ChangeSource::Cli
    } else if invoked_by.is_some() {
        ChangeSource::AwsService
    } else if has("aws-sdk") || has("boto3") || has("botocore") || has("aws-internal") {
        ChangeSource::Sdk
    } else {
        ChangeSource::Unknown
    }
}

/// Whether a parameter's key names a resource: `...Id(s)`, `...Name(s)`, `...Arn(s)`,
/// `...Identifier`, or one of the bare names services use.
fn names_a_resource(key: &str) -> bool {
    let key = key.to_ascii_lowercase();
    let key = key.trim_end_matches('s');
    ["id", "name", "arn", "identifier"]
        .iter()
        .any(|suffix| key.ends_with(suffix))
        || [
            "cluster",
            "service",
            "bucket",
            "resource",
            "functionname",
            "item",
        ]
        .contains(&key)
}

fn collect_identifiers(
    value: &Value,
    key: Option<&str>,
    depth: usize,
    budget: &mut usize,
    out: &mut BTreeSet<String>,
) {
    if *budget == 0 || depth > MAX_DEPTH || out.len() >= MAX_IDENTIFIERS {
        return;
    }
    *budget -= 1;
    match value {
        Value::String(_) if key.is_some_and(names_a_resource) => keep_identifier(value, out),
        Value::Array(items) => {
            for item in items {
                collect_identifiers(item, key, depth + 1, budget, out);
            }
        }
        Value::Object(map) => {
            for (child_key, child) in map {
                collect_identifiers(child, Some(child_key), depth + 1, budget, out);
            }
        }
        _ => {}
    }
}

/// Keeps a string as an identifier unless it is too long to be one or looks like a secret.
fn keep_identifier(value: &Value, out: &mut BTreeSet<String>) {
    let Some(text) = value.as_str().map(str::trim) else {
        return;
    };
    let secret = crate::model::secrets::secret_value(text).is_some();
    if !text.is_empty()
        && text.len() <= MAX_IDENTIFIER_LEN
        && !secret
        && out.len() < MAX_IDENTIFIERS
    {
        out.insert(text.to_string());
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    /// A console session of an assumed role opening the database group, as CloudTrail records it.
    pub(crate) fn console_ingress() -> Value {
        json!({
            "eventVersion": "1.09",
            "userIdentity": {
                "type": "AssumedRole",
                "principalId": "AROAEXAMPLE:alice@example.com",
                "arn": "arn:aws:sts::111111111111:assumed-role/AWSReservedSSO_Admin_abc/alice@example.com",
                "accountId": "111111111111",
                "sessionContext": {
                    "sessionIssuer": {
                        "type": "Role",
                        "arn": "arn:aws:iam::111111111111:role/aws-reserved/sso.amazonaws.com/AWSReservedSSO_Admin_abc",
                        "userName": "AWSReservedSSO_Admin_abc"
                    }
                }
            },
            "eventTime": "2026-12-06T10:15:00Z",
            "eventSource": "ec2.amazonaws.com",
            "eventName": "AuthorizeSecurityGroupIngress",
            "awsRegion": "us-east-1",
            "sourceIPAddress": "203.0.113.7",
            "userAgent": "AWS Internal",
            "requestParameters": {
                "groupId": "sg-0db",
                "ipPermissions": {"items": [{"ipProtocol": "tcp", "fromPort": 5432, "toPort": 5432,
                    "ipRanges": {"items": [{"cidrIp": "0.0.0.0/0"}]}}]}
            },
            "responseElements": {"_return": true, "securityGroupRuleSet": {"items": [{"securityGroupRuleId": "sgr-1", "groupId": "sg-0db"}]}},
            "eventID": "e-1",
            "readOnly": false,
            "sessionCredentialFromConsole": "true"
        })
    }

    #[test]
    fn a_console_session_names_its_role_session_and_the_group() {
        let record = ChangeRecord::from_record(&console_ingress()).expect("a record");
        assert_eq!(record.source, ChangeSource::Console);
        assert_eq!(
            record.principal.session.as_deref(),
            Some("alice@example.com")
        );
        assert_eq!(
            record.principal.short_name(),
            "AWSReservedSSO_Admin_abc/alice@example.com"
        );
        assert_eq!(record.event.name, "AuthorizeSecurityGroupIngress");
        let ids: Vec<&str> = record.identifiers.iter().map(String::as_str).collect();
        assert_eq!(
            ids,
            ["sg-0db", "sgr-1"],
            "identifiers only: no CIDR, no port"
        );
        assert!(record.is_change());
        assert!(record.names_any(&["sg-0db".to_string()].into()));
    }

    #[test]
    fn the_agent_names_the_tool() {
        let cases = [
            ("Terraform/1.9.5 (+https://www.terraform.io) terraform-provider-aws/5.70.0 aws-sdk-go-v2/1.32.2", None, ChangeSource::Terraform),
            ("pulumi-resource-aws/6.50.0 aws-sdk-go/1.50.0", None, ChangeSource::Pulumi),
            ("aws-cli/2.17.0 md/awscrt#0.20.11 ua/2.0 os/linux", None, ChangeSource::Cli),
            ("Boto3/1.35.0 md/Botocore#1.35.0", None, ChangeSource::Sdk),
            ("cloudformation.amazonaws.com", Some("cloudformation.amazonaws.com"), ChangeSource::Cloudformation),
            ("ecs.amazonaws.com", Some("ecs.amazonaws.com"), ChangeSource::AwsService),
            ("curl/8.0", None, ChangeSource::Unknown),
        ];
        for (agent, invoked_by, expected) in cases {
            assert_eq!(source(false, agent, invoked_by), expected, "{agent}");
        }
    }

    #[test]
    fn values_are_never_kept_only_names() {
        let record = ChangeRecord::from_record(&json!({
            "eventName": "PutParameter", "eventSource": "ssm.amazonaws.com",
            "requestParameters": {"name": "/staging/db/url", "value": "postgres://u:hunter2@db/x",
                "type": "String", "tags": [{"key": "Environment", "value": "staging"}]},
            "responseElements": {"version": 2}
        }))
        .expect("a record");
        let ids: Vec<&str> = record.identifiers.iter().map(String::as_str).collect();
        assert_eq!(ids, ["/staging/db/url"]);
    }

    #[test]
    fn a_hostile_record_never_breaks_and_costs_a_bounded_walk() {
        assert_eq!(
            ChangeRecord::from_record(&json!({"userIdentity": null})),
            None,
            "no event"
        );
        let huge: Vec<Value> = (0..20_000)
            .map(|i| json!({"groupId": format!("sg-{i}")}))
            .collect();
        let record = ChangeRecord::from_record(&json!({
            "eventName": "AuthorizeSecurityGroupIngress", "eventSource": "ec2.amazonaws.com",
            "userIdentity": {"type": "IAMUser", "arn": "<script>alert(1)</script>"},
            "requestParameters": {"items": huge, "groupId": "x".repeat(5000)},
            "sessionCredentialFromConsole": 7
        }))
        .expect("a record");
        assert!(record.identifiers.len() <= MAX_IDENTIFIERS);
        assert_eq!(
            record.principal.arn.as_deref(),
            Some("<script>alert(1)</script>"),
            "kept, escaped where rendered"
        );
        assert_eq!(record.source, ChangeSource::Unknown);
        let missing = ChangeRecord::from_record(
            &json!({"eventName": "X", "eventSource": "ec2.amazonaws.com"}),
        )
        .expect("a record");
        assert_eq!(missing.principal.short_name(), "an unknown principal");
    }

    #[test]
    fn a_secret_shaped_identifier_is_dropped() {
        let record = ChangeRecord::from_record(&json!({
            "eventName": "CreateAccessKey", "eventSource": "iam.amazonaws.com",
            "responseElements": {"accessKey": {"accessKeyId": "AKIAIOSFODNN7EXAMPLE", "userName": "ci"}}
        }))
        .expect("a record");
        assert!(
            !record.identifiers.contains("AKIAIOSFODNN7EXAMPLE"),
            "{:?}",
            record.identifiers
        );
        assert!(record.identifiers.contains("ci"));
    }
}
