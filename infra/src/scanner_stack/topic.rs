//! The alert topic: created when missing, the email subscription, and its access policy.

use serde_json::Value;

use super::{access::topic_policy, Clients, ScannerSpec};
use crate::{call_error, Action, InfraError, Recorder};

/// Whether the alert topic exists (listed: CreateTopic would "succeed" either way).
pub(super) async fn topic_exists(c: &Clients, spec: &ScannerSpec) -> Result<bool, InfraError> {
    let arn = spec.topic_arn();
    let mut pages = c.sns.list_topics().into_paginator().items().send();
    while let Some(topic) = pages.next().await {
        let topic = topic.map_err(call_error("ListTopics", &spec.topic))?;
        if topic.topic_arn() == Some(arn.as_str()) {
            return Ok(true);
        }
    }
    Ok(false)
}

pub(super) async fn topic(
    c: &Clients,
    spec: &ScannerSpec,
    rec: &Recorder,
) -> Result<(), InfraError> {
    let arn = spec.topic_arn();
    let exists = topic_exists(c, spec).await?;
    if !exists {
        rec.change(
            Action::Create,
            format!("sns-topic {}", spec.topic),
            String::new(),
            async {
                c.sns
                    .create_topic()
                    .name(&spec.topic)
                    .send()
                    .await
                    .map_err(call_error("CreateTopic", &spec.topic))?;
                Ok(())
            },
        )
        .await?;
    }
    if let Some(email) = &spec.email {
        let subscribed = if exists {
            let found = c
                .sns
                .list_subscriptions_by_topic()
                .topic_arn(&arn)
                .send()
                .await
                .map_err(call_error("ListSubscriptionsByTopic", &spec.topic))?;
            found
                .subscriptions()
                .iter()
                .any(|s| s.protocol() == Some("email") && s.endpoint() == Some(email.as_str()))
        } else {
            false
        };
        if !subscribed {
            rec.change(
                Action::Create,
                format!("sns-subscription {}", spec.topic),
                format!("email {email}"),
                async {
                    c.sns
                        .subscribe()
                        .topic_arn(&arn)
                        .protocol("email")
                        .endpoint(email)
                        .send()
                        .await
                        .map_err(call_error("Subscribe", email))?;
                    Ok(())
                },
            )
            .await?;
        }
    }
    Ok(())
}

/// The topic's access policy and its encryption with the alert key, each put when it differs
/// (after the role the policy names and the key exist).
pub(super) async fn topic_access(
    c: &Clients,
    spec: &ScannerSpec,
    rec: &Recorder,
) -> Result<(), InfraError> {
    let arn = spec.topic_arn();
    let wanted = topic_policy(spec);
    let key = spec.alert_key_alias();
    let attributes = match c.sns.get_topic_attributes().topic_arn(&arn).send().await {
        Ok(found) => found.attributes().cloned().unwrap_or_default(),
        Err(e)
            if e.as_service_error()
                .is_some_and(|s| s.is_not_found_exception()) =>
        {
            Default::default()
        }
        Err(e) => return Err(call_error("GetTopicAttributes", &spec.topic)(e)),
    };
    let policy = attributes
        .get("Policy")
        .and_then(|p| serde_json::from_str::<Value>(p).ok());
    let changes = [
        (
            "Policy",
            wanted.to_string(),
            policy.as_ref() == Some(&wanted),
            format!("sns-topic-policy {}", spec.topic),
            "publish: the scanner role and the incomplete-scan alarm only".to_string(),
        ),
        (
            "KmsMasterKeyId",
            key.clone(),
            attributes.get("KmsMasterKeyId") == Some(&key),
            format!("sns-topic {}", spec.topic),
            format!("encrypted with {key}"),
        ),
    ];
    for (attribute, value, same, resource, detail) in changes {
        if same {
            continue;
        }
        rec.change(Action::Update, resource, detail, async {
            c.sns
                .set_topic_attributes()
                .topic_arn(&arn)
                .attribute_name(attribute)
                .attribute_value(value)
                .send()
                .await
                .map_err(call_error("SetTopicAttributes", &spec.topic))?;
            Ok(())
        })
        .await?;
    }
    Ok(())
}
