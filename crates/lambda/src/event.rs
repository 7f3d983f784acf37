//! What an invocation asks for: a scheduled run, a direct request, or a configuration change
//! reported by CloudTrail through EventBridge.

use std::collections::BTreeMap;

use scanner::attribution::ChangeRecord;
use scanner::iac::Source;
use scanner::naming::validate_environment_name;
use scanner::run::RunRequest;
use serde::Deserialize;
use serde_json::Value;

/// A run request as JSON: the custom input of a schedule rule, a direct invocation, or the
/// `detail` of an EventBridge event.
///
/// ```json
/// {"scan": ["staging", "prod"], "compare": [["staging", "prod"]], "regions": ["us-east-1"],
///  "from": {"prod": ["tfstate:s3://acme-tfstate/prod/terraform.tfstate"]}}
/// ```
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RequestBody {
    /// Environments to scan against their baselines.
    #[serde(default)]
    pub scan: Vec<String>,
    /// Environments to compare: pairs, or three and more for a parity matrix.
    #[serde(default)]
    pub compare: Vec<Vec<String>>,
    /// Regions instead of the configured ones.
    #[serde(default)]
    pub regions: Vec<String>,
    /// Scanned environments checked against infrastructure code's states instead of their
    /// baseline file, as `scan --from` takes them (`tfstate:s3://bucket/key`, ...).
    #[serde(default)]
    pub from: BTreeMap<String, Vec<Source>>,
    /// With `from`: report only what no state manages and what a state declares that is gone.
    #[serde(default)]
    pub unmanaged_only: bool,
}

impl RequestBody {
    fn is_empty(&self) -> bool {
        self.scan.is_empty() && self.compare.is_empty()
    }

    fn into_request(self) -> Result<RunRequest, String> {
        for env in self.scan.iter().chain(self.compare.iter().flatten()) {
            validate_environment_name(env).map_err(|e| e.to_string())?;
        }
        for region in &self.regions {
            scanner::config::validate_region(region).map_err(|e| e.to_string())?;
        }
        Ok(RunRequest {
            scan: self.scan,
            compare: self.compare,
            regions: (!self.regions.is_empty()).then_some(self.regions),
            compare_options: Default::default(),
            states: self.from,
            unmanaged_only: self.unmanaged_only,
            attribution: Default::default(),
        })
    }
}

/// Why the invocation runs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Trigger {
    /// A schedule, or a direct invocation.
    Scheduled,
    /// A configuration change: the API call CloudTrail recorded.
    Change {
        /// `ec2.amazonaws.com`, ...
        source: String,
        /// `AuthorizeSecurityGroupIngress`, ...
        event_name: String,
        /// The call's region.
        region: String,
    },
    /// A change event about something driftscan does not read, or a call that failed: nothing
    /// changed that a scan would see.
    Ignored(String),
}

/// A parsed invocation.
#[derive(Debug, Clone, PartialEq)]
pub struct Invocation {
    /// Why.
    pub trigger: Trigger,
    /// What to run (empty when ignored).
    pub request: RunRequest,
}

/// One message of an SQS event (the work queue's or the dead-letter queue's event source
/// mapping).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SqsMessage {
    /// The message id, named back in `batchItemFailures` when it failed.
    pub message_id: String,
    /// The body (a work item).
    pub body: String,
    /// The queue it came from.
    pub source_arn: String,
    /// How many times it has been received (`ApproximateReceiveCount`).
    pub receive_count: u32,
}

/// The messages of an SQS event, or `None` when `payload` is not one.
pub fn sqs_messages(payload: &Value) -> Option<Vec<SqsMessage>> {
    let records = payload.get("Records")?.as_array()?;
    let text = |record: &Value, name: &str| {
        record
            .get(name)
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string()
    };
    let sqs = |record: &Value| record.get("eventSource").and_then(Value::as_str) == Some("aws:sqs");
    if records.is_empty() || !records.iter().all(sqs) {
        return None;
    }
    Some(
        records
            .iter()
            .map(|record| SqsMessage {
                message_id: text(record, "messageId"),
                body: text(record, "body"),
                source_arn: text(record, "eventSourceARN"),
                receive_count: record
                    .pointer("/attributes/ApproximateReceiveCount")
                    .and_then(Value::as_str)
                    .and_then(|n| n.parse().ok())
                    .unwrap_or(1),
            })
            .collect(),
    )
}

