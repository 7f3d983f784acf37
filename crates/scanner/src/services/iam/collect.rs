//! IAM through its API, once per scan (IAM is global): the roles the environment's task
//! definitions run as, and the roles whose name carries the environment as a whole token
//! (unless tagged for another), each with its trust policy, managed and inline policies,
//! permissions boundary and tags.

use std::collections::{BTreeMap, BTreeSet};

use aws_sdk_iam::types as iam;
use aws_sdk_iam::Client;

use crate::collect::{display_name, Collected, FnCollector, ItemRead, RegionContext};
use crate::model::{
    parse_policy, IamRole, PolicyStatement, Properties, Resource, ResourceKind as K,
    };

/// Page size of IAM's listings (`MaxItems`, at most 1,000).
const PAGE_SIZE: i32 = 1000;
/// Roles read further at once.
const CONCURRENCY: usize = 4;
const KINDS: &[K] = &[K::IamRole];

/// Reads IAM.
pub(crate) static COLLECTOR: FnCollector = FnCollector(|ctx| Box::pin(collect(ctx)));

async fn collect(ctx: &RegionContext) -> Collected {
    let client = Client::new(&ctx.sdk_config);
    let mut out = Collected::default();
    let listed = client
        .list_roles()
        .max_items(PAGE_SIZE)
        .into_paginator()
        .items()
        .send()
        .try_collect()
        .await;
    let roles: Vec<iam::Role> = match listed {
        Ok(roles) => roles,
        Err(e) => {
            out.fail(ctx.failure(&super::LIST_ROLES, KINDS, &e));
            return out;
        }
    };
    let used = used_roles(ctx);
    let reads: Vec<_> = roles
        .into_iter()
        .filter(|r| used.contains(r.role_name()) || ctx.names_environment(r.role_name()))
        .map(|role| {
            let used = used.contains(role.role_name());
            read_role(ctx, &client, role, used)
        })
        .collect();
    out.gather(reads, CONCURRENCY).await;
    out.finish()
}

/// The roles the environment's task definitions run as.
fn used_roles(ctx: &RegionContext) -> BTreeSet<String> {
    ctx.found
        .iter()
        .filter_map(|r| match &r.properties {
            Properties::EcsTaskDefinition(d) => Some([&d.task_role, &d.execution_role]),
            _ => None,
        })
        .flatten()
        .flatten()
        .cloned()
        .collect()
}

/// One role: `None` when it is another environment's, or could not be read.
async fn read_role(
    ctx: &RegionContext,
    client: &Client,
    listed: iam::Role,
    used: bool,
) -> (Option<Resource>, Collected) {
    let mut out = Collected::default();
    let name = listed.role_name().to_string();
    let item = |read| ItemRead {
        read,
        kinds: KINDS,
        item: (K::IamRole, listed.role_name()),
    };
    let role = match client.get_role().role_name(&name).send().await {
        Ok(found) => found.role,
        Err(e) => {
            out.item_failed(ctx, item(&super::GET_ROLE), &e);
            return (None, out);
        }
    };
    let Some(role) = role else {
        return (None, out);
    };
    let tags = crate::collect::tag_map(role.tags().iter().map(|t| (Some(t.key()), Some(t.value()))));
    // Named for the environment, it is the environment's unless tagged for another; one its
    // task definitions run as is read whatever its tags say.
    if !used && !ctx.owns(&tags, true) {
        return (None, out);
    }
    let (attached, inline) = tokio::join!(
        client
            .list_attached_role_policies()
            .role_name(&name)
            .max_items(PAGE_SIZE)
            .into_paginator()
            .items()
            .send()
            .try_collect(),
        inline_policies(client, &name),
    );
    let managed: Vec<String> = match attached {
        Ok(attached) => attached
            .iter()
            .filter_map(|p: &iam::AttachedPolicy| p.policy_arn().map(str::to_string))
            .collect(),
        Err(e) => {
            out.item_failed(ctx, item(&super::LIST_ATTACHED_ROLE_POLICIES), &e);
            return (None, out);
        }
    };
    let inline = match inline {
        Ok(inline) => inline,
        Err(InlineError::List(e)) => {
            out.item_failed(ctx, item(&super::LIST_ROLE_POLICIES), &e);
            return (None, out);
        }
        Err(InlineError::Get(e)) => {
            out.item_failed(ctx, item(&super::GET_ROLE_POLICY), &e);
            return (None, out);
        }
    };
    match role_resource(ctx, &role, managed, inline, tags) {
        Ok(resource) => (Some(resource), out),
        Err(message) => {
            out.fail(ctx.malformed_policy(&super::GET_ROLE, KINDS, &format!("role `{name}`"), &message));
            (None, out)
        }
    }
}

