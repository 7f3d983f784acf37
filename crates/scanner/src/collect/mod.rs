//! Collectors: the AWS edge. Each service's reader sits in its folder
//! (`crate::services::<service>::collect`); this module holds what they share.
//!
//! A collector never drops what it could not read silently: every failed call becomes a
//! [`ReadFailure`] naming the resource kinds it leaves unknown, and resources of those kinds are
//! removed from the region's result, so a partial list can never pass for a complete one.

#[cfg(test)]
pub(crate) mod replay;

use std::collections::BTreeMap;

use aws_smithy_runtime_api::client::orchestrator::HttpResponse;
use aws_smithy_runtime_api::client::result::SdkError;
use aws_smithy_types::error::metadata::ProvideErrorMetadata;
use aws_types::SdkConfig;
use futures::future::BoxFuture;

use crate::aws::{error_chain, error_code};
use futures::StreamExt;

use crate::digest::DigestKey;
use crate::kinds::Read;
use crate::model::{
    DeletedDuringScan, Properties, ReadFailure, Resource, ResourceKind, Selection, Service,
};
use crate::naming::logical_name;

/// What a collector needs to read one region.
#[derive(Debug, Clone)]
pub struct RegionContext {
    /// The environment being scanned.
    pub environment: String,
    /// The region.
    pub region: String,
    /// How the environment's resources are selected.
    pub selection: Selection,
    /// SDK configuration for this region (credentials, retries, timeouts, endpoints).
    pub sdk_config: SdkConfig,
    /// Key for SecureString digests; `None` never asks for a SecureString's value.
    pub secure_digest: Option<DigestKey>,
    /// What the regional services found, for a service that follows them
    /// ([`crate::kinds::Scope::follows`]): in this region, or every region for a global one.
    /// Empty for the regional services themselves.
    pub found: std::sync::Arc<Vec<Resource>>,
}

impl RegionContext {
    /// Whether a resource with `tags` belongs to the environment. A resource tagged with another
    /// environment never does; an untagged one does when it sits inside one of the environment's
    /// containers (`in_env_container`: its VPC, ECS cluster or DB cluster), so hand-made,
    /// untagged resources in the environment's VPC are seen rather than missed.
    pub fn owns(&self, tags: &BTreeMap<String, String>, in_env_container: bool) -> bool {
        match tags.get(&self.selection.tag_key) {
            Some(value) => value == &self.environment,
            None => in_env_container,
        }
    }

    /// Whether `name` carries the environment's name as a whole token (`alb-staging`): how an
    /// untagged resource outside any container (a load balancer, a bucket) is placed.
    pub fn names_environment(&self, name: &str) -> bool {
        crate::naming::names_token(name, &self.environment)
    }

    /// Builds a resource, deriving its logical name from its display name.
    pub fn resource(
        &self,
        id: impl Into<String>,
        name: impl Into<String>,
        arn: Option<String>,
        tags: BTreeMap<String, String>,
        properties: Properties,
    ) -> Resource {
        let name = name.into();
        Resource {
            kind: properties.kind(),
            region: self.region.clone(),
            id: id.into(),
            logical_name: logical_name(&name, &self.environment),
            name,
            arn,
            tags,
            properties,
        }
    }

    /// A [`ReadFailure`] for a failed SDK call of `read`, leaving `kinds` unknown. A refused
    /// read (an access-denied code, or any HTTP 403) says which IAM action it needs.
    pub fn failure<E>(
        &self,
        read: &Read,
        kinds: &[ResourceKind],
        error: &SdkError<E, HttpResponse>,
    ) -> ReadFailure
    where
        E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
    {
        let mut message = error_chain(error);
        let code = match error_code(error) {
            // The SDK reports missing or expired credentials as a dispatch failure.
            code if code == "DispatchFailure" && message.contains("credentials") => {
                crate::aws::CREDENTIALS_ERROR.to_string()
            }
            code => code,
        };
        let forbidden = error.raw_response().map(|r| r.status().as_u16()) == Some(403);
        if forbidden || ACCESS_DENIED_CODES.contains(&code.as_str()) {
            message.push_str(&format!(
                " (this read needs the IAM action {})",
                read.action
            ));
        }
        ReadFailure {
            region: self.region.clone(),
            service: read.service,
            operation: read.operation.to_string(),
            kinds: kinds.to_vec(),
            code,
            message,
        }
    }

