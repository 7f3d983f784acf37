//! Infrastructure code's state as the baseline, end to end: a Terraform state (format 4) and a
//! Pulumi stack export (deployment 3) are written by their documented formats from what
//! `driftscan-infra` provisioned into moto (the same ids, the attributes each provider
//! records, secrets as each tool keeps them); imported, they scan clean; out-of-band changes,
//! hand-made and deleted resources are found; bad states are clear errors and nothing is
//! written.

use std::path::Path;

use serde_json::{json, Map, Value};

use crate::support::{block_on, json_report, shipped_baselines, AlertInbox, Moto};

const ENV: &str = "staging";
const REGION: &str = "us-east-1";
/// What the tools keep secret: never in any output.
const DB_PASSWORD: &str = "tf-Master-Pa55-5521";
const SECURE_VALUE: &str = "pulumi-secret-value-7731";
const REDIS_AUTH_TOKEN: &str = "tf-Redis-Auth-Token-0934-xq7Lm2";

fn snapshot(moto: &Moto) -> Value {
    let output = moto
        .driftscan()
        .args(["snapshot", "--env", ENV, "--region", REGION])
        .output()
        .expect("driftscan runs");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).unwrap()
}

fn ids(list: &Value) -> Vec<Value> {
    list.as_array()
        .into_iter()
        .flatten()
        .filter_map(|r| r.get("id").cloned())
        .collect()
}

