//! The read-only policy `driftscan iam-policy` prints is exactly what a scan needs. moto checks
//! IAM policies once its enforcement is switched on (`/moto-api/reset-auth`): a snapshot taken
//! as an IAM user holding exactly that policy is complete, and the same snapshot without one of
//! its actions is incomplete and names the read that was refused and the action it needs.
//!
//! moto refuses every denied call with one XML error shape (EC2's, `<Errors><Error>`), so the
//! SDK reads AWS's code from EC2's and S3's refusals only: ECS and SSM (JSON protocols) get a
//! `MalformedResponse`, RDS and Elastic Load Balancing an `UnknownServiceError`. What is
//! asserted holds for every one of them: the read fails with HTTP 403, only that read, and its
//! failure names the IAM action it needs.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::Duration;

use serde_json::{json, Value};

use crate::support::{block_on, parse_snapshot, Moto};

/// Actions moto authorizes under its own names (checked against moto 5.2.5's action map): its
/// alias is granted beside AWS's action, never instead of it. The tagging API is authorized as
/// `tagging:GetResources` (AWS: `tag:GetResources`); the bucket sub-resources missing from its
/// map (`?encryption`, `?ownershipControls`, `?publicAccessBlock`) as `s3:ListBucket`.
const MOTO_ALIASES: &[&str] = &["tagging:GetResources", "s3:ListBucket"];

/// One read of each service, left out of the policy in turn: (action, refused operation).
const WITHHELD: &[(&str, &str)] = &[
    ("ec2:DescribeSecurityGroups", "DescribeSecurityGroups"),
    ("ecs:DescribeServices", "DescribeServices"),
    ("rds:DescribeDBInstances", "DescribeDBInstances"),
    ("ssm:GetParameters", "GetParameters"),
    (
        "elasticloadbalancing:DescribeListeners",
        "DescribeListeners",
    ),
    ("s3:GetBucketPolicy", "GetBucketPolicy"),
];

/// `driftscan iam-policy`, as a user would save it.
fn printed_policy(moto: &Moto) -> Value {
    let output = moto.driftscan().arg("iam-policy").output().expect("runs");
    assert!(output.status.success(), "iam-policy exits 0");
    serde_json::from_slice(&output.stdout).expect("a JSON policy document")
}

/// The printed policy with moto's aliases beside it, and without `withheld`.
fn policy_for_moto(printed: &Value, withheld: Option<&str>) -> Value {
    let mut policy = printed.clone();
    let statements = policy["Statement"].as_array_mut().expect("statements");
    let actions = statements[0]["Action"].as_array_mut().expect("actions");
    if let Some(withheld) = withheld {
        let before = actions.len();
        actions.retain(|a| a.as_str() != Some(withheld));
        assert_eq!(
            actions.len(),
            before - 1,
            "{withheld} is in the printed policy"
        );
    }
    statements.push(json!({
        "Sid": "MotoActionNames", "Effect": "Allow", "Action": MOTO_ALIASES, "Resource": "*"
    }));
    policy
}

/// Creates an IAM user holding `policy` inline; returns its access key.
async fn user_holding(moto: &Moto, name: &str, policy: &Value) -> (String, String) {
    let iam = aws_sdk_iam::Client::new(&moto.sdk_config("us-east-1").await);
    iam.create_user()
        .user_name(name)
        .send()
        .await
        .expect("create user");
    iam.put_user_policy()
        .user_name(name)
        .policy_name("driftscan-read-only")
        .policy_document(policy.to_string())
        .send()
        .await
        .expect("put user policy");
    let key = iam
        .create_access_key()
        .user_name(name)
        .send()
        .await
        .expect("access key");
    let key = key.access_key().expect("an access key");
    (
        key.access_key_id().to_string(),
        key.secret_access_key().to_string(),
    )
}