    /// A [`ReadFailure`] for a policy document `read` returned that does not parse: the item
    /// (`bucket `b``) is unknown, and so are `kinds`.
    pub fn malformed_policy(
        &self,
        read: &Read,
        kinds: &[ResourceKind],
        item: &str,
        message: &str,
    ) -> ReadFailure {
        ReadFailure {
            region: self.region.clone(),
            service: read.service,
            operation: read.operation.to_string(),
            kinds: kinds.to_vec(),
            code: "MalformedPolicy".into(),
            message: format!("{item}: {message}"),
        }
    }
}

/// What a per-item read of configuration answered ([`RegionContext::answer`]).
#[derive(Debug)]
pub enum Answer<T> {
    /// The configuration.
    Some(T),
    /// One of the read's declared "not configured" answers ([`Read::none`]).
    None,
    /// The item is gone: the code that said so ([`Read::gone`]).
    Gone(String),
}

impl RegionContext {
    /// Sorts what a per-item read of `read` answered into configuration, "not configured" and
    /// "gone"; any other error is a failure leaving `kinds` unknown.
    pub fn answer<T, E>(
        &self,
        read: &'static Read,
        kinds: &[ResourceKind],
        result: Result<T, SdkError<E, HttpResponse>>,
    ) -> Result<Answer<T>, Box<ReadFailure>>
    where
        E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
    {
        match result {
            Ok(value) => Ok(Answer::Some(value)),
            Err(e) => {
                let code = error_code(&e);
                if read.gone.contains(&code.as_str()) {
                    Ok(Answer::Gone(code))
                } else if read.none.contains(&code.as_str()) {
                    Ok(Answer::None)
                } else {
                    Err(Box::new(self.failure(read, kinds, &e)))
                }
            }
        }
    }
}

/// Why a per-item read gave no configuration ([`RegionContext::configured`]).
#[derive(Debug)]
pub enum Unread {
    /// The read failed: the item's kinds are unknown.
    Failed(Box<ReadFailure>),
    /// The item is gone: the read that found it so, and the code it answered.
    Gone(&'static Read, String),
}

impl RegionContext {
    /// What a per-item read of `read` answered: the configuration, `None` for a declared "not
    /// configured" answer, or why there is none (failed, or the item gone).
    pub fn configured<T, E>(
        &self,
        read: &'static Read,
        kinds: &[ResourceKind],
        result: Result<T, SdkError<E, HttpResponse>>,
    ) -> Result<Option<T>, Unread>
    where
        E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
    {
        match self.answer(read, kinds, result) {
            Ok(Answer::Some(value)) => Ok(Some(value)),
            Ok(Answer::None) => Ok(None),
            Ok(Answer::Gone(code)) => Err(Unread::Gone(read, code)),
            Err(failure) => Err(Unread::Failed(failure)),
        }
    }
}

impl Collected {
    /// Files why an item (kind, id) was not read: a failure, or gone since it was listed.
    pub fn unread(&mut self, ctx: &RegionContext, item: (ResourceKind, &str), why: Unread) {
        match why {
            Unread::Failed(failure) => self.fail(*failure),
            Unread::Gone(read, code) => self.deleted_during_scan(ctx, item, read.operation, &code),
        }
    }
}

/// The codes AWS answers a call its caller may not make with (EC2's `UnauthorizedOperation`;
/// the query protocols' `AccessDenied`; the JSON protocols' `AccessDeniedException`).
const ACCESS_DENIED_CODES: &[&str] = &[
    "AccessDenied",
    "AccessDeniedException",
    "UnauthorizedOperation",
    "AuthorizationError",
];

/// One per-item read, for [`Collected::item_failed`].
#[derive(Debug, Clone, Copy)]
pub struct ItemRead<'a> {
    /// The read (its [`Read::gone`] answers mean the item is gone).
    pub read: &'static Read,
    /// The kinds a failure leaves unknown.
    pub kinds: &'a [ResourceKind],
    /// The item: its kind, and the id or ARN the read named.
    pub item: (ResourceKind, &'a str),
}

/// What one collector read in one region.
#[derive(Debug, Default)]
pub struct Collected {
    /// Resources of every kind that was read completely.
    pub resources: Vec<Resource>,
    /// Reads that failed.
    pub failures: Vec<ReadFailure>,
    /// Items this read listed that were gone when read further: left out, not failed.
    pub deleted: Vec<DeletedDuringScan>,
}

impl Collected {
    /// Records a failure.
    pub fn fail(&mut self, failure: ReadFailure) {
        self.failures.push(failure);
    }