/// (Terraform type, attributes) of a snapshot resource, as the AWS provider records it; parts
/// (bucket settings) as their own resources.
fn terraform_resources(resource: &Value) -> Vec<(&'static str, Value)> {
    let p = &resource["properties"];
    let id = resource["id"].clone();
    let arn = resource.get("arn").cloned().unwrap_or(Value::Null);
    let tags = resource["tags"].clone();
    let mut attributes = json!({"id": id, "arn": arn, "tags": tags, "tags_all": tags});
    let a = attributes.as_object_mut().unwrap();
    let mut extend = |more: Value| a.extend(more.as_object().unwrap().clone());
    let rule_blocks = |rules: &Value| -> Value {
        Value::Array(
            rules
                .as_array()
                .unwrap()
                .iter()
                .map(|r| {
                    let all = r["protocol"] == "all";
                    let peer = &r["peer"];
                    json!({
                        "protocol": if all { json!("-1") } else { r["protocol"].clone() },
                        "from_port": if all { json!(0) } else { r["from_port"].clone() },
                        "to_port": if all { json!(0) } else { r["to_port"].clone() },
                        "cidr_blocks": peer.get("cidr").map(|c| json!([c])).unwrap_or(json!([])),
                        "ipv6_cidr_blocks": [], "prefix_list_ids": [],
                        "security_groups": peer.pointer("/group/id").map(|g| json!([g])).unwrap_or(json!([])),
                        "self": false,
                        "description": r.get("description").cloned().unwrap_or(json!("")),
                    })
                })
                .collect(),
        )
    };
    let kind = resource["kind"].as_str().unwrap();
    let primary = match kind {
        "vpc" => {
            extend(
                json!({"cidr_block": p["cidr_blocks"][0], "enable_dns_support": p["dns_support"],
                "enable_dns_hostnames": p["dns_hostnames"], "instance_tenancy": "default"}),
            );
            "aws_vpc"
        }
        "subnet" => {
            extend(
                json!({"vpc_id": p["vpc"]["id"], "cidr_block": p["cidr_block"],
                "availability_zone": p["availability_zone"], "map_public_ip_on_launch": p["map_public_ip_on_launch"]}),
            );
            "aws_subnet"
        }
        "route-table" if p["main"] == true => return vec![],
        "route-table" => {
            extend(json!({"vpc_id": p["vpc"]["id"], "route": []}));
            "aws_route_table"
        }
        "internet-gateway" => {
            extend(json!({"vpc_id": p["vpcs"][0]["id"]}));
            "aws_internet_gateway"
        }
        "nat-gateway" => {
            extend(
                json!({"subnet_id": p["subnet"]["id"], "connectivity_type": p["connectivity_type"]}),
            );
            "aws_nat_gateway"
        }
        "security-group" if p["group_name"] == "default" => return vec![],
        "security-group" => {
            extend(
                json!({"name": p["group_name"], "description": p["description"], "vpc_id": p["vpc"]["id"],
                "ingress": rule_blocks(&p["ingress"]), "egress": rule_blocks(&p["egress"]), "revoke_rules_on_delete": false}),
            );
            "aws_security_group"
        }
        "ecs-cluster" => {
            let settings: Vec<Value> = p["settings"]
                .as_object()
                .unwrap()
                .iter()
                .map(|(k, v)| json!({"name": k, "value": v}))
                .collect();
            extend(json!({"id": arn, "name": resource["id"], "setting": settings}));
            "aws_ecs_cluster"
        }
        "ecs-service" => {
            let network = &p["network"];
            extend(
                json!({"id": arn, "name": resource["name"], "cluster": p["cluster"],
                "desired_count": p["desired_count"], "launch_type": p["launch_type"],
                "enable_execute_command": p["enable_execute_command"],
                "network_configuration": [{"subnets": ids(&network["subnets"]),
                    "security_groups": ids(&network["security_groups"]), "assign_public_ip": network["assign_public_ip"]}]}),
            );
            "aws_ecs_service"
        }
        "ecs-task-definition" => {
            let containers: Vec<Value> = p["containers"].as_array().unwrap().iter().map(|c| {
                let environment: Vec<Value> = c["environment"].as_object().unwrap().iter()
                    .map(|(k, v)| json!({"name": k, "value": v})).collect();
                json!({"name": c["name"], "image": c["image"], "essential": c["essential"], "environment": environment})
            }).collect();
            extend(
                json!({"id": p["family"], "family": p["family"], "cpu": p["cpu"], "memory": p["memory"],
                "network_mode": p["network_mode"], "requires_compatibilities": p["requires_compatibilities"],
                "container_definitions": serde_json::to_string(&containers).unwrap(), "revision": p["revision"]}),
            );
            "aws_ecs_task_definition"
        }
        "db-cluster" => {
            extend(
                json!({"cluster_identifier": id, "engine": p["engine"], "engine_version": p["engine_version"],
                "storage_encrypted": p["storage_encrypted"], "backup_retention_period": p["backup_retention_period"],
                "deletion_protection": p["deletion_protection"], "db_subnet_group_name": p["subnet_group"],
                "vpc_security_group_ids": ids(&p["security_groups"]), "port": p["port"],
                "iam_database_authentication_enabled": p["iam_database_authentication"],
                "master_password": DB_PASSWORD}),
            );
            "aws_rds_cluster"
        }
        "db-instance" => {
            extend(
                json!({"identifier": id, "cluster_identifier": p["cluster"], "instance_class": p["instance_class"],
                "engine": p["engine"], "publicly_accessible": p["publicly_accessible"]}),
            );
            "aws_rds_cluster_instance"
        }
        "ssm-parameter" => {
            extend(
                json!({"name": id, "type": p["type"], "tier": p["tier"], "value": p["value"], "insecure_value": null}),
            );
            "aws_ssm_parameter"
        }
        "load-balancer" => {
            extend(
                json!({"id": arn, "name": resource["name"], "internal": p["scheme"] == "internal",
                "load_balancer_type": p["type"], "subnets": ids(&p["subnets"]), "security_groups": ids(&p["security_groups"]),
                "enable_deletion_protection": p["deletion_protection"], "drop_invalid_header_fields": p["drop_invalid_header_fields"],
                "idle_timeout": p["idle_timeout_seconds"], "ip_address_type": p["ip_address_type"]}),
            );
            "aws_lb"
        }
        "listener" => {
            let actions: Vec<Value> = p["default_actions"].as_array().unwrap().iter().map(|a| {
                if let Some(forward) = a.get("forward") {
                    json!({"type": "forward", "target_group_arn": forward["target_groups"][0]["id"], "order": 1})
                } else {
                    let r = &a["redirect"];
                    json!({"type": "redirect", "order": 1, "redirect": [{"protocol": r["protocol"], "port": r["port"], "status_code": r["status_code"]}]})
                }
            }).collect();
            extend(
                json!({"load_balancer_arn": p["load_balancer"]["id"], "port": p["port"], "protocol": p["protocol"],
                "ssl_policy": p["ssl_policy"], "certificate_arn": p["certificates"].get(0).cloned().unwrap_or(json!("")),
                "default_action": actions}),
            );
            "aws_lb_listener"
        }
        "target-group" => {
            let h = &p["health_check"];
            extend(
                json!({"name": resource["name"], "port": p["port"], "protocol": p["protocol"], "target_type": p["target_type"],
                "vpc_id": p["vpc"]["id"], "health_check": [{"enabled": h["enabled"], "path": h["path"], "matcher": h["matcher"],
                "interval": h["interval_seconds"]}]}),
            );
            "aws_lb_target_group"
        }
        "s3-bucket" => {
            extend(json!({"bucket": id}));
            let bucket = resource["id"].clone();
            let e = &p["encryption"];
            let b = &p["public_access_block"];
            return vec![
                ("aws_s3_bucket", attributes),
                (
                    "aws_s3_bucket_versioning",
                    json!({"id": bucket, "bucket": bucket,
                    "versioning_configuration": [{"status": p["versioning"], "mfa_delete": ""}]}),
                ),
                (
                    "aws_s3_bucket_server_side_encryption_configuration",
                    json!({"id": bucket, "bucket": bucket,
                    "rule": [{"bucket_key_enabled": e["bucket_key_enabled"], "apply_server_side_encryption_by_default":
                        [{"sse_algorithm": e["algorithm"], "kms_master_key_id": ""}]}]}),
                ),
                (
                    "aws_s3_bucket_public_access_block",
                    json!({"id": bucket, "bucket": bucket,
                    "block_public_acls": b["block_public_acls"], "ignore_public_acls": b["ignore_public_acls"],
                    "block_public_policy": b["block_public_policy"], "restrict_public_buckets": b["restrict_public_buckets"]}),
                ),
            ];
        }
        "cache-replication-group" => {
            let enabled = |state: &Value| json!(state == "enabled");
            extend(
                json!({"replication_group_id": id, "engine": p["engine"], "engine_version_actual": p["engine_version"],
                "node_type": p["node_type"], "num_node_groups": p["node_groups"], "replicas_per_node_group": p["replicas_per_node_group"],
                "automatic_failover_enabled": enabled(&p["automatic_failover"]), "multi_az_enabled": enabled(&p["multi_az"]),
                "transit_encryption_enabled": p["transit_encryption"], "at_rest_encryption_enabled": p["at_rest_encryption"],
                "kms_key_id": p["kms_key_id"], "snapshot_retention_limit": p["snapshot_retention_limit"],
                "subnet_group_name": p["subnet_group"], "parameter_group_name": p["parameter_group"],
                "security_group_ids": ids(&p["security_groups"]), "user_group_ids": p["user_groups"],
                "auth_token": REDIS_AUTH_TOKEN}),
            );
            "aws_elasticache_replication_group"
        }
        "secret" => {
            // Its id in both tools is its ARN.
            extend(
                json!({"id": arn, "name": id, "description": p["description"], "kms_key_id": p["kms_key_id"],
                "recovery_window_in_days": 30}),
            );
            "aws_secretsmanager_secret"
        }
        "log-group" => {
            extend(
                json!({"name": id, "retention_in_days": p["retention_days"], "kms_key_id": p["kms_key_id"],
                "log_group_class": p["class"]}),
            );
            "aws_cloudwatch_log_group"
        }
        "iam-role" => {
            let name = resource["id"].as_str().unwrap();
            extend(
                json!({"name": name, "path": p["path"], "description": p["description"],
                "max_session_duration": p["max_session_duration"], "permissions_boundary": p["permissions_boundary"],
                "assume_role_policy": policy_document(&p["trust_policy"]).to_string(), "force_detach_policies": false}),
            );
            let inline = p["inline_policies"].as_object().unwrap().iter().map(|(policy, statements)| {
                let attributes = json!({"id": format!("{name}:{policy}"), "role": name, "name": policy,
                    "policy": policy_document(statements).to_string()});
                ("aws_iam_role_policy", attributes)
            });
            let attached = p["managed_policies"].as_array().unwrap().iter().map(|arn| {
                let attributes = json!({"id": format!("{name}-{}", arn.as_str().unwrap()), "role": name, "policy_arn": arn});
                ("aws_iam_role_policy_attachment", attributes)
            });
            let mut resources = vec![("aws_iam_role", attributes)];
            resources.extend(inline);
            resources.extend(attached);
            return resources;
        }
        "cloudfront-distribution" => {
            // Origins and behaviours as blocks; the default behaviour has no path pattern.
            let origins: Vec<Value> = p["origins"].as_array().unwrap().iter().map(|o| {
                json!({"origin_id": o["id"], "domain_name": o["domain"], "custom_origin_config": [{"http_port": 80,
                "https_port": 443, "origin_protocol_policy": o["protocol_policy"], "origin_ssl_protocols": o["ssl_protocols"]}]})
            }).collect();
            let behavior = |b: &Value| {
                json!({"target_origin_id": b["target_origin"],
                "viewer_protocol_policy": b["viewer_protocol_policy"], "allowed_methods": b["allowed_methods"],
                "cached_methods": ["GET", "HEAD"]})
            };
            let behaviors = p["behaviors"].as_array().unwrap();
            let default: Vec<Value> = behaviors
                .iter()
                .filter(|b| b["path_pattern"] == "*")
                .map(behavior)
                .collect();
            let ordered: Vec<Value> = behaviors
                .iter()
                .filter(|b| b["path_pattern"] != "*")
                .map(|b| {
                    let mut ordered = behavior(b);
                    ordered["path_pattern"] = b["path_pattern"].clone();
                    ordered
                })
                .collect();
            extend(
                json!({"aliases": p["aliases"], "enabled": p["enabled"], "comment": p["comment"], "web_acl_id": p["web_acl"],
                "price_class": p["price_class"], "http_version": p["http_version"], "domain_name": p["domain_name"],
                "origin": origins, "default_cache_behavior": default, "ordered_cache_behavior": ordered,
                "viewer_certificate": [{"acm_certificate_arn": p["certificate"], "cloudfront_default_certificate": false,
                "minimum_protocol_version": p["minimum_protocol_version"], "ssl_support_method": p["ssl_support_method"]}]}),
            );
            "aws_cloudfront_distribution"
        }
        "acm-certificate" => {
            // The names beside the domain; ACM's validation records are resources of their own.
            let names: Vec<&Value> = p["alternative_names"]
                .as_array()
                .unwrap()
                .iter()
                .filter(|n| **n != p["domain"])
                .collect();
            extend(
                json!({"domain_name": p["domain"], "subject_alternative_names": names,
                "key_algorithm": p["key_algorithm"], "validation_method": p["validation_method"],
                "status": p["status"], "private_key": null}),
            );
            "aws_acm_certificate"
        }
        "kms-key" => {
            // The key's policy is left to its default; its alias is a resource of its own.
            extend(
                json!({"key_id": id, "description": p["description"], "customer_master_key_spec": p["key_spec"],
                "key_usage": p["key_usage"], "is_enabled": p["state"] == "Enabled",
                "enable_key_rotation": p["rotation_enabled"], "rotation_period_in_days": p["rotation_period_days"],
                "multi_region": p["multi_region"], "deletion_window_in_days": 30}),
            );
            let aliases = p["aliases"].as_array().unwrap().iter().map(|alias| {
                let attributes = json!({"id": alias, "name": alias, "target_key_id": id,
                    "target_key_arn": arn, "arn": format!("{}:{}", arn.as_str().unwrap().rsplit_once(':').unwrap().0, alias.as_str().unwrap())});
                ("aws_kms_alias", attributes)
            });
            let mut resources = vec![("aws_kms_key", attributes)];
            resources.extend(aliases);
            return resources;
        }
        "ecr-repository" => {
            // Its id in both tools is its name; lifecycle and policy are resources of their own.
            extend(
                json!({"name": id, "repository_url": p["uri"], "image_tag_mutability": p["tag_mutability"],
                "image_scanning_configuration": [{"scan_on_push": p["scan_on_push"]}],
                "encryption_configuration": [{"encryption_type": p["encryption"], "kms_key": p["kms_key"]}]}),
            );
            let rules: Vec<Value> = p["lifecycle_rules"].as_array().unwrap().iter().map(|r| {
                let patterns = r["tag_patterns"].as_array().unwrap();
                json!({"rulePriority": r["priority"], "selection": {"tagStatus": r["tag_status"],
                    "tagPatternList": patterns, "countType": r["count_type"], "countNumber": r["count_number"]},
                    "action": {"type": r["action"]}})
            }).collect();
            let mut resources = vec![("aws_ecr_repository", attributes)];
            if !rules.is_empty() {
                let document = json!({"rules": rules}).to_string();
                resources.push((
                    "aws_ecr_lifecycle_policy",
                    json!({"id": id, "repository": id, "policy": document}),
                ));
            }
            return resources;
        }
        "dns-zone" => {
            extend(json!({"zone_id": id, "name": p["domain"], "comment": p["comment"]}));
            "aws_route53_zone"
        }
        "dns-record" => {
            // Its id in both tools is `<zone id>_<name>_<type>`; the collector's is `<name> <type>`.
            let alias: Vec<Value> = p["alias"].as_object().map(|a| {
                json!({"name": a["dns_name"], "zone_id": a["hosted_zone_id"], "evaluate_target_health": a["evaluate_target_health"]})
            }).into_iter().collect();
            extend(
                json!({"id": format!("Z0_{}_{}", p["name"].as_str().unwrap(), p["record_type"].as_str().unwrap()),
                "name": p["name"], "type": p["record_type"], "ttl": p["ttl"], "records": p["values"], "alias": alias,
                "set_identifier": p["set_identifier"]}),
            );
            "aws_route53_record"
        }
        "web-acl" => {
            // The rules as blocks, each choosing its action or override by a sub-block; the
            // association is a resource of its own, naming the web ACL by ARN.
            let chosen = |name: &Value| match name.as_str() {
                Some(name) => json!([{name: [{}]}]),
                None => json!([]),
            };
            let rules: Vec<Value> = p["rules"].as_array().unwrap().iter().map(|r| {
                let (vendor, group) = r["managed_rule_group"].as_str().unwrap().split_once('/').unwrap();
                json!({"name": r["name"], "priority": r["priority"], "action": chosen(&r["action"]),
                "override_action": chosen(&r["override_action"]),
                "statement": [{"managed_rule_group_statement": [{"vendor_name": vendor, "name": group, "version": r["version"]}]}]})
            }).collect();
            let default = if p["default_action"] == "allow" {
                json!([{"allow": [{}]}])
            } else {
                json!([{"block": [{}]}])
            };
            extend(
                json!({"name": resource["name"], "scope": "REGIONAL", "description": p["description"],
                "default_action": default, "rule": rules}),
            );
            let mut resources = vec![("aws_wafv2_web_acl", attributes)];
            for target in p["associations"].as_array().unwrap() {
                let association = json!({"id": format!("{},{}", arn.as_str().unwrap(), target.as_str().unwrap()),
                    "web_acl_arn": arn, "resource_arn": target});
                resources.push(("aws_wafv2_web_acl_association", association));
            }
            return resources;
        }
        other => panic!("no Terraform type for {other}"),
    };
    vec![(primary, attributes)]
}

