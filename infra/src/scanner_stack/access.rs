//! The stack's policy documents, pure: what the function's role may do, who may assume it, and
//! who may publish to the alert topic.

use serde_json::{json, Value};

use super::ScannerSpec;

/// The function's IAM policy: read-only calls of every collector, `sns:Publish` on the alert
/// topic only, `cloudwatch:PutMetricData` in the `Driftscan` namespace only, its alert state in
/// SSM, its logs, its work queues, `runs/` of the run bucket, its table, and `s3:PutObject`
/// under `reports/` of the report bucket when there is one, and with Security Hub
/// `securityhub:BatchImportFindings` into its own account's default product.
/// `kms:Decrypt` only with digests.
pub fn policy_document(spec: &ScannerSpec) -> Value {
    let state = scanner::config::DEFAULT_STATE_PATH.trim_start_matches('/');
    let mut statements = scanner::services::read_statements(spec.secure_digest);
    statements.extend([
        json!({"Sid": "PublishAlerts", "Effect": "Allow", "Action": ["sns:Publish"], "Resource": spec.topic_arn()}),
        json!({
            "Sid": "PutDriftscanMetrics", "Effect": "Allow", "Action": ["cloudwatch:PutMetricData"], "Resource": "*",
            "Condition": {"StringEquals": {"cloudwatch:namespace": scanner::metrics::NAMESPACE}}
        }),
        json!({
            "Sid": "AlertState", "Effect": "Allow",
            "Action": ["ssm:GetParametersByPath", "ssm:PutParameter", "ssm:DeleteParameters"],
            "Resource": [
                format!("arn:aws:ssm:{}:{}:parameter/{state}", spec.region, spec.account),
                format!("arn:aws:ssm:{}:{}:parameter/{state}/*", spec.region, spec.account)
            ]
        }),
        json!({
            "Sid": "Logs", "Effect": "Allow",
            "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
            "Resource": format!("arn:aws:logs:{}:{}:log-group:/aws/lambda/{}:*", spec.region, spec.account, spec.function)
        }),
    ]);
    let mut assumable = spec.member_roles.clone();
    if let Some(role) = &spec.organization_role {
        assumable.push(format!("arn:aws:iam::*:role/{role}"));
        statements.push(json!({
            "Sid": "ListOrganization", "Effect": "Allow",
            "Action": ["organizations:ListAccounts", "organizations:ListAccountsForParent",
                       "organizations:ListOrganizationalUnitsForParent", "organizations:ListTagsForResource"],
            "Resource": "*"
        }));
    }
    if !assumable.is_empty() {
        statements.push(json!({
            "Sid": "AssumeMemberRoles", "Effect": "Allow", "Action": ["sts:AssumeRole"],
            "Resource": assumable
        }));
    }
    statements.extend([
        json!({
            // Publishing to the encrypted topic: its key, by alias, and only through SNS.
            "Sid": "EncryptAlerts", "Effect": "Allow",
            "Action": ["kms:GenerateDataKey", "kms:Decrypt"],
            "Resource": format!("arn:aws:kms:{}:{}:key/*", spec.region, spec.account),
            "Condition": {
                "ForAnyValue:StringEquals": {"kms:ResourceAliases": spec.alert_key_alias()},
                "StringEquals": {"kms:ViaService": format!("sns.{}.amazonaws.com", spec.region)}
            }
        }),
        json!({
            "Sid": "QueueWorkItems", "Effect": "Allow", "Action": ["sqs:SendMessage"],
            "Resource": spec.queue_arn(&spec.queue)
        }),
        json!({
            "Sid": "ReceiveWorkItems", "Effect": "Allow",
            "Action": ["sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes", "sqs:ChangeMessageVisibility"],
            "Resource": [spec.queue_arn(&spec.queue), spec.queue_arn(&spec.dead_letter_queue())]
        }),
        json!({
            "Sid": "RunSnapshots", "Effect": "Allow", "Action": ["s3:PutObject", "s3:GetObject"],
            "Resource": format!("arn:aws:s3:::{}/runs/*", spec.run_bucket)
        }),
        json!({
            "Sid": "RunsAndFindingsLedger", "Effect": "Allow",
            "Action": ["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem",
                       "dynamodb:Query", "dynamodb:BatchWriteItem"],
            "Resource": spec.table_arn()
        }),
    ]);
    if let Some(bucket) = &spec.report_bucket {
        statements.push(json!({
            "Sid": "KeepReports", "Effect": "Allow", "Action": ["s3:PutObject"],
            "Resource": format!("arn:aws:s3:::{bucket}/reports/*")
        }));
    }
    if spec.security_hub {
        statements.push(crate::member_roles::import_findings_statement(
            &spec.account,
        ));
    }
    json!({"Version": "2012-10-17", "Statement": statements})
}

pub(super) fn trust_policy() -> Value {
    json!({
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}]
    })
}

/// Who may publish to the alert topic: the function's role, and CloudWatch for the stack's
/// incomplete-scan alarm only (the default policy lets anything in the account publish).
pub fn topic_policy(spec: &ScannerSpec) -> Value {
    let topic = spec.topic_arn();
    json!({
        "Version": "2012-10-17",
        "Id": "driftscan-alerts",
        "Statement": [
            {
                "Sid": "ScannerPublishes", "Effect": "Allow",
                "Principal": {"AWS": format!("arn:aws:iam::{}:role/{}", spec.account, spec.role)},
                "Action": "sns:Publish", "Resource": topic
            },
            {
                "Sid": "IncompleteScanAlarmPublishes", "Effect": "Allow",
                "Principal": {"Service": "cloudwatch.amazonaws.com"},
                "Action": "sns:Publish", "Resource": topic,
                "Condition": {"ArnLike": {"aws:SourceArn": format!(
                    "arn:aws:cloudwatch:{}:{}:alarm:{}", spec.region, spec.account, spec.alarm()
                )}}
            }
        ]
    })
}
