//! The app's IAM roles, trusted by ECS tasks only: `trading-app-task-<env>` (what the app may
//! do: read its own parameters and secrets) and `trading-app-exec-<env>` (what ECS does to start
//! it: pull its image, write its log group). Destroy removes them with the environment.

use serde_json::{json, Value};

use crate::iam::{converge_inline_policy, converge_role, InlinePolicy, Role};
use crate::{call_error, Action, Ctx, InfraError};

/// The task role of `env`.
pub(crate) fn task_role_name(env: &str) -> String {
    format!("trading-app-task-{env}")
}

/// The execution role of `env`.
pub(crate) fn execution_role_name(env: &str) -> String {
    format!("trading-app-exec-{env}")
}

/// The inline policy each role carries.
const POLICY_NAME: &str = "least-privilege";

/// Only ECS tasks may assume them.
fn ecs_tasks_trust() -> Value {
    json!({
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Principal": {"Service": "ecs-tasks.amazonaws.com"},
            "Action": "sts:AssumeRole"}]
    })
}

/// The app reads its own parameters (`/<env>/...`) and secrets (`<env>/...`), nothing else,
/// and decrypts with the environment's key only what Secrets Manager hands it (the secrets are
/// encrypted with that key; `kms:ViaService` and `kms:ResourceAliases` as in
/// <https://docs.aws.amazon.com/kms/latest/developerguide/conditions-kms.html>).
pub(crate) fn task_policy(account: &str, region: &str, env: &str) -> Value {
    json!({
        "Version": "2012-10-17",
        "Statement": [
            {"Sid": "OwnParameters", "Effect": "Allow",
                "Action": ["ssm:GetParameter", "ssm:GetParameters", "ssm:GetParametersByPath"],
                "Resource": format!("arn:aws:ssm:{region}:{account}:parameter/{env}/*")},
            {"Sid": "OwnSecrets", "Effect": "Allow", "Action": ["secretsmanager:GetSecretValue"],
                "Resource": format!("arn:aws:secretsmanager:{region}:{account}:secret:{env}/*")},
            {"Sid": "DecryptOwnSecrets", "Effect": "Allow", "Action": ["kms:Decrypt"],
                "Resource": format!("arn:aws:kms:{region}:{account}:key/*"),
                "Condition": {
                    "StringEquals": {"kms:ViaService": format!("secretsmanager.{region}.amazonaws.com")},
                    "ForAnyValue:StringEquals": {"kms:ResourceAliases": crate::keys::alias_name(env)}
                }}
        ]
    })
}

/// ECS pulls the app's image and writes its log group
/// (<https://docs.aws.amazon.com/AmazonECS/latest/developerguide/task_execution_IAM_role.html>;
/// `ecr:GetAuthorizationToken` takes no resource).
pub(crate) fn execution_policy(account: &str, region: &str, env: &str) -> Value {
    let group = crate::logs::group_name(env);
    json!({
        "Version": "2012-10-17",
        "Statement": [
            {"Sid": "RegistryLogin", "Effect": "Allow", "Action": ["ecr:GetAuthorizationToken"],
                "Resource": "*"},
            {"Sid": "PullTheAppImage", "Effect": "Allow",
                "Action": ["ecr:BatchCheckLayerAvailability", "ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"],
                // The account's one repository, in whichever region it is kept.
                "Resource": format!("arn:aws:ecr:*:{account}:repository/trading-app")},
            {"Sid": "WriteTheAppLogGroup", "Effect": "Allow",
                "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
                "Resource": format!("arn:aws:logs:{region}:{account}:log-group:{group}:*")}
        ]
    })
}

/// The roles' ARNs in the environment's account: (task role, execution role).
pub(crate) fn role_arns(account: &str, env: &str) -> (String, String) {
    let arn = |name: String| format!("arn:aws:iam::{account}:role/{name}");
    (arn(task_role_name(env)), arn(execution_role_name(env)))
}

/// Converges both roles: trust, tags and inline policy.
pub(crate) async fn converge(ctx: &Ctx<'_>) -> Result<(), InfraError> {
    let spec = ctx.spec;
    let (account, region, env) = (
        ctx.account.as_str(),
        spec.region.as_str(),
        spec.name.as_str(),
    );
    let roles = [
        (
            task_role_name(env),
            task_policy(account, region, env),
            "its own parameters and secrets",
        ),
        (
            execution_role_name(env),
            execution_policy(account, region, env),
            "pull its image, write its logs",
        ),
    ];
    let trust = ecs_tasks_trust();
    for (name, policy, what) in &roles {
        let tags = spec
            .tags(name)
            .into_iter()
            .map(|(k, v)| (k.to_string(), v))
            .collect();
        let role = Role {
            name,
            trust: &trust,
            description: &format!("trading-app ({env}): {what}"),
            label: format!("iam-role {name}"),
            who: "assumed by ecs-tasks.amazonaws.com only".into(),
            tags,
        };
        let role_exists = converge_role(&ctx.iam, ctx.recorder(), role).await?;
        let inline = InlinePolicy {
            role: name,
            role_exists,
            name: POLICY_NAME,
            document: policy,
            label: format!("iam-role-policy {name}/{POLICY_NAME}"),
            detail: what,
        };
        converge_inline_policy(&ctx.iam, ctx.recorder(), inline).await?;
    }
    Ok(())
}