/// A policy document, as the tools write it, of a snapshot's normalized statements.
fn policy_document(statements: &Value) -> Value {
    let statements: Vec<Value> = statements
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            let mut statement = json!({"Effect": s["effect"], "Action": s["actions"]});
            let principals = s["principals"].as_array().unwrap();
            if !principals.is_empty() {
                let mut by_type = serde_json::Map::new();
                for principal in principals {
                    let (kind, who) = principal.as_str().unwrap().split_once(':').unwrap();
                    by_type
                        .entry(kind)
                        .or_insert_with(|| json!([]))
                        .as_array_mut()
                        .unwrap()
                        .push(json!(who));
                }
                statement["Principal"] = Value::Object(by_type);
            }
            if !s["resources"].as_array().unwrap().is_empty() {
                statement["Resource"] = s["resources"].clone();
            }
            if let Some(sid) = s.get("sid") {
                statement["Sid"] = sid.clone();
            }
            if !s["conditions"].as_object().unwrap().is_empty() {
                statement["Condition"] = s["conditions"].clone();
            }
            statement
        })
        .collect();
    json!({"Version": "2012-10-17", "Statement": statements})
}

/// A Terraform state (format 4) of the snapshot's resources: modules, indexes, sensitive
/// attributes and dependencies as Terraform writes them, and a resource of another provider.
fn terraform_state(snapshot: &Value, network: bool) -> Value {
    let mut resources = Vec::new();
    for (i, resource) in snapshot["resources"].as_array().unwrap().iter().enumerate() {
        // Two stacks, as teams split them: the network, and the rest.
        let in_network = [
            "vpc",
            "subnet",
            "route-table",
            "internet-gateway",
            "nat-gateway",
        ]
        .contains(&resource["kind"].as_str().unwrap());
        if in_network != network {
            continue;
        }
        for (j, (kind, attributes)) in terraform_resources(resource).into_iter().enumerate() {
            let sensitive = match kind {
                "aws_rds_cluster" => json!([[{"type": "get_attr", "value": "master_password"}]]),
                "aws_ssm_parameter" => json!([[{"type": "get_attr", "value": "value"}]]),
                "aws_elasticache_replication_group" => {
                    json!([[{"type": "get_attr", "value": "auth_token"}]])
                }
                _ => json!([]),
            };
            resources.push(json!({
                "module": if i % 2 == 0 { json!("module.platform") } else { Value::Null },
                "mode": "managed", "type": kind, "name": format!("r{i}_{j}"),
                "provider": "provider[\"registry.terraform.io/hashicorp/aws\"]",
                "instances": [{"index_key": i, "schema_version": 1, "attributes": attributes,
                    "sensitive_attributes": sensitive, "private": "eyJzY2hlbWFfdmVyc2lvbiI6IjEifQ==",
                    "dependencies": ["module.platform.aws_vpc.r0_0"]}],
            }));
        }
    }
    resources.push(
        json!({"mode": "managed", "type": "random_id", "name": "suffix",
        "provider": "provider[\"registry.terraform.io/hashicorp/random\"]",
        "instances": [{"schema_version": 0, "attributes": {"id": "q3x", "hex": "ab12"}}]}),
    );
    resources.push(
        json!({"mode": "data", "type": "aws_caller_identity", "name": "me",
        "provider": "provider[\"registry.terraform.io/hashicorp/aws\"]",
        "instances": [{"schema_version": 0, "attributes": {"id": "123456789012"}}]}),
    );
    json!({"version": 4, "terraform_version": "1.9.5", "serial": 42,
        "lineage": "7c1b5a34-1f0e-4b5e-9c61-5d9e2a1f3b77", "outputs": {}, "resources": resources,
        "check_results": null})
}

