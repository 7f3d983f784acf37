//! Edge and storage rules: what the internet sees of the load balancer, and how buckets keep
//! their data.

use serde::Deserialize;
use serde_json::json;

use super::{of_kind, params, required, required_where_said, Check, Day, RuleDef, Violation};
use crate::model::{
    Listener, ListenerAction, LoadBalancer, Properties, Resource, S3Bucket, Severity, Snapshot,
};

fn listeners(snapshot: &Snapshot) -> impl Iterator<Item = (&Resource, &Listener)> {
    of_kind(snapshot, |p| match p {
        Properties::Listener(l) => Some(l),
        _ => None,
    })
}

fn load_balancers(snapshot: &Snapshot) -> impl Iterator<Item = (&Resource, &LoadBalancer)> {
    of_kind(snapshot, |p| match p {
        Properties::LoadBalancer(b) => Some(b),
        _ => None,
    })
}

fn buckets(snapshot: &Snapshot) -> impl Iterator<Item = (&Resource, &S3Bucket)> {
    of_kind(snapshot, |p| match p {
        Properties::S3Bucket(b) => Some(b),
        _ => None,
    })
}

/// `http-redirects-to-https`: a plain-HTTP listener only redirects to HTTPS.
pub const HTTP_REDIRECTS_TO_HTTPS: RuleDef = RuleDef {
    id: "http-redirects-to-https",
    severity: Severity::High,
    rationale: "An HTTP listener that forwards serves the application in clear text; port 80 exists only to send browsers to 443.",
    build: |values| Ok(Box::new(HttpRedirects(required(values)?))),
};

struct HttpRedirects(bool);

impl Check for HttpRedirects {
    fn check<'a>(&self, snapshot: &'a Snapshot, _today: Day, out: &mut Vec<Violation<'a>>) {
        if !self.0 {
            return;
        }
        for (resource, listener) in listeners(snapshot) {
            if listener.protocol.as_deref() != Some("HTTP") {
                continue;
            }
            let redirects = !listener.default_actions.is_empty()
                && listener.default_actions.iter().all(|a| {
                    matches!(a, ListenerAction::Redirect(r) if r.protocol.as_deref() == Some("HTTPS"))
                });
            if !redirects {
                out.push(Violation {
                    resource,
                    path: Some("properties.default_actions".into()),
                    expected: Some(json!([{"redirect": {"protocol": "HTTPS"}}])),
                    actual: serde_json::to_value(&listener.default_actions).ok(),
                    message: format!(
                        "{} answers plain HTTP instead of redirecting to HTTPS",
                        resource.name
                    ),
                });
            }
        }
    }
}

/// TLS policies that negotiate TLS 1.2 at least and TLS 1.3 (AWS's recommended ones).
const TLS13_POLICIES: [&str; 4] = [
    "ELBSecurityPolicy-TLS13-1-2-2021-06",
    "ELBSecurityPolicy-TLS13-1-2-Res-2021-06",
    "ELBSecurityPolicy-TLS13-1-3-2021-06",
    "ELBSecurityPolicy-TLS13-1-2-FIPS-2023-04",
];

/// `listener-tls-policy`: HTTPS and TLS listeners use a TLS policy from the allowed list.
pub const LISTENER_TLS_POLICY: RuleDef = RuleDef {
    id: "listener-tls-policy",
    severity: Severity::High,
    rationale: "An older TLS policy re-enables TLS 1.0/1.1 and weak ciphers for every client; the policy is one setting that is easy to downgrade by hand.",
    build: |values| Ok(Box::new(params::<TlsPolicy>(values)?)),
};

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct TlsPolicy {
    #[serde(default = "tls13_policies")]
    allowed: Vec<String>,
}

fn tls13_policies() -> Vec<String> {
    TLS13_POLICIES.iter().map(|p| p.to_string()).collect()
}

