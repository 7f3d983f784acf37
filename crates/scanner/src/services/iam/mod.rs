//! IAM: the roles the environment uses, global to the account: those its task definitions
//! run as (task and execution roles), and those whose name carries the environment. It follows
//! the regional services, whose task definitions say which roles they use.

#[cfg(feature = "aws")]
pub mod collect;
pub mod iac;
// Its property types (`model.rs`) are compiled as part of `crate::model`.

use crate::kinds::{unchanged, KindDef, Read, Scope, ServiceDef};
use crate::model::{ResourceKind as K, Service};

pub(super) static SERVICE: ServiceDef = ServiceDef {
    service: Service::Iam,
    // The calls that change a role's trust, permissions, boundary or tags
    // (https://docs.aws.amazon.com/IAM/latest/APIReference/API_Operations.html).
    change_events: &[
        "CreateRole",
        "DeleteRole",
        "UpdateRole",
        "UpdateRoleDescription",
        "UpdateAssumeRolePolicy",
        "AttachRolePolicy",
        "DetachRolePolicy",
        "PutRolePolicy",
        "DeleteRolePolicy",
        "PutRolePermissionsBoundary",
        "DeleteRolePermissionsBoundary",
        "TagRole",
        "UntagRole",
    ],
    kinds: &[&ROLE],
    reads: &[
        &LIST_ROLES,
        &GET_ROLE,
        &LIST_ATTACHED_ROLE_POLICIES,
        &LIST_ROLE_POLICIES,
        &GET_ROLE_POLICY,
    ],
    iac_kinds: iac::KINDS,
    iac_parts: iac::PARTS,
    scope: Scope::Global {
        selected_by: &[K::EcsTaskDefinition],
    },
};

/// What IAM answers a per-role read of a role deleted since it was listed
/// (<https://docs.aws.amazon.com/IAM/latest/APIReference/API_GetRole.html#API_GetRole_Errors>).
const GONE: &[&str] = &["NoSuchEntity"];
// Its reads: the read-only policy and the failures' operation names come from these.
pub(crate) static LIST_ROLES: Read = crate::read!(Service::Iam, "iam", "ListRoles", [K::IamRole]);
/// A role's tags and permissions boundary, which `ListRoles` does not return.
pub(crate) static GET_ROLE: Read =
    crate::read!(Service::Iam, "iam", "GetRole", [K::IamRole]).gone(GONE);
pub(crate) static LIST_ATTACHED_ROLE_POLICIES: Read =
    crate::read!(Service::Iam, "iam", "ListAttachedRolePolicies", [K::IamRole]).gone(GONE);
pub(crate) static LIST_ROLE_POLICIES: Read =
    crate::read!(Service::Iam, "iam", "ListRolePolicies", [K::IamRole]).gone(GONE);
pub(crate) static GET_ROLE_POLICY: Read =
    crate::read!(Service::Iam, "iam", "GetRolePolicy", [K::IamRole]).gone(GONE);

pub(super) static ROLE: KindDef = KindDef {
    kind: K::IamRole,
    asff_type: "AwsIamRole",
    tags_are_read: true,
    name_fields: &[],
    changes_without_drift: &[],
    following_fields: &[],
    capture: unchanged,
    compare: unchanged,
};