fn camel(name: &str) -> String {
    let mut out = String::new();
    let mut upper = false;
    for c in name.chars() {
        if c == '_' {
            upper = true;
        } else if upper {
            out.push(c.to_ascii_uppercase());
            upper = false;
        } else {
            out.push(c);
        }
    }
    out
}

/// Pulumi's spelling of a Terraform attribute document: camelCase keys (not inside tags),
/// single nested blocks as objects.
fn pulumi_value(value: &Value, key: &str) -> Value {
    const SINGLE: [&str; 4] = [
        "network_configuration",
        "health_check",
        "versioning_configuration",
        "redirect",
    ];
    match value {
        Value::Object(map) if key != "tags" && key != "tags_all" => Value::Object(
            map.iter()
                .map(|(k, v)| (camel(k), pulumi_value(v, k)))
                .collect::<Map<_, _>>(),
        ),
        Value::Array(items) if SINGLE.contains(&key) && items.len() == 1 => {
            pulumi_value(&items[0], "")
        }
        Value::Array(items) => Value::Array(items.iter().map(|v| pulumi_value(v, "")).collect()),
        other => other.clone(),
    }
}

/// A Pulumi stack export (deployment 3): URNs, providers, a component, secrets as ciphertext.
fn pulumi_export(snapshot: &Value) -> Value {
    let types = [
        ("aws_vpc", "aws:ec2/vpc:Vpc"), ("aws_subnet", "aws:ec2/subnet:Subnet"),
        ("aws_route_table", "aws:ec2/routeTable:RouteTable"),
        ("aws_internet_gateway", "aws:ec2/internetGateway:InternetGateway"),
        ("aws_nat_gateway", "aws:ec2/natGateway:NatGateway"),
        ("aws_security_group", "aws:ec2/securityGroup:SecurityGroup"),
        ("aws_ecs_cluster", "aws:ecs/cluster:Cluster"), ("aws_ecs_service", "aws:ecs/service:Service"),
        ("aws_ecs_task_definition", "aws:ecs/taskDefinition:TaskDefinition"),
        ("aws_rds_cluster", "aws:rds/cluster:Cluster"), ("aws_rds_cluster_instance", "aws:rds/clusterInstance:ClusterInstance"),
        ("aws_ssm_parameter", "aws:ssm/parameter:Parameter"), ("aws_lb", "aws:lb/loadBalancer:LoadBalancer"),
        ("aws_lb_listener", "aws:lb/listener:Listener"), ("aws_lb_target_group", "aws:lb/targetGroup:TargetGroup"),
        ("aws_s3_bucket", "aws:s3/bucketV2:BucketV2"),
        ("aws_s3_bucket_versioning", "aws:s3/bucketVersioningV2:BucketVersioningV2"),
        ("aws_s3_bucket_server_side_encryption_configuration",
            "aws:s3/bucketServerSideEncryptionConfigurationV2:BucketServerSideEncryptionConfigurationV2"),
        ("aws_s3_bucket_public_access_block", "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock"),
        ("aws_elasticache_replication_group", "aws:elasticache/replicationGroup:ReplicationGroup"),
        ("aws_secretsmanager_secret", "aws:secretsmanager/secret:Secret"),
        ("aws_cloudwatch_log_group", "aws:cloudwatch/logGroup:LogGroup"),
        ("aws_kms_key", "aws:kms/key:Key"), ("aws_kms_alias", "aws:kms/alias:Alias"),
        ("aws_acm_certificate", "aws:acm/certificate:Certificate"),
        ("aws_cloudfront_distribution", "aws:cloudfront/distribution:Distribution"),
        ("aws_ecr_repository", "aws:ecr/repository:Repository"),
        ("aws_route53_zone", "aws:route53/zone:Zone"), ("aws_route53_record", "aws:route53/record:Record"),
        ("aws_wafv2_web_acl", "aws:wafv2/webAcl:WebAcl"),
        ("aws_wafv2_web_acl_association", "aws:wafv2/webAclAssociation:WebAclAssociation"),
        ("aws_ecr_lifecycle_policy", "aws:ecr/lifecyclePolicy:LifecyclePolicy"),
        ("aws_iam_role", "aws:iam/role:Role"), ("aws_iam_role_policy", "aws:iam/rolePolicy:RolePolicy"),
        ("aws_iam_role_policy_attachment", "aws:iam/rolePolicyAttachment:RolePolicyAttachment"),
    ];
    let stack = "urn:pulumi:staging::trading-platform";
    let mut resources = vec![
        json!({"urn": format!("{stack}::pulumi:pulumi:Stack::trading-platform-staging"), "custom": false,
            "type": "pulumi:pulumi:Stack"}),
        json!({"urn": format!("{stack}::pulumi:providers:aws::default_6_66_0"), "custom": true,
            "id": "0f3a", "type": "pulumi:providers:aws", "inputs": {"region": REGION}, "outputs": {"region": REGION}}),
    ];
    let secret = |plaintext: &str| {
        json!({"4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270",
        "ciphertext": format!("v1:AAAA{}", plaintext.len())})
    };
    for (i, resource) in snapshot["resources"].as_array().unwrap().iter().enumerate() {
        for (tf_type, attributes) in terraform_resources(resource) {
            let pulumi_type = types.iter().find(|(t, _)| *t == tf_type).unwrap().1;
            let mut outputs = pulumi_value(&attributes, "");
            let outputs_map = outputs.as_object_mut().unwrap();
            if let Some(v) = outputs_map.get_mut("masterPassword") {
                *v = secret(DB_PASSWORD);
            }
            if let Some(v) = outputs_map.get_mut("authToken") {
                *v = secret(REDIS_AUTH_TOKEN);
            }
            if tf_type == "aws_ssm_parameter" {
                outputs_map.insert("value".into(), secret(SECURE_VALUE));
            }
            let name = format!(
                "{}-{i}",
                attributes["id"]
                    .as_str()
                    .unwrap_or("r")
                    .replace(['/', ':'], "-")
            );
            resources.push(json!({
                "urn": format!("{stack}::{pulumi_type}::{name}"), "custom": true,
                "id": attributes["id"], "type": pulumi_type, "inputs": {}, "outputs": outputs,
                "parent": format!("{stack}::pulumi:pulumi:Stack::trading-platform-staging"),
                "provider": format!("{stack}::pulumi:providers:aws::default_6_66_0::0f3a"),
                "propertyDependencies": {}, "additionalSecretOutputs": ["value"],
            }));
        }
    }
    json!({"version": 3, "deployment": {
        "manifest": {"time": "2026-11-20T10:00:00Z", "magic": "x", "version": "v3.140.0"},
        "secrets_providers": {"type": "service", "state": {"url": "https://api.pulumi.com", "owner": "acme",
            "project": "trading-platform", "stack": "staging"}},
        "resources": resources}})
}