impl Check for TlsPolicy {
    fn check<'a>(&self, snapshot: &'a Snapshot, _today: Day, out: &mut Vec<Violation<'a>>) {
        for (resource, listener) in listeners(snapshot) {
            if !matches!(listener.protocol.as_deref(), Some("HTTPS" | "TLS")) {
                continue;
            }
            let policy = listener.ssl_policy.as_deref().unwrap_or_default();
            if !self.allowed.iter().any(|a| a == policy) {
                out.push(Violation {
                    resource,
                    path: Some("properties.ssl_policy".into()),
                    expected: Some(json!({"one_of": self.allowed})),
                    actual: Some(json!(listener.ssl_policy)),
                    message: format!(
                        "{} uses TLS policy `{policy}`, which is not allowed here",
                        resource.name
                    ),
                });
            }
        }
    }
}

/// `load-balancer-deletion-protection`: load balancers cannot be deleted by accident where the
/// environment says so.
pub const LOAD_BALANCER_DELETION_PROTECTION: RuleDef = RuleDef {
    id: "load-balancer-deletion-protection",
    severity: Severity::Medium,
    rationale: "Deleting the load balancer takes the environment off the internet and changes its DNS name; protection turns the mistake into an error.",
    build: |values| {
        Ok(Box::new(LbDeletionProtection(
            required_where_said(values)?,
        )))
    },
};

struct LbDeletionProtection(bool);

impl Check for LbDeletionProtection {
    fn check<'a>(&self, snapshot: &'a Snapshot, _today: Day, out: &mut Vec<Violation<'a>>) {
        if !self.0 {
            return;
        }
        for (resource, balancer) in load_balancers(snapshot) {
            if !balancer.deletion_protection {
                out.push(Violation {
                    resource,
                    path: Some("properties.deletion_protection".into()),
                    expected: Some(json!(true)),
                    actual: Some(json!(false)),
                    message: format!("{} can be deleted without protection", resource.name),
                });
            }
        }
    }
}

/// `bucket-public-access-blocked`: all four public-access-block settings are on.
pub const BUCKET_PUBLIC_ACCESS_BLOCKED: RuleDef = RuleDef {
    id: "bucket-public-access-blocked",
    severity: Severity::Critical,
    rationale: "The public access block is the one switch that keeps a bucket private whatever its policy and ACLs say; lifting it is how data leaks start.",
    build: |values| Ok(Box::new(PublicAccess(required(values)?))),
};

struct PublicAccess(bool);

impl Check for PublicAccess {
    fn check<'a>(&self, snapshot: &'a Snapshot, _today: Day, out: &mut Vec<Violation<'a>>) {
        if !self.0 {
            return;
        }
        for (resource, bucket) in buckets(snapshot) {
            let blocked = bucket
                .public_access_block
                .is_some_and(|b| b.blocks_everything());
            if !blocked {
                out.push(Violation {
                    resource,
                    path: Some("properties.public_access_block".into()),
                    expected: Some(json!({
                        "block_public_acls": true, "ignore_public_acls": true,
                        "block_public_policy": true, "restrict_public_buckets": true
                    })),
                    actual: Some(json!(bucket.public_access_block)),
                    message: format!("{} does not block public access", resource.name),
                });
            }
        }
    }
}

/// `bucket-encrypted`: buckets encrypt new objects by default (with KMS where required).
pub const BUCKET_ENCRYPTED: RuleDef = RuleDef {
    id: "bucket-encrypted",
    severity: Severity::High,
    rationale: "Default encryption is what keeps an object written by any client encrypted at rest; a KMS key adds an access control and an audit trail of its own.",
    build: |values| Ok(Box::new(params::<BucketEncrypted>(values)?)),
};

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct BucketEncrypted {
    #[serde(default)]
    require_kms: bool,
}

impl Check for BucketEncrypted {
    fn check<'a>(&self, snapshot: &'a Snapshot, _today: Day, out: &mut Vec<Violation<'a>>) {
        for (resource, bucket) in buckets(snapshot) {
            let algorithm = bucket.encryption.as_ref().map(|e| e.algorithm.as_str());
            let ok = match algorithm {
                None => false,
                Some(a) => !self.require_kms || a.starts_with("aws:kms"),
            };
            if !ok {
                out.push(Violation {
                    resource,
                    path: Some("properties.encryption".into()),
                    expected: Some(if self.require_kms {
                        json!({"algorithm": "aws:kms"})
                    } else {
                        json!({"exists": true})
                    }),
                    actual: Some(json!(bucket.encryption)),
                    message: match algorithm {
                        None => format!("{} has no default encryption", resource.name),
                        Some(a) => format!(
                            "{} encrypts with {a}; this environment requires a KMS key",
                            resource.name
                        ),
                    },
                });
            }
        }
    }
}

