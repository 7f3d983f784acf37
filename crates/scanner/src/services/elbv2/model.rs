// Elastic Load Balancing (v2): load balancers, their listeners and listener rules, and target
// groups. Everything refers to everything else by ARN, named after the snapshot is read.

use serde::{Deserialize, Serialize};

use crate::model::{KindProperties, PlainValue, ResourceRef};

/// This service's kinds, `Variant = "name"` each (the variant also names its properties type),
/// in snapshot order: the model generates `ResourceKind` and `Properties` from every service's
/// list (`kinds_chain!` in `crate::model`), calling it as `<service>::kinds!`.
macro_rules! kinds {
    ($chain:ident, $target:ident; { $($done:tt)* } $($rest:ident)*) => {
        $chain!($target; {
            $($done)*
            /// An Elastic Load Balancing (v2) load balancer.
            LoadBalancer = "load-balancer",
            /// A load balancer's listener.
            Listener = "listener",
            /// A listener rule other than the default.
            ListenerRule = "listener-rule",
            /// A load balancer target group.
            TargetGroup = "target-group",
        } $($rest)*);
    };
}
pub(crate) use kinds;

/// An Application, Network or Gateway Load Balancer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LoadBalancer {
    /// `application`, `network` or `gateway`.
    #[serde(rename = "type")]
    pub load_balancer_type: String,
    /// `internet-facing` or `internal`.
    pub scheme: String,
    /// `ipv4`, `dualstack`, ...
    pub ip_address_type: Option<String>,
    /// `active`, `provisioning`, `failed`.
    pub state: Option<String>,
    /// Its DNS name (new with every replacement).
    pub dns_name: Option<String>,
    /// The VPC it serves.
    pub vpc: Option<ResourceRef>,
    /// The subnets it sits in.
    pub subnets: Vec<ResourceRef>,
    /// Its security groups.
    pub security_groups: Vec<ResourceRef>,
    /// `deletion_protection.enabled`.
    pub deletion_protection: bool,
    /// Where access logs go; absent when they are off.
    pub access_logs: Option<AccessLogs>,
    /// `routing.http.drop_invalid_header_fields.enabled` (Application Load Balancers).
    pub drop_invalid_header_fields: Option<bool>,
    /// `idle_timeout.timeout_seconds` (Application Load Balancers).
    pub idle_timeout_seconds: Option<i32>,
}

#[cfg(test)]
impl LoadBalancer {
    /// An Application Load Balancer with `scheme` and nothing else set (for tests).
    pub(crate) fn application(scheme: &str) -> LoadBalancer {
        LoadBalancer {
            load_balancer_type: "application".into(),
            scheme: scheme.into(),
            ip_address_type: None,
            state: None,
            dns_name: None,
            vpc: None,
            subnets: vec![],
            security_groups: vec![],
            deletion_protection: false,
            access_logs: None,
            drop_invalid_header_fields: None,
            idle_timeout_seconds: None,
        }
    }
}

/// A load balancer's access logs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AccessLogs {
    /// The S3 bucket.
    pub bucket: String,
    /// The key prefix.
    pub prefix: Option<String>,
}

/// A listener of a load balancer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Listener {
    /// The load balancer it listens on.
    pub load_balancer: ResourceRef,
    /// Port.
    pub port: Option<i32>,
    /// `HTTP`, `HTTPS`, `TCP`, `TLS`, ...
    pub protocol: Option<String>,
    /// The TLS policy of an `HTTPS` or `TLS` listener.
    pub ssl_policy: Option<String>,
    /// The default certificate's ARN (HTTPS/TLS).
    pub certificates: Vec<String>,
    /// What the listener does with a request no rule matches.
    pub default_actions: Vec<ListenerAction>,
}

/// A listener rule (other than the listener's default).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ListenerRule {
    /// The listener it belongs to.
    pub listener: ResourceRef,
    /// Its priority (1 to 50000; lower is evaluated first).
    pub priority: Option<i32>,
    /// What a request must match, sorted.
    pub conditions: Vec<RuleCondition>,
    /// What happens to a matching request, in order.
    pub actions: Vec<ListenerAction>,
}

/// One condition of a listener rule.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RuleCondition {
    /// `host-header`, `path-pattern`, `http-header`, `http-request-method`, `query-string`,
    /// `source-ip`.
    pub field: String,
    /// For `http-header`: the header's name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub header: Option<String>,
    /// The values matched (any of them), sorted; `key=value` for query strings.
    pub values: Vec<String>,
}

/// What a listener or rule does with a request.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum ListenerAction {
    /// Forward to one or more target groups.
    Forward(ForwardAction),
    /// Redirect the client.
    Redirect(RedirectAction),
    /// Answer directly.
    FixedResponse(FixedResponseAction),
    /// Any other action (`authenticate-oidc`, `authenticate-cognito`), by type.
    Other(String),
}

/// A `forward` action.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ForwardAction {
    /// The target groups, sorted.
    pub target_groups: Vec<ResourceRef>,
}

