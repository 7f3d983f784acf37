//! The core of the service registry: what a service, a resource kind and an AWS read are,
//! declared as data. Each service's folder (`crate::services::<service>`) holds its
//! declarations; [`crate::services`] lists the services and derives every list from them.

pub mod iac;

use serde_json::{Map, Value};

use self::iac::{KindMapping, PartMapping};
use crate::model::{ResourceKind, Service};

/// What driftscan knows about one AWS service it reads.
#[derive(Debug)]
pub struct ServiceDef {
    /// The service.
    pub service: Service,
    /// CloudTrail event names that change what driftscan reads of this service.
    pub change_events: &'static [&'static str],
    /// Its kinds, in snapshot order.
    pub kinds: &'static [&'static KindDef],
    /// Every AWS read its collector makes: the read-only policy is derived from these.
    pub reads: &'static [&'static Read],
    /// How Pulumi and Terraform declare its kinds.
    pub iac_kinds: &'static [KindMapping],
    /// Provider types that declare part of one of its kinds (rules, bucket settings).
    pub iac_parts: &'static [PartMapping],
    /// Where its resources live, and so when and how often a scan reads it.
    pub scope: Scope,
}

/// Where a service's resources live, which decides when a scan reads it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    /// In a region: read in each of the environment's regions, alongside the other services.
    Regional,
    /// In a region, used by other services' resources (KMS keys, ECR repositories): read in
    /// each region once the regional services have been, seeing what they found there
    /// ([`crate::collect::RegionContext::found`]).
    RegionalFollowing {
        /// The kinds whose resources decide which of its resources are the environment's: when
        /// one of them is unread in the region, so are this service's kinds, and it is not read.
        selected_by: &'static [ResourceKind],
        /// Global kinds that select some of its resources too (a distribution's web ACL lives
        /// in WAFv2's CLOUDFRONT scope): when not empty, it is also read once per scan in
        /// [`GLOBAL_REGION`], after the global services, seeing everything found.
        also_global_by: &'static [ResourceKind],
    },
    /// Global to the account (IAM, CloudFront, Route 53): read once per scan, after every
    /// region, seeing everything the regional services found. Its resources' region is
    /// [`GLOBAL_REGION`].
    Global {
        /// As for [`Scope::RegionalFollowing`], in any scanned region.
        selected_by: &'static [ResourceKind],
    },
}

impl Scope {
    /// Whether the service is read after the regional services, seeing what they found.
    pub fn follows(self) -> bool {
        self != Scope::Regional
    }

    /// Whether the service is global to the account.
    pub fn is_global(self) -> bool {
        matches!(self, Scope::Global { .. })
    }

    /// Whether the service is read in [`GLOBAL_REGION`] (a global one, or a regional one some
    /// global resources select).
    pub fn reads_globally(self) -> bool {
        match self {
            Scope::Regional => false,
            Scope::RegionalFollowing { also_global_by, .. } => !also_global_by.is_empty(),
            Scope::Global { .. } => true,
        }
    }

    /// Whether its read in [`GLOBAL_REGION`] waits for the global services' (it is selected by
    /// their kinds).
    pub fn follows_the_global_services(self) -> bool {
        self.reads_globally() && !self.is_global()
    }

    /// The kinds whose resources decide what the service selects in `region` (none for a
    /// regional one).
    pub fn selected_by(self, region: &str) -> &'static [ResourceKind] {
        match self {
            Scope::Regional => &[],
            Scope::RegionalFollowing { also_global_by, .. } if region == GLOBAL_REGION => {
                also_global_by
            }
            Scope::RegionalFollowing { selected_by, .. } | Scope::Global { selected_by } => {
                selected_by
            }
        }
    }
}

pub use crate::model::GLOBAL_REGION;

impl ServiceDef {
    /// The IAM action prefix and EventBridge `aws.<prefix>` source (`ec2`).
    pub fn iam_prefix(&self) -> &'static str {
        self.service.as_str()
    }

    /// The CloudTrail event source (`ec2.amazonaws.com`).
    pub fn event_source(&self) -> String {
        format!("{}.amazonaws.com", self.iam_prefix())
    }
}