fn driftscan_json(moto: &Moto, args: &[&str]) -> (i32, Vec<(String, String)>, String) {
    let (code, report, stderr) = json_report(moto, args);
    let mut rows: Vec<(String, String)> = report
        .findings
        .iter()
        .map(|f| {
            (
                format!("{:?} {}/{}", f.kind, f.resource_type, f.logical_name),
                f.path.clone().unwrap_or_default(),
            )
        })
        .collect();
    rows.sort();
    (code, rows, stderr)
}

fn write(dir: &Path, name: &str, value: &Value) -> String {
    let path = dir.join(name);
    std::fs::write(&path, serde_json::to_vec_pretty(value).unwrap()).unwrap();
    path.display().to_string()
}

#[test]
fn states_of_both_tools_import_and_scan_clean_then_find_what_changed() {
    let moto = Moto::start();
    let staging = block_on(moto.provision(ENV, REGION));
    let live = snapshot(&moto);
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "network.tfstate", &terraform_state(&live, true));
    write(dir.path(), "app.tfstate", &terraform_state(&live, false));
    // Both stacks are one managed set (a glob takes them both).
    let tfstate = format!("{}/*.tfstate", dir.path().display());
    let export = write(dir.path(), "stack.json", &pulumi_export(&live));
    let mut outputs: Vec<String> = Vec::new();

    // The same two stacks in their S3 backend, read with GetObject.
    let s3 = aws_sdk_s3::Client::from_conf(
        aws_sdk_s3::config::Builder::from(&block_on(moto.sdk_config(REGION)))
            .force_path_style(true)
            .build(),
    );
    block_on(async {
        s3.create_bucket()
            .bucket("acme-tf-state")
            .send()
            .await
            .unwrap();
        for name in ["network.tfstate", "app.tfstate"] {
            let body = std::fs::read(dir.path().join(name)).unwrap();
            s3.put_object()
                .bucket("acme-tf-state")
                .key(format!("staging/{name}"))
                .body(aws_sdk_s3::primitives::ByteStream::from(body))
                .send()
                .await
                .unwrap();
        }
    });
    let s3_sources = "tfstate+s3://acme-tf-state/staging/network.tfstate tfstate+s3://acme-tf-state/staging/app.tfstate";
    for from in [
        format!("tfstate:{tfstate}"),
        format!("pulumi:{export}"),
        s3_sources.to_string(),
    ] {
        // Imported into a baseline, which scans clean.
        let out = tempfile::tempdir().unwrap();
        let mut import = moto.driftscan();
        import.args(["baseline", "import", "--env", ENV, "--region", REGION]);
        for source in from.split(' ') {
            import.args(["--from", source]);
        }
        let import = import.arg("-o").arg(out.path()).output().unwrap();
        let stderr = String::from_utf8_lossy(&import.stderr).into_owned();
        assert!(import.status.success(), "{from}: {stderr}");
        let baseline = std::fs::read_to_string(out.path().join("staging.yaml")).unwrap();
        outputs.push(baseline.clone());
        outputs.push(stderr);
        let dir_arg = out.path().display().to_string();
        let (code, rows, stderr) = driftscan_json(
            &moto,
            &[
                "scan",
                "--env",
                ENV,
                "--region",
                REGION,
                "--baselines",
                &dir_arg,
            ],
        );
        assert_eq!(
            (code, rows),
            (0, vec![]),
            "{from}: imported baseline scans clean: {stderr}\n{baseline}"
        );

        // The state as the baseline directly, with the shipped rules.
        let shipped = shipped_baselines().display().to_string();
        let scan_args = |extra: &[&str]| -> Vec<String> {
            let mut args: Vec<String> = ["scan", "--env", ENV, "--region", REGION]
                .iter()
                .map(|s| s.to_string())
                .collect();
            for source in from.split(' ') {
                args.extend(["--from".to_string(), source.to_string()]);
            }
            args.extend(extra.iter().map(|s| s.to_string()));
            args
        };
        let args = scan_args(&["--baselines", &shipped]);
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let (code, rows, stderr) = driftscan_json(&moto, &args);
        assert_eq!((code, rows), (0, vec![]), "{from}: {stderr}");
        // Every format of a scan against the state carries no secret either.
        for format in ["text", "json", "markdown", "sarif", "junit"] {
            let mut with_format = args.clone();
            with_format.extend(["--format", format]);
            let output = moto.driftscan().args(&with_format).output().unwrap();
            outputs.push(String::from_utf8_lossy(&output.stdout).into_owned());
            outputs.push(String::from_utf8_lossy(&output.stderr).into_owned());
        }
        let args = scan_args(&["--unmanaged"]);
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let (code, rows, _) = driftscan_json(&moto, &args);
        assert_eq!((code, rows), (0, vec![]), "{from}: everything is managed");
    }

    // Out of band: a rule opened on the app group, a hand-made parameter, a parameter deleted.
    let config = block_on(moto.sdk_config(REGION));
    let ec2 = aws_sdk_ec2::Client::new(&config);
    let ssm = aws_sdk_ssm::Client::new(&config);
    block_on(async {
        ec2.authorize_security_group_ingress()
            .group_id(&staging.security_groups["app"])
            .ip_permissions(
                aws_sdk_ec2::types::IpPermission::builder()
                    .ip_protocol("tcp")
                    .from_port(9090)
                    .to_port(9090)
                    .ip_ranges(
                        aws_sdk_ec2::types::IpRange::builder()
                            .cidr_ip("10.1.0.0/16")
                            .build(),
                    )
                    .build(),
            )
            .send()
            .await
            .unwrap();
        ssm.put_parameter()
            .name("/staging/hand-made")
            .value("1")
            .r#type(aws_sdk_ssm::types::ParameterType::String)
            .send()
            .await
            .unwrap();
        ssm.delete_parameter()
            .name("/staging/api-timeout")
            .send()
            .await
            .unwrap();
    });
    let from = format!("tfstate:{tfstate}");
    let (code, rows, _) = driftscan_json(
        &moto,
        &[
            "scan",
            "--env",
            ENV,
            "--region",
            REGION,
            "--from",
            &from,
            "--fail-on",
            "medium",
        ],
    );
    assert_eq!(
        rows,
        [
            (
                "Drift security-group/app-{env}".to_string(),
                "properties.ingress".to_string()
            ),
            (
                "Missing ssm-parameter//{env}/api-timeout".to_string(),
                String::new()
            ),
            (
                "Unmanaged ssm-parameter//{env}/hand-made".to_string(),
                String::new()
            ),
        ]
    );
    assert_eq!(code, 1);
    let (_, rows, _) = driftscan_json(
        &moto,
        &[
            "scan",
            "--env",
            ENV,
            "--region",
            REGION,
            "--from",
            &from,
            "--unmanaged",
        ],
    );
    assert_eq!(
        rows,
        [
            (
                "Missing ssm-parameter//{env}/api-timeout".to_string(),
                String::new()
            ),
            (
                "Unmanaged ssm-parameter//{env}/hand-made".to_string(),
                String::new()
            ),
        ],
        "--unmanaged: by id, no drift"
    );

    // The Lambda takes the same states in its request (from S3, with its own credentials) and
    // finds the same three.
    let inbox = block_on(AlertInbox::create(&config));
    let no_rules = tempfile::tempdir().unwrap();
    let sources: Vec<&str> = s3_sources.split(' ').collect();
    let request = json!({"scan": [ENV], "from": {ENV: sources}, "regions": [REGION]});
    let vars = [("DRIFTSCAN_BASELINES", no_rules.path().display().to_string())];
    let run = crate::lambda::invoke_once(&moto, &inbox, &vars, &request);
    assert_eq!(run["reports"][0]["complete"], true, "{run}");
    assert_eq!(run["reports"][0]["findings"], 3, "{run}");
    let (alerts, _) = block_on(inbox.drain());
    let mut kinds: Vec<&str> = alerts[0]["reports"][0]["new"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["kind"].as_str().unwrap())
        .collect();
    kinds.sort_unstable();
    assert_eq!(kinds, ["drift", "missing", "unmanaged"], "{}", alerts[0]);
    outputs.push(run.to_string());
    outputs.push(alerts[0].to_string());

    // Nothing a tool keeps secret reaches any output.
    assert!(outputs.len() > 30, "{} outputs checked", outputs.len());
    for text in &outputs {
        assert!(
            !text.contains(DB_PASSWORD)
                && !text.contains(SECURE_VALUE)
                && !text.contains(REDIS_AUTH_TOKEN),
            "{text}"
        );
    }
}