/// Reads an invocation's payload. `defaults` is what a bare scheduled event runs (from the
/// function's configuration), and the environments a change event may touch.
pub fn parse(payload: Value, defaults: &RequestBody) -> Result<Invocation, String> {
    let Value::Object(mut event) = payload else {
        return Err("the event must be a JSON object".into());
    };
    let detail_type = event
        .get("detail-type")
        .and_then(Value::as_str)
        .map(str::to_string);
    let Some(detail_type) = detail_type else {
        // A direct invocation or a schedule with custom input: the request itself.
        let body: RequestBody = serde_json::from_value(Value::Object(event))
            .map_err(|e| format!("invalid request: {e}"))?;
        let body = if body.is_empty() {
            defaults.clone()
        } else {
            body
        };
        return scheduled(body);
    };
    let detail = event.remove("detail").unwrap_or(Value::Null);
    match detail_type.as_str() {
        "Scheduled Event" => {
            let body: RequestBody = match detail {
                Value::Null => RequestBody::default(),
                Value::Object(map) if map.is_empty() => RequestBody::default(),
                other => serde_json::from_value(other)
                    .map_err(|e| format!("invalid scheduled event detail: {e}"))?,
            };
            let body = if body.is_empty() { defaults.clone() } else { body };
            scheduled(body)
        }
        "AWS API Call via CloudTrail" => change(&detail, defaults),
        other => Err(format!(
            "unsupported event `{other}` (expected a scheduled event, an `AWS API Call via CloudTrail` event or a request)"
        )),
    }
}

fn scheduled(body: RequestBody) -> Result<Invocation, String> {
    if body.is_empty() {
        return Err(
            "nothing to do: the event names no environment and DRIFTSCAN_SCAN / DRIFTSCAN_COMPARE are unset"
                .into(),
        );
    }
    Ok(Invocation {
        trigger: Trigger::Scheduled,
        request: body.into_request()?,
    })
}