type SdkError<E> = aws_smithy_runtime_api::client::result::SdkError<
    E,
    aws_smithy_runtime_api::client::orchestrator::HttpResponse,
>;

/// Which read of the inline policies failed.
enum InlineError {
    List(SdkError<aws_sdk_iam::operation::list_role_policies::ListRolePoliciesError>),
    Get(SdkError<aws_sdk_iam::operation::get_role_policy::GetRolePolicyError>),
}

/// The role's inline policies by name, as IAM returns them (URL-encoded JSON).
async fn inline_policies(client: &Client, role: &str) -> Result<BTreeMap<String, String>, InlineError> {
    let names: Vec<String> = client
        .list_role_policies()
        .role_name(role)
        .max_items(PAGE_SIZE)
        .into_paginator()
        .items()
        .send()
        .try_collect()
        .await
        .map_err(InlineError::List)?;
    let mut documents = BTreeMap::new();
    for name in names {
        let found = client
            .get_role_policy()
            .role_name(role)
            .policy_name(&name)
            .send()
            .await
            .map_err(InlineError::Get)?;
        documents.insert(name, found.policy_document);
    }
    Ok(documents)
}

/// A policy document as IAM returns it: URL-encoded JSON (RFC 3986,
/// <https://docs.aws.amazon.com/IAM/latest/APIReference/API_GetRolePolicy.html>), normalized.
fn document(text: &str) -> Result<Vec<PolicyStatement>, String> {
    let decoded = urlencoding::decode(text).map_err(|e| format!("not URL-encoded UTF-8: {e}"))?;
    parse_policy(&decoded)
}

fn role_resource(
    ctx: &RegionContext,
    role: &iam::Role,
    managed_policies: Vec<String>,
    inline: BTreeMap<String, String>,
    tags: BTreeMap<String, String>,
) -> Result<Resource, String> {
    let trust_policy = match role.assume_role_policy_document() {
        Some(text) => document(text).map_err(|e| format!("trust policy: {e}"))?,
        None => Vec::new(),
    };
    let inline_policies = inline
        .iter()
        .map(|(name, text)| Ok((name.clone(), document(text).map_err(|e| format!("{name}: {e}"))?)))
        .collect::<Result<BTreeMap<_, _>, String>>()?;
    let mut properties = IamRole {
        path: role.path().to_string(),
        description: role.description().filter(|d| !d.is_empty()).map(str::to_string),
        trust_policy,
        managed_policies,
        inline_policies,
        permissions_boundary: role
            .permissions_boundary()
            .and_then(|b| b.permissions_boundary_arn())
            .map(str::to_string),
        max_session_duration: role.max_session_duration(),
    };
    crate::model::KindProperties::canonicalize(&mut properties);
    let name = role.role_name();
    Ok(ctx.resource(
        name,
        display_name(&tags, name),
        Some(role.arn().to_string()),
        tags,
        Properties::IamRole(properties),
    ))
}

#[cfg(test)]
mod recorded {
    use super::*;
    use crate::collect::replay::{assert_refused, xml, Recorded, Replay};
    use crate::model::EcsTaskDefinition;

    const TRUST: &str = "%7B%22Version%22%3A%222012-10-17%22%2C%22Statement%22%3A%5B%7B%22Effect%22%3A%22Allow%22%2C%22Principal%22%3A%7B%22Service%22%3A%22ecs-tasks.amazonaws.com%22%7D%2C%22Action%22%3A%22sts%3AAssumeRole%22%7D%5D%7D";

