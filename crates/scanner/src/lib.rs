//! driftscan's engine.
//!
//! - [`model`]: the versioned snapshot of an environment's live state.
//! - [`services`]: the registry; each service's folder declares its kinds and reads and holds
//!   its model, collector (the only code that calls AWS to read) and IaC mapping.
//! - [`collect`]: what the collectors share.
//! - [`scan`]: runs the collectors across regions and services into a [`model::Snapshot`].
//! - [`iac`]: Pulumi and Terraform state as baselines.
//! - [`config`]: what to scan, from defaults, a YAML file and command-line overrides.
//!
//! Front ends (the `driftscan` CLI, the Lambda) parse input, call this crate and render output.

#![warn(missing_docs)]

/// The registry: every service driftscan reads, in snapshot order, one line each as
/// `folder: Variant = "api name"` under its doc. A service is its folder
/// (`services/<folder>/`: declaration, model, collector, IaC rows) plus its line here; the
/// model (`Service`, `ResourceKind`, `Properties`) and the registry (`services::SERVICES`) are
/// generated from this list by handing it to `$then`.
macro_rules! with_services {
    ($then:ident) => {
        $then! {
            /// VPC networking (EC2 API).
            ec2: Ec2 = "ec2";
            /// Elastic Container Service.
            ecs: Ecs = "ecs";
            /// RDS and Aurora.
            rds: Rds = "rds";
            /// Systems Manager Parameter Store.
            ssm: Ssm = "ssm";
            /// Elastic Load Balancing (v2).
            elbv2: Elasticloadbalancing = "elasticloadbalancing";
            /// Simple Storage Service.
            s3: S3 = "s3";
            /// ElastiCache (Redis and Valkey).
            elasticache: Elasticache = "elasticache";
            /// Secrets Manager (metadata only).
            secretsmanager: Secretsmanager = "secretsmanager";
            /// CloudWatch Logs.
            logs: Logs = "logs";
            /// Key Management Service (the keys the others use).
            kms: Kms = "kms";
            /// Identity and Access Management (global: the roles the environment uses).
            iam: Iam = "iam";
            /// Certificate Manager.
            acm: Acm = "acm";
            /// Elastic Container Registry (the repositories the task definitions pull from).
            ecr: Ecr = "ecr";
            /// CloudFront (global: the distributions in front of the environment).
            cloudfront: Cloudfront = "cloudfront";
            /// Route 53 (global: the environment's zones and records).
            route53: Route53 = "route53";
            /// WAFv2 (the web ACLs in front of the environment's load balancers).
            wafv2: Wafv2 = "wafv2";
        }
    };
}

pub mod alert;
pub mod attribution;
#[cfg(feature = "aws")]
pub mod aws;
pub mod baseline;
pub mod capture;
pub mod clock;
#[cfg(feature = "aws")]
pub mod collect;
pub mod compare;
pub mod config;
pub mod digest;
pub mod error;
pub mod evaluate;
#[cfg(feature = "aws")]
pub mod fanout;
pub mod iac;
pub mod json_schema;
pub mod kinds;
pub mod metrics;
pub mod model;
pub mod naming;
#[cfg(feature = "aws")]
pub mod org;
pub mod previews;
#[cfg(feature = "aws")]
pub mod publish;
pub mod report;
pub mod resolve;
pub mod rules;
#[cfg(feature = "aws")]
pub mod run;
#[cfg(feature = "aws")]
pub mod scan;
pub mod services;
pub mod synthetic;
#[cfg(test)]
pub(crate) mod testing;
mod yaml;

pub use config::{ConfigFile, EnvironmentSettings, ScanPlan};
pub use model::{ReadFailure, Resource, ResourceKind, Snapshot};