/// Switches moto's IAM enforcement on for every later call.
fn enforce_iam(moto: &Moto) {
    let address = moto.endpoint.trim_start_matches("http://");
    let mut stream = TcpStream::connect(address).expect("moto answers");
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .expect("timeout");
    let request = format!(
        "POST /moto-api/reset-auth HTTP/1.1\r\nHost: {address}\r\nContent-Type: text/plain\r\n\
         Content-Length: 1\r\nConnection: close\r\n\r\n0"
    );
    stream.write_all(request.as_bytes()).expect("request sent");
    let mut response = String::new();
    let _ = stream.read_to_string(&mut response);
    assert!(
        response.starts_with("HTTP/1.1 200") || response.starts_with("HTTP/1.0 200"),
        "moto switched IAM enforcement on: {response}"
    );
}

/// `driftscan snapshot` of staging as the user with `key`: (exit code, snapshot). CloudFront
/// and Route 53 are read from `unenforced`: moto 5.2.5 cannot check a signature of those
/// REST-XML global services (it answers `SignatureDoesNotMatch` to botocore too), so their
/// actions are proven by the registry's policy test alone.
fn snapshot_as(moto: &Moto, key: &(String, String), unenforced: &Moto) -> (i32, scanner::Snapshot) {
    let output = moto
        .driftscan()
        .env("AWS_ENDPOINT_URL_CLOUDFRONT", &unenforced.endpoint)
        .env("AWS_ENDPOINT_URL_ROUTE_53", &unenforced.endpoint)
        .env("AWS_ACCESS_KEY_ID", &key.0)
        .env("AWS_SECRET_ACCESS_KEY", &key.1)
        .args([
            "snapshot",
            "--env",
            "staging",
            "--region",
            "us-east-1",
            "-q",
        ])
        .output()
        .expect("driftscan runs");
    (
        output.status.code().unwrap_or(-1),
        parse_snapshot(&output.stdout),
    )
}

#[test]
fn a_scan_holding_exactly_the_printed_policy_is_complete_and_one_action_less_is_not() {
    let moto = Moto::start();
    let unenforced = Moto::start();
    let printed = printed_policy(&moto);
    let (full, withholding) = block_on(async {
        moto.provision("staging", "us-east-1").await;
        let full = user_holding(&moto, "scanner", &policy_for_moto(&printed, None)).await;
        let mut withholding = Vec::new();
        for (i, (action, operation)) in WITHHELD.iter().enumerate() {
            let policy = policy_for_moto(&printed, Some(action));
            let key = user_holding(&moto, &format!("scanner-without-{i}"), &policy).await;
            withholding.push((*action, *operation, key));
        }
        (full, withholding)
    });
    enforce_iam(&moto);

    let (code, snapshot) = snapshot_as(&moto, &full, &unenforced);
    assert!(
        snapshot.complete,
        "the printed policy is enough: {:#?}",
        snapshot.failures
    );
    assert_eq!(code, 0);
    assert!(snapshot.resources.len() > 20, "the estate was read");

    let outsider = ("AKIAOUTSIDER00000000".to_string(), "nope".to_string());
    let (code, snapshot) = snapshot_as(&moto, &outsider, &unenforced);
    assert_eq!(code, 2, "enforcement is on: an unknown key reads nothing");
    assert!(!snapshot.complete);

    for (action, operation, key) in &withholding {
        let (code, snapshot) = snapshot_as(&moto, key, &unenforced);
        assert_eq!(code, 2, "without {action} the scan is incomplete");
        assert!(!snapshot.complete);
        // The services selected by what is refused are not read, and say so.
        let failures: Vec<_> = snapshot
            .failures
            .iter()
            .filter(|f| f.code != scanner::scan::SELECTION_UNREAD)
            .collect();
        let refused: Vec<_> = failures
            .iter()
            .map(|f| (f.operation.as_str(), f.code.as_str()))
            .collect();
        assert!(
            !failures.is_empty() && failures.iter().all(|f| f.operation == *operation),
            "without {action} only {operation} is refused: {refused:?}"
        );
        let needs = format!("this read needs the IAM action {action}");
        assert!(
            failures.iter().all(|f| f.message.contains(&needs)),
            "the failure names {action}: {:#?}",
            snapshot.failures
        );
    }
}