/// Removes both roles: their inline and attached policies first, as IAM requires
/// (<https://docs.aws.amazon.com/IAM/latest/APIReference/API_DeleteRole.html>).
pub(crate) async fn destroy(ctx: &Ctx<'_>) -> Result<(), InfraError> {
    let env = &ctx.spec.name;
    for name in [task_role_name(env), execution_role_name(env)] {
        match ctx.iam.get_role().role_name(&name).send().await {
            Ok(_) => {}
            Err(e)
                if e.as_service_error()
                    .is_some_and(|s| s.is_no_such_entity_exception()) =>
            {
                continue
            }
            Err(e) => return Err(call_error("GetRole", &name)(e)),
        }
        let delete = delete_role(ctx, &name);
        ctx.change(
            Action::Delete,
            format!("iam-role {name}"),
            "its policies first",
            delete,
        )
        .await?;
    }
    Ok(())
}

async fn delete_role(ctx: &Ctx<'_>, name: &str) -> Result<(), InfraError> {
    let iam = &ctx.iam;
    let inline = iam
        .list_role_policies()
        .role_name(name)
        .send()
        .await
        .map_err(call_error("ListRolePolicies", name))?;
    for policy in inline.policy_names() {
        iam.delete_role_policy()
            .role_name(name)
            .policy_name(policy)
            .send()
            .await
            .map_err(call_error("DeleteRolePolicy", name))?;
    }
    let attached = iam
        .list_attached_role_policies()
        .role_name(name)
        .send()
        .await
        .map_err(call_error("ListAttachedRolePolicies", name))?;
    for policy in attached.attached_policies() {
        iam.detach_role_policy()
            .role_name(name)
            .set_policy_arn(policy.policy_arn().map(str::to_string))
            .send()
            .await
            .map_err(call_error("DetachRolePolicy", name))?;
    }
    iam.delete_role()
        .role_name(name)
        .send()
        .await
        .map_err(call_error("DeleteRole", name))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_roles_grant_only_what_the_app_and_ecs_need() {
        let task =
            crate::iam::policy_checks::granted(&task_policy("123456789012", "us-east-1", "prod"));
        assert!(
            task.iter().all(|(action, resource)| {
                (action.starts_with("ssm:GetParameter")
                    && resource == "arn:aws:ssm:us-east-1:123456789012:parameter/prod/*")
                    || (action == "secretsmanager:GetSecretValue"
                        && resource
                            == "arn:aws:secretsmanager:us-east-1:123456789012:secret:prod/*")
                    || (action == "kms:Decrypt"
                        && resource == "arn:aws:kms:us-east-1:123456789012:key/*")
            }),
            "{task:?}"
        );
        let policy = task_policy("123456789012", "us-east-1", "prod");
        let decrypt = &policy["Statement"][2];
        assert_eq!(decrypt["Action"][0], "kms:Decrypt");
        assert_eq!(
            decrypt["Condition"]["StringEquals"]["kms:ViaService"],
            "secretsmanager.us-east-1.amazonaws.com",
            "only through Secrets Manager"
        );
        assert_eq!(
            decrypt["Condition"]["ForAnyValue:StringEquals"]["kms:ResourceAliases"],
            "alias/trading-prod",
            "only the environment's key"
        );
        let execution = crate::iam::policy_checks::granted(&execution_policy(
            "123456789012",
            "us-east-1",
            "prod",
        ));
        let on_everything: Vec<&str> = execution
            .iter()
            .filter(|(_, resource)| resource == "*")
            .map(|(action, _)| action.as_str())
            .collect();
        assert_eq!(
            on_everything,
            ["ecr:GetAuthorizationToken"],
            "the one action without a resource"
        );
        assert_eq!(
            role_arns("123456789012", "pr-7"),
            (
                "arn:aws:iam::123456789012:role/trading-app-task-pr-7".to_string(),
                "arn:aws:iam::123456789012:role/trading-app-exec-pr-7".to_string()
            )
        );
    }
}