#[test]
fn bad_states_are_clear_errors_and_nothing_is_written() {
    let moto = Moto::start();
    let dir = tempfile::tempdir().unwrap();
    let cases = [
        (
            "v3.tfstate",
            r#"{"version": 3, "terraform_version": "0.11.14", "lineage": "l", "modules": []}"#,
            "version 3",
        ),
        (
            "cut.tfstate",
            r#"{"version": 4, "terraform_version": "1.9.5", "resources": [{"mode": "man"#,
            "not JSON",
        ),
        (
            "gcp.tfstate",
            r#"{"version": 4, "terraform_version": "1.9.5", "lineage": "l", "resources": [{"mode": "managed", "type": "google_compute_network", "name": "n", "provider": "provider[\"registry.terraform.io/hashicorp/google\"]", "instances": [{"attributes": {"id": "n"}}]}]}"#,
            "no resource of the AWS provider",
        ),
    ];
    for (name, text, expected) in cases {
        let path = dir.path().join(name);
        std::fs::write(&path, text).unwrap();
        let out = dir.path().join(format!("{name}.yaml"));
        let output = moto
            .driftscan()
            .args(["baseline", "import", "--env", ENV, "--from"])
            .arg(format!("tfstate:{}", path.display()))
            .arg("-o")
            .arg(&out)
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{name}: {stderr}");
        assert!(
            stderr.contains(name) && stderr.contains(expected),
            "{name}: {stderr}"
        );
        assert!(!out.exists(), "{name}: nothing written");
    }
    // A glob that matches no file is an error, not an empty state.
    let none = format!("tfstate:{}/*.nothing", dir.path().display());
    let output = moto
        .driftscan()
        .args(["baseline", "import", "--env", ENV, "--from", &none])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("no file matches"));

    // A broken baseline beside a state is an error, never "the default rules".
    let state = dir.path().join("one.tfstate.json");
    std::fs::write(
        &state,
        r#"{"version": 4, "terraform_version": "1.9.5", "lineage": "l", "resources": [{"mode": "managed", "type": "aws_ssm_parameter", "name": "p", "provider": "provider[\"registry.terraform.io/hashicorp/aws\"]", "instances": [{"attributes": {"id": "/staging/x", "name": "/staging/x", "type": "String"}}]}]}"#,
    )
    .unwrap();
    let broken = dir.path().join("baselines");
    std::fs::create_dir(&broken).unwrap();
    std::fs::write(
        broken.join("staging.yaml"),
        "driftscan: baseline/v1\nresourcez: {}\n",
    )
    .unwrap();
    let output = moto
        .driftscan()
        .args(["scan", "--env", ENV, "--region", REGION, "--from"])
        .arg(format!("tfstate:{}", state.display()))
        .arg("--baselines")
        .arg(&broken)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("staging.yaml") && stderr.contains("resourcez"),
        "{stderr}"
    );

    let output = moto
        .driftscan()
        .args(["baseline", "import", "--env", ENV, "--from", "cdk:x"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("pulumi:<stack export>"));
}