    fn member(name: &str) -> String {
        format!(
            "<member><Path>/</Path><RoleName>{name}</RoleName><RoleId>AROA{}</RoleId><Arn>arn:aws:iam::123456789012:role/{name}</Arn><CreateDate>2026-01-01T00:00:00Z</CreateDate><AssumeRolePolicyDocument>{TRUST}</AssumeRolePolicyDocument><MaxSessionDuration>3600</MaxSessionDuration></member>",
            name.len()
        )
    }

    fn list_page(names: &[&str], marker: Option<&str>) -> String {
        let members: String = names.iter().map(|n| member(n)).collect();
        let more = match marker {
            Some(m) => format!("<IsTruncated>true</IsTruncated><Marker>{m}</Marker>"),
            None => "<IsTruncated>false</IsTruncated>".into(),
        };
        format!("<ListRolesResponse><ListRolesResult><Roles>{members}</Roles>{more}</ListRolesResult></ListRolesResponse>")
    }

    fn get_role(name: &str, environment: &str) -> String {
        let role = member(name).replace("<member>", "").replace("</member>", "");
        format!("<GetRoleResponse><GetRoleResult><Role>{role}<Tags><member><Key>Environment</Key><Value>{environment}</Value></member></Tags></Role></GetRoleResult></GetRoleResponse>")
    }

    /// Roles on two pages: staging's task role (named for it), one named for staging but
    /// tagged for prod, a shared execution role the task definition uses, and others.
    fn answers(extra: Vec<Recorded>) -> Vec<Recorded> {
        let inline = "%7B%22Statement%22%3A%5B%7B%22Effect%22%3A%22Allow%22%2C%22Action%22%3A%22ssm%3AGetParametersByPath%22%2C%22Resource%22%3A%22arn%3Aaws%3Assm%3Aus-east-1%3A123456789012%3Aparameter%2Fstaging%2F%2A%22%7D%5D%7D";
        let mut all = extra;
        all.extend([
            xml(&["Action=ListRoles", "Marker=p2"], 200, &list_page(&["shared-exec", "admin"], None)),
            xml(&["Action=ListRoles"], 200, &list_page(&["trading-app-task-staging", "borrowed-staging"], Some("p2"))),
            xml(&["Action=GetRole&", "borrowed-staging"], 200, &get_role("borrowed-staging", "prod")),
            xml(&["Action=GetRole&", "shared-exec"], 200, &get_role("shared-exec", "shared")),
            xml(&["Action=GetRole&", "trading-app-task-staging"], 200, &get_role("trading-app-task-staging", "staging")),
            xml(&["Action=ListAttachedRolePolicies", "shared-exec"], 200, "<ListAttachedRolePoliciesResponse><ListAttachedRolePoliciesResult><AttachedPolicies><member><PolicyName>AmazonECSTaskExecutionRolePolicy</PolicyName><PolicyArn>arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy</PolicyArn></member></AttachedPolicies><IsTruncated>false</IsTruncated></ListAttachedRolePoliciesResult></ListAttachedRolePoliciesResponse>"),
            xml(&["Action=ListAttachedRolePolicies"], 200, "<ListAttachedRolePoliciesResponse><ListAttachedRolePoliciesResult><AttachedPolicies/><IsTruncated>false</IsTruncated></ListAttachedRolePoliciesResult></ListAttachedRolePoliciesResponse>"),
            xml(&["Action=ListRolePolicies", "trading-app-task-staging"], 200, "<ListRolePoliciesResponse><ListRolePoliciesResult><PolicyNames><member>read-own-parameters</member></PolicyNames><IsTruncated>false</IsTruncated></ListRolePoliciesResult></ListRolePoliciesResponse>"),
            xml(&["Action=ListRolePolicies"], 200, "<ListRolePoliciesResponse><ListRolePoliciesResult><PolicyNames/><IsTruncated>false</IsTruncated></ListRolePoliciesResult></ListRolePoliciesResponse>"),
            xml(&["Action=GetRolePolicy"], 200, &format!("<GetRolePolicyResponse><GetRolePolicyResult><RoleName>trading-app-task-staging</RoleName><PolicyName>read-own-parameters</PolicyName><PolicyDocument>{inline}</PolicyDocument></GetRolePolicyResult></GetRolePolicyResponse>")),
        ]);
        all
    }