fn change(detail: &Value, defaults: &RequestBody) -> Result<Invocation, String> {
    let field = |name: &str| detail.get(name).and_then(Value::as_str).unwrap_or_default();
    let (source, event_name, region) =
        (field("eventSource"), field("eventName"), field("awsRegion"));
    let ignored = |why: String| {
        Ok(Invocation {
            trigger: Trigger::Ignored(why),
            request: RunRequest::default(),
        })
    };
    // The services whose changes trigger a rescan: every service the kind registry reads.
    let Some(service) = scanner::services::SERVICES
        .iter()
        .find(|s| s.event_source() == source)
    else {
        return ignored(format!(
            "{source} {event_name}: not a service driftscan reads"
        ));
    };
    if !service.change_events.contains(&event_name) {
        return ignored(format!(
            "{source} {event_name}: changes nothing driftscan reads"
        ));
    }
    if let Some(code) = detail.get("errorCode").and_then(Value::as_str) {
        return ignored(format!(
            "{source} {event_name} failed ({code}): nothing changed"
        ));
    }
    scanner::config::validate_region(region).map_err(|e| format!("change event: {e}"))?;

    // The environments the call names (a cluster `trading-cluster-staging`, a parameter
    // `/staging/...`, a tag `Environment: staging`); when it names none that driftscan watches
    // (a security group id only), every watched environment is rescanned in that region.
    let mut watched: Vec<&String> = defaults.scan.iter().collect();
    for group in &defaults.compare {
        for env in group {
            if !watched.contains(&env) {
                watched.push(env);
            }
        }
    }
    let text = format!(
        "{} {}",
        detail.get("requestParameters").unwrap_or(&Value::Null),
        detail.get("responseElements").unwrap_or(&Value::Null)
    );
    let touched: Vec<String> = watched
        .iter()
        .filter(|env| scanner::naming::names_token(&text, env))
        .map(|env| env.to_string())
        .collect();
    let scan = if touched.is_empty() {
        watched.into_iter().cloned().collect()
    } else {
        touched
    };
    if scan.is_empty() {
        return Err("a change event needs DRIFTSCAN_SCAN or DRIFTSCAN_COMPARE to know which environments to rescan".into());
    }
    // A rescanned environment is judged as its scheduled scans judge it: against its states
    // when the defaults name some.
    let from = defaults
        .from
        .iter()
        .filter(|(env, _)| scan.contains(env))
        .map(|(env, sources)| (env.clone(), sources.clone()))
        .collect();
    let body = RequestBody {
        scan,
        compare: vec![],
        regions: vec![region.to_string()],
        from,
        unmanaged_only: false,
    };
    let mut request = body.into_request()?;
    // The event says who changed what: the rescan's findings on what it names are attributed
    // to it, with no extra call.
    request.attribution.changes = ChangeRecord::from_record(detail).into_iter().collect();
    Ok(Invocation {
        trigger: Trigger::Change {
            source: source.into(),
            event_name: event_name.into(),
            region: region.into(),
        },
        request,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sqs_events_are_told_apart_from_requests() {
        let event = serde_json::json!({"Records": [{
            "messageId": "m-1", "receiptHandle": "h", "body": "{}",
            "attributes": {"ApproximateReceiveCount": "3"},
            "eventSource": "aws:sqs",
            "eventSourceARN": "arn:aws:sqs:us-east-1:123456789012:driftscan-work-dlq"
        }]});
        let messages = sqs_messages(&event).unwrap();
        assert_eq!(messages.len(), 1);
        assert_eq!(messages[0].message_id, "m-1");
        assert_eq!(messages[0].receive_count, 3);
        assert!(messages[0].source_arn.ends_with("driftscan-work-dlq"));
        assert_eq!(sqs_messages(&serde_json::json!({"scan": ["prod"]})), None);
        assert_eq!(sqs_messages(&serde_json::json!({"Records": []})), None);
        let s3 = serde_json::json!({"Records": [{"eventSource": "aws:s3"}]});
        assert_eq!(sqs_messages(&s3), None, "only SQS records");
    }
    use serde_json::json;

    #[test]
    fn states_are_part_of_a_request_and_follow_a_rescan() {
        let direct = json!({
            "scan": ["prod"],
            "from": {"prod": ["tfstate:s3://acme-tfstate/prod/terraform.tfstate"]}
        });
        let request = parse(direct, &defaults()).unwrap().request;
        assert_eq!(
            request.states["prod"][0].to_string(),
            "tfstate:s3://acme-tfstate/prod/terraform.tfstate"
        );
        let bad = json!({"scan": ["prod"], "from": {"prod": ["terraform:prod.tfstate"]}});
        let err = parse(bad, &defaults()).unwrap_err();
        assert!(err.contains("terraform:prod.tfstate"), "{err}");

        let mut watched = defaults();
        watched.from = [(
            "prod".to_string(),
            vec!["tfstate:s3://acme-tfstate/prod/terraform.tfstate"
                .parse()
                .unwrap()],
        )]
        .into();
        let event = cloudtrail(
            "ec2.amazonaws.com",
            "AuthorizeSecurityGroupIngress",
            json!({"groupId": "sg-1", "tagSpecificationSet": {"items": [{"tags": [{"key": "Environment", "value": "prod"}]}]}}),
        );
        let rescan = parse(event, &watched).unwrap().request;
        assert_eq!(rescan.states.keys().collect::<Vec<_>>(), ["prod"]);
    }

    fn defaults() -> RequestBody {
        RequestBody {
            scan: vec!["staging".into(), "prod".into()],
            compare: vec![vec!["staging".into(), "prod".into()]],
            ..Default::default()
        }
    }

    fn cloudtrail(source: &str, name: &str, request: Value) -> Value {
        json!({
            "version": "0",
            "id": "6a7e8feb-b491-4cf7-a9f1-bf3703467718",
            "detail-type": "AWS API Call via CloudTrail",
            "source": format!("aws.{}", source.trim_end_matches(".amazonaws.com")),
            "region": "us-east-1",
            "detail": {
                "eventSource": source,
                "eventName": name,
                "awsRegion": "us-east-1",
                "requestParameters": request,
                "responseElements": null
            }
        })
    }

    #[test]
    fn a_bare_schedule_runs_the_configured_defaults() {
        let event = json!({"version": "0", "detail-type": "Scheduled Event", "source": "aws.events", "detail": {}});
        let invocation = parse(event, &defaults()).unwrap();
        assert_eq!(invocation.trigger, Trigger::Scheduled);
        assert_eq!(invocation.request.scan, ["staging", "prod"]);
        assert_eq!(invocation.request.compare, [["staging", "prod"]]);
        assert_eq!(invocation.request.regions, None);
    }

    #[test]
    fn a_request_overrides_the_defaults() {
        let direct =
            json!({"scan": ["dev"], "compare": [["dev", "staging"]], "regions": ["eu-west-1"]});
        let invocation = parse(direct, &defaults()).unwrap();
        assert_eq!(invocation.request.scan, ["dev"]);
        assert_eq!(
            invocation.request.regions,
            Some(vec!["eu-west-1".to_string()])
        );
        let wrapped = json!({"detail-type": "Scheduled Event", "detail": {"scan": ["dev"]}});
        assert_eq!(parse(wrapped, &defaults()).unwrap().request.scan, ["dev"]);
    }

    #[test]
    fn bad_requests_say_what_is_wrong() {
        let cases = [
            (json!([1]), "the event must be a JSON object"),
            (
                json!({"env": "prod"}),
                "invalid request: unknown field `env`",
            ),
            (json!({"scan": ["Prod"]}), "invalid environment name `Prod`"),
            (json!({"scan": ["prod"], "regions": ["mars-1"]}), "mars-1"),
            (
                json!({"detail-type": "EC2 Instance State-change Notification", "detail": {}}),
                "unsupported event",
            ),
        ];
        for (event, expected) in cases {
            let err = parse(event.clone(), &defaults()).unwrap_err();
            assert!(err.contains(expected), "{event}: {err}");
        }
        let nothing = parse(json!({}), &RequestBody::default()).unwrap_err();
        assert!(nothing.contains("nothing to do"));
    }

    #[test]
    fn a_change_rescans_the_environment_it_names_in_its_region() {
        let event = cloudtrail(
            "ecs.amazonaws.com",
            "UpdateService",
            json!({"cluster": "trading-cluster-staging", "service": "trading-app-staging"}),
        );
        let invocation = parse(event, &defaults()).unwrap();
        assert_eq!(
            invocation.trigger,
            Trigger::Change {
                source: "ecs.amazonaws.com".into(),
                event_name: "UpdateService".into(),
                region: "us-east-1".into()
            }
        );
        assert_eq!(invocation.request.scan, ["staging"]);
        assert!(invocation.request.compare.is_empty());
        assert_eq!(
            invocation.request.regions,
            Some(vec!["us-east-1".to_string()])
        );

        let ssm = cloudtrail(
            "ssm.amazonaws.com",
            "PutParameter",
            json!({"name": "/prod/app/log-level", "overwrite": true}),
        );
        assert_eq!(parse(ssm, &defaults()).unwrap().request.scan, ["prod"]);
        let rds = cloudtrail(
            "rds.amazonaws.com",
            "ModifyDBCluster",
            json!({"dBClusterIdentifier": "aurora-cluster-prod"}),
        );
        assert_eq!(parse(rds, &defaults()).unwrap().request.scan, ["prod"]);
    }

    #[test]
    fn a_change_naming_no_environment_rescans_every_watched_one() {
        let event = cloudtrail(
            "ec2.amazonaws.com",
            "AuthorizeSecurityGroupIngress",
            json!({"groupId": "sg-0abc", "ipPermissions": {"items": [{"fromPort": 5432}]}}),
        );
        assert_eq!(
            parse(event, &defaults()).unwrap().request.scan,
            ["staging", "prod"]
        );
    }

    #[test]
    fn environment_names_match_whole_tokens_whatever_their_case_as_the_engine_does() {
        let named = |request: Value| {
            let event = cloudtrail("rds.amazonaws.com", "ModifyDBCluster", request);
            parse(event, &defaults()).unwrap().request.scan
        };
        // The engine places `Aurora-Cluster-PROD` in prod (names ignore ASCII case): so does
        // the change trigger.
        assert_eq!(
            named(json!({"dBClusterIdentifier": "Aurora-Cluster-PROD"})),
            ["prod"]
        );
        assert_eq!(
            named(json!({"dBClusterIdentifier": "product-api"})),
            ["staging", "prod"],
            "`prod` inside another word names no environment"
        );
    }

    #[test]
    fn unwatched_or_failed_calls_are_ignored() {
        // S3 is watched, but writing an object changes no bucket configuration.
        let s3 = cloudtrail("s3.amazonaws.com", "PutObject", json!({}));
        assert!(matches!(
            parse(s3, &defaults()).unwrap().trigger,
            Trigger::Ignored(_)
        ));
        let mut denied = cloudtrail(
            "ec2.amazonaws.com",
            "AuthorizeSecurityGroupIngress",
            json!({}),
        );
        denied["detail"]["errorCode"] = json!("Client.UnauthorizedOperation");
        let invocation = parse(denied, &defaults()).unwrap();
        assert!(
            matches!(invocation.trigger, Trigger::Ignored(ref why) if why.contains("UnauthorizedOperation"))
        );
        assert!(invocation.request.scan.is_empty());
    }
}