/// One AWS read a collector makes, spelled once: the IAM action the policy grants, the API
/// operation a failure names, the kinds it feeds, and the answers meaning "gone".
#[derive(Debug)]
pub struct Read {
    /// The service a failure of this read is filed under (the collector's).
    pub service: Service,
    /// The IAM action (`ec2:DescribeVpcs`; S3's `ListBuckets` is `s3:ListAllMyBuckets`).
    pub action: &'static str,
    /// The API operation (`DescribeVpcs`).
    pub operation: &'static str,
    /// The kinds its answers feed.
    pub feeds: &'static [ResourceKind],
    /// Error codes meaning that the item this read named is gone (deleted during the scan).
    pub gone: &'static [&'static str],
    /// Error codes meaning "not configured" (`NoSuchBucketPolicy`): an answer, not a failure.
    pub none: &'static [&'static str],
    /// Why this read may return data values rather than configuration (an SSM `String`'s
    /// value); `None` for a read of configuration only. A test refuses a value-returning
    /// action that does not say why.
    pub returns_values: Option<&'static str>,
}

impl Read {
    /// A read of configuration whose IAM action is the operation's own name.
    pub const fn of(
        service: Service,
        action: &'static str,
        operation: &'static str,
        feeds: &'static [ResourceKind],
    ) -> Read {
        Read {
            service,
            action,
            operation,
            feeds,
            gone: &[],
            none: &[],
            returns_values: None,
        }
    }

    /// The same read, with the error codes meaning "not configured".
    pub const fn none(self, codes: &'static [&'static str]) -> Read {
        Read {
            none: codes,
            ..self
        }
    }

    /// The same read, with the error codes meaning its item is gone.
    pub const fn gone(self, codes: &'static [&'static str]) -> Read {
        Read {
            gone: codes,
            ..self
        }
    }
}

/// Declares a [`Read`] whose IAM action is `<prefix>:<operation>`:
/// `read!(Service::Ec2, "ec2", "DescribeVpcs", [ResourceKind::Vpc])`.
#[macro_export]
macro_rules! read {
    ($service:expr, $prefix:literal, $operation:literal, [$($kind:expr),* $(,)?]) => {
        $crate::kinds::Read::of(
            $service,
            concat!($prefix, ":", $operation),
            $operation,
            &[$($kind),*],
        )
    };
}

/// A rewrite of a kind's properties document (capture's or compare's own treatment).
pub type PropertiesHook = fn(&mut Map<String, Value>);

/// What driftscan knows about one resource kind, besides its model type and collector.
#[derive(Debug)]
pub struct KindDef {
    /// The kind.
    pub kind: ResourceKind,
    /// Its resource type in the AWS Security Finding Format (`AwsEc2SecurityGroup`), or
    /// `Other` where ASFF has none
    /// (<https://docs.aws.amazon.com/securityhub/latest/userguide/asff-resources.html>).
    pub asff_type: &'static str,
    /// Whether snapshots record its tags (an SSM parameter's would take one call each).
    pub tags_are_read: bool,
    /// Top-level properties that hold one of the resource's own AWS names (a security group's
    /// `group_name`, a task definition's `family`), besides its id and ARN: a suffix that
    /// infrastructure code generated there is set aside like one in the resource's name.
    pub name_fields: &'static [&'static str],
    /// Properties that change on every deploy or read without anything drifting: a captured
    /// baseline leaves them out and a comparison ignores them.
    pub changes_without_drift: &'static [&'static str],
    /// Fields whose change follows from another's: (leading path, following paths). Reported
    /// as one finding, on the leading field.
    pub following_fields: &'static [(&'static str, &'static [&'static str])],
    /// What `baseline capture` leaves out beyond `changes_without_drift`.
    pub capture: PropertiesHook,
    /// What `compare` rewrites beyond `changes_without_drift`, before two environments'
    /// documents are diffed.
    pub compare: PropertiesHook,
}

/// Leaves a properties document as it is.
pub fn unchanged(_: &mut Map<String, Value>) {}