    /// The global context of a staging scan whose task definition runs as `shared-exec`.
    fn staging(replay: &Replay) -> RegionContext {
        let mut ctx = replay.region_context();
        ctx.region = crate::kinds::GLOBAL_REGION.into();
        let definition = Properties::EcsTaskDefinition(EcsTaskDefinition {
            family: "trading-app-staging".into(),
            revision: 1,
            cpu: None,
            memory: None,
            network_mode: None,
            requires_compatibilities: vec![],
            task_role: Some("trading-app-task-staging".into()),
            execution_role: Some("shared-exec".into()),
            containers: vec![],
        });
        let resource = ctx.resource("td", "td", None, BTreeMap::new(), definition);
        ctx.found = std::sync::Arc::new(vec![resource]);
        ctx
    }

    #[tokio::test]
    async fn used_and_named_roles_are_read_with_their_policies_decoded() {
        let replay = Replay::start(answers(vec![]));
        let collected = collect(&staging(&replay)).await;
        assert!(collected.failures.is_empty(), "{:?}", collected.failures);
        assert_eq!(replay.count("Action=ListRoles"), 2, "both pages");
        assert_eq!(replay.count("Action=GetRole&"), 3, "only the candidates are read further");
        let mut resources: Vec<&Resource> = collected.resources.iter().collect();
        resources.sort_by(|a, b| a.id.cmp(&b.id));
        let ids: Vec<&str> = resources.iter().map(|r| r.id.as_str()).collect();
        assert_eq!(ids, ["shared-exec", "trading-app-task-staging"], "prod's is not staging's");
        assert_eq!(resources[0].region, "global");
        let Properties::IamRole(exec) = &resources[0].properties else { panic!("a role") };
        assert_eq!(exec.managed_policies, ["arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy"]);
        assert_eq!(exec.trust_policy[0].principals, ["Service:ecs-tasks.amazonaws.com"]);
        let Properties::IamRole(task) = &resources[1].properties else { panic!("a role") };
        let statements = &task.inline_policies["read-own-parameters"];
        assert_eq!(statements[0].actions, ["ssm:GetParametersByPath"]);
        assert_eq!(statements[0].resources, ["arn:aws:ssm:us-east-1:123456789012:parameter/staging/*"]);
    }

    #[tokio::test]
    async fn a_refused_inline_policy_read_leaves_roles_unknown_and_names_the_action() {
        let denied = "<ErrorResponse><Error><Type>Sender</Type><Code>AccessDenied</Code><Message>User: arn:aws:iam::123456789012:user/scanner is not authorized to perform: iam:GetRolePolicy</Message></Error></ErrorResponse>";
        let replay = Replay::start(answers(vec![xml(&["Action=GetRolePolicy"], 403, denied)]));
        let collected = collect(&staging(&replay)).await;
        assert_refused(&collected, "GetRolePolicy", "AccessDenied", "iam:GetRolePolicy");
        assert!(collected.resources.is_empty(), "unknown, not empty");
    }

    #[tokio::test]
    async fn a_role_deleted_before_it_is_read_is_absent_not_unread() {
        let gone = "<ErrorResponse><Error><Type>Sender</Type><Code>NoSuchEntity</Code><Message>The role with name shared-exec cannot be found.</Message></Error></ErrorResponse>";
        let replay = Replay::start(answers(vec![xml(&["Action=GetRole&", "shared-exec"], 404, gone)]));
        let collected = collect(&staging(&replay)).await;
        assert!(collected.failures.is_empty(), "{:?}", collected.failures);
        assert_eq!(collected.deleted.len(), 1);
        assert_eq!(collected.resources.len(), 1);
    }
}