/// `bucket-versioning`: buckets keep object versions where the environment says so.
pub const BUCKET_VERSIONING: RuleDef = RuleDef {
    id: "bucket-versioning",
    severity: Severity::Medium,
    rationale: "Versioning is what turns an overwrite or a delete into something that can be undone; suspending it quietly removes that.",
    build: |values| {
        Ok(Box::new(Versioning(
            required_where_said(values)?,
        )))
    },
};

struct Versioning(bool);

impl Check for Versioning {
    fn check<'a>(&self, snapshot: &'a Snapshot, _today: Day, out: &mut Vec<Violation<'a>>) {
        if !self.0 {
            return;
        }
        for (resource, bucket) in buckets(snapshot) {
            if bucket.versioning != "Enabled" {
                out.push(Violation {
                    resource,
                    path: Some("properties.versioning".into()),
                    expected: Some(json!("Enabled")),
                    actual: Some(json!(bucket.versioning)),
                    message: format!("{} keeps no object versions", resource.name),
                });
            }
        }
    }
}

/// `bucket-policy-no-public-grant`: no bucket policy statement allows `*` without a condition.
pub const BUCKET_POLICY_NO_PUBLIC_GRANT: RuleDef = RuleDef {
    id: "bucket-policy-no-public-grant",
    severity: Severity::Critical,
    rationale: "A statement that allows any principal with no condition opens the bucket to the internet as soon as the public access block is lifted.",
    build: |values| Ok(Box::new(NoPublicGrant(required(values)?))),
};

struct NoPublicGrant(bool);