#[test]
fn compare_matches_by_the_state_identity_when_both_states_are_given() {
    let moto = Moto::start();
    let config = block_on(moto.sdk_config(REGION));
    let ec2 = aws_sdk_ec2::Client::new(&config);
    // The same program resource (`cache`) under names that share nothing in the two stacks.
    let mut groups = Vec::new();
    block_on(async {
        for (env, name) in [
            ("staging", "cache-sg-staging-k3x9q2zt"),
            ("prod", "redis-sg-prod"),
        ] {
            let vpc = moto.provision(env, REGION).await.vpc_id;
            let group = ec2
                .create_security_group()
                .group_name(name)
                .description("cache")
                .vpc_id(&vpc)
                .tag_specifications(
                    aws_sdk_ec2::types::TagSpecification::builder()
                        .resource_type(aws_sdk_ec2::types::ResourceType::SecurityGroup)
                        .tags(
                            aws_sdk_ec2::types::Tag::builder()
                                .key("Environment")
                                .value(env)
                                .build(),
                        )
                        .build(),
                )
                .send()
                .await
                .unwrap();
            groups.push((env, name, vpc, group.group_id().unwrap().to_string()));
        }
    });
    let dir = tempfile::tempdir().unwrap();
    let mut from = Vec::new();
    for (env, name, vpc, id) in &groups {
        let export = json!({"version": 3, "deployment": {"resources": [{
            "urn": format!("urn:pulumi:{env}::trading-platform::aws:ec2/securityGroup:SecurityGroup::cache"),
            "custom": true, "type": "aws:ec2/securityGroup:SecurityGroup", "id": id,
            "outputs": {"name": name, "description": "cache", "vpcId": vpc, "tags": {"Environment": env}}}]}});
        let path = write(dir.path(), &format!("{env}.json"), &export);
        from.push(format!("{env}=pulumi:{path}"));
    }
    let baselines = shipped_baselines().display().to_string();
    let compare = |extra: &[&str]| {
        let mut args = vec![
            "compare",
            "staging",
            "prod",
            "--region",
            REGION,
            "--fail-on",
            "info",
            "--baselines",
            &baselines,
        ];
        args.extend_from_slice(extra);
        let (_, report, stderr) = json_report(&moto, &args);
        let mut rows: Vec<(String, String)> = report
            .findings
            .iter()
            .map(|f| {
                (
                    format!("{}/{}", f.resource_type, f.logical_name),
                    f.path.clone().unwrap_or_default(),
                )
            })
            .collect();
        rows.sort();
        (rows, stderr)
    };
    let (rows, _) = compare(&[]);
    assert_eq!(
        rows.len(),
        2,
        "by name: one group in each environment only: {rows:?}"
    );
    let (rows, stderr) = compare(&["--from", &from[0], "--from", &from[1]]);
    assert_eq!(
        rows,
        [(
            "security-group/state:cache".to_string(),
            "properties.group_name".to_string()
        )],
        "by the state's identity: one group, whose names differ: {stderr}"
    );
    let output = moto
        .driftscan()
        .args([
            "compare", "staging", "prod", "--region", REGION, "--from", &from[0],
        ])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2));
    assert!(
        stderr.contains("states for some environments only: give `prod`'s too"),
        "{stderr}"
    );
}

/// `state` (as [`terraform_state`] writes it for 1.x) rewritten as an older Terraform wrote it:
/// its version, and every AWS resource's provider address (`provider.aws` for 0.12; scoped to
/// the resource's module where `scoped`).
fn as_written_by(state: &Value, version: &str, provider: &str, scoped: bool) -> Value {
    let mut state = state.clone();
    state["terraform_version"] = json!(version);
    for resource in state["resources"].as_array_mut().unwrap() {
        let address = resource["provider"].as_str().unwrap_or_default();
        if !address.contains("hashicorp/aws") {
            continue;
        }
        let module = resource["module"].as_str().filter(|_| scoped);
        resource["provider"] = json!(match module {
            Some(module) => format!("{module}.{provider}"),
            None => provider.to_string(),
        });
        if version.starts_with("0.") {
            // Terraform before 0.15 recorded no sensitive attributes.
            for instance in resource["instances"].as_array_mut().unwrap() {
                instance
                    .as_object_mut()
                    .unwrap()
                    .remove("sensitive_attributes");
            }
        }
    }
    state
}