/// A `redirect` action: `#{...}` placeholders are kept as AWS writes them.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RedirectAction {
    /// `HTTP`, `HTTPS` or `#{protocol}`.
    pub protocol: Option<String>,
    /// Port or `#{port}`.
    pub port: Option<String>,
    /// Host or `#{host}`.
    pub host: Option<String>,
    /// Path or `/#{path}`.
    pub path: Option<String>,
    /// Query or `#{query}`.
    pub query: Option<String>,
    /// `HTTP_301` or `HTTP_302`.
    pub status_code: String,
}

/// A `fixed-response` action.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FixedResponseAction {
    /// HTTP status code.
    pub status_code: String,
    /// Content type.
    pub content_type: Option<String>,
}

/// A target group.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TargetGroup {
    /// `HTTP`, `HTTPS`, `TCP`, ...
    pub protocol: Option<String>,
    /// Port targets receive traffic on.
    pub port: Option<i32>,
    /// `instance`, `ip`, `lambda` or `alb`.
    pub target_type: Option<String>,
    /// Its VPC.
    pub vpc: Option<ResourceRef>,
    /// How targets are checked.
    pub health_check: HealthCheck,
    /// The load balancers it serves, sorted.
    pub load_balancers: Vec<ResourceRef>,
}

/// A target group's health check.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HealthCheck {
    /// Whether it is on.
    pub enabled: Option<bool>,
    /// Protocol.
    pub protocol: Option<String>,
    /// `traffic-port` or a port.
    pub port: Option<String>,
    /// HTTP path.
    pub path: Option<String>,
    /// HTTP codes counted as healthy (`200`, `200-299`).
    pub matcher: Option<String>,
    /// Seconds between checks.
    pub interval_seconds: Option<i32>,
    /// Seconds before a check fails.
    pub timeout_seconds: Option<i32>,
    /// Successes before a target is healthy.
    pub healthy_threshold: Option<i32>,
    /// Failures before a target is unhealthy.
    pub unhealthy_threshold: Option<i32>,
}

impl KindProperties for LoadBalancer {
    fn canonicalize(&mut self) {
        self.subnets.sort();
        self.security_groups.sort();
    }
    fn references_mut(&mut self) -> Vec<&mut ResourceRef> {
        self.vpc
            .as_mut()
            .into_iter()
            .chain(self.subnets.iter_mut())
            .chain(self.security_groups.iter_mut())
            .collect()
    }
}

impl KindProperties for Listener {
    fn canonicalize(&mut self) {
        self.certificates.sort();
        self.default_actions
            .iter_mut()
            .for_each(canonicalize_action);
    }
    fn references_mut(&mut self) -> Vec<&mut ResourceRef> {
        std::iter::once(&mut self.load_balancer)
            .chain(action_references(&mut self.default_actions))
            .collect()
    }
    fn trace_enums(tracer: &mut serde_reflection::Tracer) -> serde_reflection::Result<()> {
        tracer.trace_simple_type::<ListenerAction>().map(drop)
    }
}

impl KindProperties for ListenerRule {
    /// Header and query values a rule matches: a rule that admits `X-Api-Key: <secret>` holds
    /// the secret.
    fn plain_values_mut(&mut self, _id: &str) -> Vec<PlainValue<'_>> {
        let mut out = Vec::new();
        for condition in &mut self.conditions {
            if !matches!(condition.field.as_str(), "http-header" | "query-string") {
                continue;
            }
            let name = condition.header.clone().unwrap_or_default();
            let field = condition.field.clone();
            for value in &mut condition.values {
                out.push(PlainValue {
                    path: format!("properties.conditions[{field}]"),
                    name: name.clone(),
                    value,
                });
            }
        }
        out
    }
    fn canonicalize(&mut self) {
        for condition in &mut self.conditions {
            condition.values.sort();
        }
        self.conditions.sort();
        self.actions.iter_mut().for_each(canonicalize_action);
    }
    fn references_mut(&mut self) -> Vec<&mut ResourceRef> {
        std::iter::once(&mut self.listener)
            .chain(action_references(&mut self.actions))
            .collect()
    }
}

impl KindProperties for TargetGroup {
    fn canonicalize(&mut self) {
        // Served through two rules, a load balancer is still one.
        self.load_balancers.sort();
        self.load_balancers.dedup();
    }
    fn references_mut(&mut self) -> Vec<&mut ResourceRef> {
        self.vpc
            .as_mut()
            .into_iter()
            .chain(self.load_balancers.iter_mut())
            .collect()
    }
}

fn canonicalize_action(action: &mut ListenerAction) {
    if let ListenerAction::Forward(forward) = action {
        forward.target_groups.sort();
        forward.target_groups.dedup();
    }
}

fn action_references(actions: &mut [ListenerAction]) -> impl Iterator<Item = &mut ResourceRef> {
    actions.iter_mut().flat_map(|action| match action {
        ListenerAction::Forward(forward) => forward.target_groups.iter_mut(),
        _ => [].iter_mut(),
    })
}