impl Check for NoPublicGrant {
    fn check<'a>(&self, snapshot: &'a Snapshot, _today: Day, out: &mut Vec<Violation<'a>>) {
        if !self.0 {
            return;
        }
        for (resource, bucket) in buckets(snapshot) {
            for statement in bucket.policy.iter().flatten() {
                if statement.allows_anyone_unconditionally() {
                    out.push(Violation {
                        resource,
                        path: Some("properties.policy".into()),
                        expected: None,
                        actual: Some(json!(statement)),
                        message: format!(
                            "{}'s policy allows {} to anyone, without a condition",
                            resource.name,
                            statement.actions.join(", ")
                        ),
                    });
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use crate::model::{
        BucketEncryption, Listener, ListenerAction, Properties, PublicAccessBlock, RedirectAction,
        ResourceRef, S3Bucket,
    };
    use crate::testing::{resource, run};

    fn listener(
        protocol: &str,
        policy: Option<&str>,
        action: ListenerAction,
    ) -> crate::model::Resource {
        resource(
            "alb-prod:80",
            Properties::Listener(Listener {
                load_balancer: ResourceRef::id("alb-prod"),
                port: Some(80),
                protocol: Some(protocol.into()),
                ssl_policy: policy.map(str::to_string),
                certificates: vec![],
                default_actions: vec![action],
            }),
        )
    }

    fn redirect() -> ListenerAction {
        ListenerAction::Redirect(RedirectAction {
            protocol: Some("HTTPS".into()),
            port: Some("443".into()),
            host: None,
            path: None,
            query: None,
            status_code: "HTTP_301".into(),
        })
    }

    fn forward() -> ListenerAction {
        ListenerAction::Forward(crate::model::ForwardAction {
            target_groups: vec![ResourceRef::id("app")],
        })
    }

    fn bucket(edit: impl FnOnce(&mut S3Bucket)) -> crate::model::Resource {
        let mut bucket = S3Bucket {
            versioning: "Enabled".into(),
            mfa_delete: None,
            encryption: Some(BucketEncryption {
                algorithm: "aws:kms".into(),
                kms_key: Some("alias/data".into()),
                bucket_key_enabled: Some(true),
            }),
            public_access_block: Some(PublicAccessBlock {
                block_public_acls: true,
                ignore_public_acls: true,
                block_public_policy: true,
                restrict_public_buckets: true,
            }),
            object_ownership: Some("BucketOwnerEnforced".into()),
            policy: None,
            lifecycle_rules: vec![],
            logging: None,
        };
        edit(&mut bucket);
        resource("trading-data-prod", Properties::S3Bucket(bucket))
    }

    #[test]
    fn http_listeners_only_redirect_to_https() {
        let id = "http-redirects-to-https";
        assert!(run(id, json!({}), vec![listener("HTTP", None, redirect())]).is_empty());
        let found = run(id, json!({}), vec![listener("HTTP", None, forward())]);
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].path.as_deref(), Some("properties.default_actions"));
        assert!(run(id, json!({}), vec![listener("HTTPS", None, forward())]).is_empty());
        assert!(run(
            id,
            json!({"required": false}),
            vec![listener("HTTP", None, forward())]
        )
        .is_empty());
    }

    #[test]
    fn tls_policies_come_from_the_allowed_list() {
        let id = "listener-tls-policy";
        let modern = listener(
            "HTTPS",
            Some("ELBSecurityPolicy-TLS13-1-2-2021-06"),
            forward(),
        );
        assert!(run(id, json!({}), vec![modern]).is_empty());
        let old = || listener("HTTPS", Some("ELBSecurityPolicy-2016-08"), forward());
        assert_eq!(run(id, json!({}), vec![old()]).len(), 1);
        assert!(run(
            id,
            json!({"allowed": ["ELBSecurityPolicy-2016-08"]}),
            vec![old()]
        )
        .is_empty());
    }

    #[test]
    fn buckets_block_public_access_encrypt_version_and_grant_nobody() {
        let clean = run(
            "bucket-public-access-blocked",
            json!({}),
            vec![bucket(|_| {})],
        );
        assert!(clean.is_empty());
        let lifted = bucket(|b| b.public_access_block = None);
        assert_eq!(
            run("bucket-public-access-blocked", json!({}), vec![lifted]).len(),
            1
        );
        let partly = bucket(|b| {
            if let Some(block) = &mut b.public_access_block {
                block.restrict_public_buckets = false;
            }
        });
        assert_eq!(
            run("bucket-public-access-blocked", json!({}), vec![partly]).len(),
            1
        );

        let unencrypted = || bucket(|b| b.encryption = None);
        assert_eq!(
            run("bucket-encrypted", json!({}), vec![unencrypted()]).len(),
            1
        );
        let aes = || {
            bucket(|b| {
                b.encryption = Some(BucketEncryption {
                    algorithm: "AES256".into(),
                    kms_key: None,
                    bucket_key_enabled: None,
                })
            })
        };
        assert!(run("bucket-encrypted", json!({}), vec![aes()]).is_empty());
        assert_eq!(
            run(
                "bucket-encrypted",
                json!({"require_kms": true}),
                vec![aes()]
            )
            .len(),
            1
        );

        let suspended = || bucket(|b| b.versioning = "Suspended".into());
        assert!(
            run("bucket-versioning", json!({}), vec![suspended()]).is_empty(),
            "off unless required"
        );
        assert_eq!(
            run(
                "bucket-versioning",
                json!({"required": true}),
                vec![suspended()]
            )
            .len(),
            1
        );

        let public = bucket(|b| {
            b.policy = Some(
                crate::model::parse_policy(
                    r#"{"Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"*"}]}"#,
                )
                .unwrap(),
            )
        });
        let found = run("bucket-policy-no-public-grant", json!({}), vec![public]);
        assert_eq!(found.len(), 1);
        assert!(
            found[0].message.contains("s3:GetObject"),
            "{}",
            found[0].message
        );
    }

    #[test]
    fn load_balancer_deletion_protection_where_required() {
        let lb = || {
            resource(
                "alb-prod",
                Properties::LoadBalancer(crate::model::LoadBalancer::application(
                    "internet-facing",
                )),
            )
        };
        let id = "load-balancer-deletion-protection";
        assert!(run(id, json!({}), vec![lb()]).is_empty());
        assert_eq!(run(id, json!({"required": true}), vec![lb()]).len(), 1);
    }
}