/// The baseline an import writes, without its first comment line (which names the file).
fn imported_body(moto: &Moto, from: &str, out: &Path) -> String {
    std::fs::create_dir_all(out).unwrap();
    let import = moto
        .driftscan()
        .args([
            "baseline", "import", "--env", ENV, "--region", REGION, "--from", from,
        ])
        .arg("-o")
        .arg(out)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&import.stderr);
    assert!(import.status.success(), "{from}: {stderr}");
    let text = std::fs::read_to_string(out.join("staging.yaml")).unwrap();
    text.lines().skip(1).collect::<Vec<_>>().join("\n")
}

#[test]
fn states_of_every_terraform_version_import_alike() {
    let moto = Moto::start();
    block_on(moto.provision(ENV, REGION));
    let live = snapshot(&moto);
    let dir = tempfile::tempdir().unwrap();
    let mut modern = terraform_state(&live, true);
    let app = terraform_state(&live, false);
    let app_resources = app["resources"].as_array().unwrap().clone();
    modern["resources"]
        .as_array_mut()
        .unwrap()
        .extend(app_resources);
    let path = write(dir.path(), "modern.tfstate", &modern);
    let expected = imported_body(
        &moto,
        &format!("tfstate:{path}"),
        &dir.path().join("modern"),
    );
    let forms = [
        ("0.12.31", "provider.aws", false),
        ("0.12.31", "provider.aws.west", false),
        ("0.12.31", "provider.aws", true),
        ("0.13.7", "provider[\"registry.terraform.io/-/aws\"]", false),
        ("0.13.7", "provider[\"registry.terraform.io/-/aws\"]", true),
        (
            "1.9.5",
            "provider[\"registry.terraform.io/hashicorp/aws\"].west",
            false,
        ),
        (
            "1.9.5",
            "provider[\"registry.terraform.io/hashicorp/aws\"]",
            true,
        ),
    ];
    for (i, (version, provider, scoped)) in forms.into_iter().enumerate() {
        let state = as_written_by(&modern, version, provider, scoped);
        let path = write(dir.path(), &format!("form-{i}.tfstate"), &state);
        let from = format!("tfstate:{path}");
        let body = imported_body(&moto, &from, &dir.path().join(format!("form-{i}")));
        assert_eq!(
            body, expected,
            "{version} {provider} (module-scoped: {scoped})"
        );
        assert!(!body.contains(DB_PASSWORD), "{version}: {body}");
        assert!(!body.contains(REDIS_AUTH_TOKEN), "{version}: {body}");
        let (code, rows, stderr) = driftscan_json(
            &moto,
            &[
                "scan",
                "--env",
                ENV,
                "--region",
                REGION,
                "--from",
                &from,
                "--unmanaged",
            ],
        );
        assert_eq!((code, rows), (0, vec![]), "{version} {provider}: {stderr}");
    }
}

#[test]
fn default_vpc_resources_are_managed_like_their_siblings() {
    let moto = Moto::start();
    block_on(moto.provision(ENV, REGION));
    // The account's default VPC, adopted by Terraform's `aws_default_vpc` and tagged by it.
    let ec2 = aws_sdk_ec2::Client::new(&block_on(moto.sdk_config(REGION)));
    let default_vpc = block_on(async {
        let vpcs = ec2
            .describe_vpcs()
            .filters(
                aws_sdk_ec2::types::Filter::builder()
                    .name("is-default")
                    .values("true")
                    .build(),
            )
            .send()
            .await
            .unwrap();
        let id = vpcs.vpcs()[0].vpc_id().unwrap().to_string();
        ec2.create_tags()
            .resources(&id)
            .tags(
                aws_sdk_ec2::types::Tag::builder()
                    .key("Environment")
                    .value(ENV)
                    .build(),
            )
            .send()
            .await
            .unwrap();
        id
    });
    let live = snapshot(&moto);
    let vpc = live["resources"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["id"] == json!(default_vpc))
        .expect("the tagged default VPC is the environment's")
        .clone();
    let dir = tempfile::tempdir().unwrap();
    let network = terraform_state(&live, true);
    let mut without = network.clone();
    without["resources"]
        .as_array_mut()
        .unwrap()
        .retain(|r| r["instances"][0]["attributes"]["id"] != json!(default_vpc));
    let mut with = without.clone();
    let (_, attributes) = terraform_resources(&vpc).remove(0);
    with["resources"].as_array_mut().unwrap().push(json!({
        "mode": "managed", "type": "aws_default_vpc", "name": "default",
        "provider": "provider[\"registry.terraform.io/hashicorp/aws\"]",
        "instances": [{"schema_version": 1, "attributes": attributes, "sensitive_attributes": []}],
    }));
    let unmanaged_vpcs = |state: &Value, name: &str| {
        let path = write(dir.path(), name, state);
        let app = write(dir.path(), "app.tfstate", &terraform_state(&live, false));
        let (_, rows, stderr) = driftscan_json(
            &moto,
            &[
                "scan",
                "--env",
                ENV,
                "--region",
                REGION,
                "--from",
                &format!("tfstate:{path}"),
                "--from",
                &format!("tfstate:{app}"),
                "--unmanaged",
            ],
        );
        let vpcs: Vec<String> = rows
            .into_iter()
            .filter(|(kind, _)| kind.starts_with("Unmanaged vpc/"))
            .map(|(kind, _)| kind)
            .collect();
        (vpcs, stderr)
    };
    let (vpcs, stderr) = unmanaged_vpcs(&without, "without.tfstate");
    assert_eq!(
        vpcs.len(),
        1,
        "the default VPC, managed by no state: {stderr}"
    );
    let (vpcs, stderr) = unmanaged_vpcs(&with, "with.tfstate");
    assert_eq!(
        vpcs,
        Vec::<String>::new(),
        "aws_default_vpc manages it: {stderr}"
    );
    // Imported, the state declares both VPCs.
    let out = dir.path().join("imported");
    let path = dir.path().join("with.tfstate").display().to_string();
    let body = imported_body(&moto, &format!("tfstate:{path}"), &out);
    let declared_vpcs = body
        .lines()
        .filter(|l| {
            l.starts_with("  ") && l.trim_start().trim_start_matches('"').starts_with("vpc/")
        })
        .count();
    assert_eq!(declared_vpcs, 2, "{body}");
}