    /// Files what one listing call of `read` answered: the resource `keep` makes of each item
    /// that belongs to the environment, or the failure leaving `kinds` unknown.
    pub fn listed<T, E>(
        &mut self,
        ctx: &RegionContext,
        (read, kinds): (&'static Read, &[ResourceKind]),
        answer: Result<Vec<T>, SdkError<E, HttpResponse>>,
        keep: impl Fn(&T) -> Option<Resource>,
    ) where
        E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
    {
        match answer {
            Ok(items) => self.resources.extend(items.iter().filter_map(keep)),
            Err(e) => self.fail(ctx.failure(read, kinds, &e)),
        }
    }

    /// Takes in what a part of the read found (its value) and what it failed or found gone.
    pub fn absorb<T>(&mut self, (value, part): (T, Collected)) -> T {
        self.resources.extend(part.resources);
        self.failures.extend(part.failures);
        self.deleted.extend(part.deleted);
        value
    }

    /// Runs per-item reads, `concurrency` at a time, keeping each resource one found and taking
    /// in what each failed or found gone.
    pub async fn gather<F>(&mut self, reads: Vec<F>, concurrency: usize)
    where
        F: std::future::Future<Output = (Option<Resource>, Collected)>,
    {
        let parts: Vec<_> = futures::stream::iter(reads)
            .buffer_unordered(concurrency.max(1))
            .collect()
            .await;
        for part in parts {
            if let Some(resource) = self.absorb(part) {
                self.resources.push(resource);
            }
        }
    }

    /// Files the error of a per-item read: an answer among `read.gone`, the service's own "not
    /// found" codes, means the item was deleted after this scan listed it, so it is left out and
    /// noted; any other error is a failure leaving `read.kinds` unknown.
    pub fn item_failed<E>(
        &mut self,
        ctx: &RegionContext,
        read: ItemRead<'_>,
        error: &SdkError<E, HttpResponse>,
    ) where
        E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
    {
        let code = error_code(error);
        if read.read.gone.contains(&code.as_str()) {
            self.deleted_during_scan(ctx, read.item, read.read.operation, &code);
        } else {
            self.fail(ctx.failure(read.read, read.kinds, error));
        }
    }

    /// Notes that `item` (kind, id or ARN) was gone when `operation` read it (`code`).
    pub fn deleted_during_scan(
        &mut self,
        ctx: &RegionContext,
        item: (ResourceKind, &str),
        operation: &str,
        code: &str,
    ) {
        tracing::info!(region = %ctx.region, kind = %item.0, id = item.1, operation, code,
            "deleted during the scan: left out");
        self.deleted.push(DeletedDuringScan {
            region: ctx.region.clone(),
            kind: item.0,
            id: item.1.to_string(),
            operation: operation.to_string(),
            code: code.to_string(),
        });
    }

    /// Removes every resource noted deleted during the scan, and every resource of a kind that
    /// some failure left unknown: what is returned is either the whole of a kind or nothing of
    /// it.
    pub fn finish(mut self) -> Self {
        if !self.deleted.is_empty() {
            let deleted = &self.deleted;
            self.resources.retain(|r| {
                !deleted
                    .iter()
                    .any(|d| d.kind == r.kind && (d.id == r.id || r.arn.as_deref() == Some(&d.id)))
            });
        }
        if !self.failures.is_empty() {
            let unread: Vec<ResourceKind> = self
                .failures
                .iter()
                .flat_map(|f| f.kinds.iter().copied())
                .collect();
            self.resources.retain(|r| !unread.contains(&r.kind));
        }
        self
    }
}

/// One AWS service's reader (its `collect.rs`); what it reads and may call is declared in its
/// service's [`crate::kinds::ServiceDef`].
pub trait Collector: Send + Sync {
    /// Reads one region. Never fails as a whole: failures are recorded in the result.
    fn collect<'a>(&'a self, ctx: &'a RegionContext) -> BoxFuture<'a, Collected>;
}

/// A collector that is one async function: each service's `collect.rs` declares
/// `pub(crate) static COLLECTOR: FnCollector = FnCollector(|ctx| Box::pin(collect(ctx)));`.
pub struct FnCollector(pub for<'a> fn(&'a RegionContext) -> BoxFuture<'a, Collected>);

impl Collector for FnCollector {
    fn collect<'a>(&'a self, ctx: &'a RegionContext) -> BoxFuture<'a, Collected> {
        (self.0)(ctx)
    }
}

/// A service and its reader, as a scan runs them (tests pass fakes).
pub type ServiceReader = (Service, &'static dyn Collector);

/// Splits `items` into the batches an API that takes at most `max` names per call needs.
pub fn batches<T>(items: &[T], max: usize) -> std::slice::Chunks<'_, T> {
    items.chunks(max.max(1))
}

/// Tags as a map, from an SDK's `(key, value)` pairs: an entry without a key is dropped, a
/// missing value is empty. Each service's `Tag` type is its own, so each maps its pairs here.
pub fn tag_map<'a>(
    pairs: impl Iterator<Item = (Option<&'a str>, Option<&'a str>)>,
) -> BTreeMap<String, String> {
    pairs
        .filter_map(|(key, value)| Some((key?.to_string(), value.unwrap_or_default().to_string())))
        .collect()
}

/// The display name: the `Name` tag when set, else `fallback`.
pub fn display_name(tags: &BTreeMap<String, String>, fallback: &str) -> String {
    tags.get("Name")
        .filter(|n| !n.trim().is_empty())
        .cloned()
        .unwrap_or_else(|| fallback.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{InternetGateway, SsmParameter};

    fn ctx() -> RegionContext {
        RegionContext {
            environment: "staging".into(),
            region: "us-east-1".into(),
            selection: Selection {
                tag_key: "Environment".into(),
                ssm_paths: vec!["/staging".into()],
            },
            sdk_config: SdkConfig::builder().build(),
            secure_digest: None,
            found: Default::default(),
        }
    }

    fn tags(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn ownership_follows_the_tag_then_the_container() {
        let ctx = ctx();
        assert!(ctx.owns(&tags(&[("Environment", "staging")]), false));
        assert!(
            !ctx.owns(&tags(&[("Environment", "prod")]), true),
            "another env's resource in our VPC"
        );
        assert!(
            ctx.owns(&tags(&[]), true),
            "untagged inside our VPC is ours (hand-made)"
        );
        assert!(!ctx.owns(&tags(&[]), false), "untagged elsewhere is not");
        assert!(!ctx.owns(&tags(&[("Environment", "staging-old")]), false));
    }

    #[test]
    fn batches_respect_the_api_limit() {
        let names: Vec<u32> = (0..23).collect();
        let sizes: Vec<usize> = batches(&names, 10).map(|b| b.len()).collect();
        assert_eq!(sizes, [10, 10, 3]);
        assert_eq!(batches::<u32>(&[], 10).count(), 0);
        assert_eq!(batches(&names[..10], 10).count(), 1);
    }

    #[test]
    fn finish_drops_every_resource_of_an_unread_kind() {
        let ctx = ctx();
        let mut collected = Collected::default();
        collected.resources.push(ctx.resource(
            "igw-1",
            "igw-staging",
            None,
            BTreeMap::new(),
            Properties::InternetGateway(InternetGateway { vpcs: vec![] }),
        ));
        collected.resources.push(ctx.resource(
            "/staging/a",
            "/staging/a",
            None,
            BTreeMap::new(),
            Properties::SsmParameter(SsmParameter {
                parameter_type: "String".into(),
                data_type: None,
                version: 1,
                last_modified: None,
                tier: None,
                key_id: None,
                description: None,
                value: Some("x".into()),
                value_digest: None,
            }),
        ));
        collected.fail(ReadFailure {
            region: "us-east-1".into(),
            service: Service::Ec2,
            operation: "DescribeInternetGateways".into(),
            kinds: vec![ResourceKind::InternetGateway],
            code: "ThrottlingException".into(),
            message: "slow down".into(),
        });
        let done = collected.finish();
        assert_eq!(done.resources.len(), 1);
        assert_eq!(done.resources[0].kind, ResourceKind::SsmParameter);
        assert_eq!(done.resources[0].logical_name, "/{env}/a");
    }

    #[test]
    fn display_names_prefer_the_name_tag() {
        assert_eq!(
            display_name(&tags(&[("Name", "app-sg-staging")]), "sg-1"),
            "app-sg-staging"
        );
        assert_eq!(display_name(&tags(&[("Name", " ")]), "sg-1"), "sg-1");
        assert_eq!(display_name(&tags(&[]), "sg-1"), "sg-1");
    }
}
