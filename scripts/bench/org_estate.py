"""Builds the organization benchmark's estate in the emulator: an organization of ACCOUNTS member
accounts, each holding one environment (`env-<i>`) in two regions (a VPC with subnets, security
groups with rules, an ECS cluster of services with their task definitions, an Aurora cluster with
an instance, SSM parameters under /env-<i>/), created through the account's `driftscan-readonly`
role. Writes into OUT_DIR what each tool is given: driftscan.yaml (the accounts), accounts.yml
(c7n-org: one role per account, `vars` naming the environment) and a baseline per environment.
Prints the counts as JSON.

Usage: python org_estate.py ENDPOINT ACCOUNTS OUT_DIR
"""
import json
import os
import sys
from concurrent.futures import ThreadPoolExecutor

import boto3

ENDPOINT, ACCOUNTS, OUT = sys.argv[1], int(sys.argv[2]), sys.argv[3]
REGIONS = ["us-east-1", "us-west-2"]
KEYS = dict(aws_access_key_id="bench", aws_secret_access_key="bench")


def client(service, region, credentials=None):
    extra = {}
    if credentials:
        extra = dict(aws_access_key_id=credentials["AccessKeyId"],
                     aws_secret_access_key=credentials["SecretAccessKey"],
                     aws_session_token=credentials["SessionToken"])
    else:
        extra = KEYS
    return boto3.client(service, endpoint_url=ENDPOINT, region_name=region, **extra)


def build(job):
    account, env, region = job
    credentials = client("sts", region).assume_role(
        RoleArn=f"arn:aws:iam::{account}:role/driftscan-readonly", RoleSessionName="estate")["Credentials"]
    ec2, ecs, rds, ssm = (client(s, region, credentials) for s in ("ec2", "ecs", "rds", "ssm"))
    tags = [{"Key": "Environment", "Value": env}, {"Key": "ManagedBy", "Value": "driftscan"}]
    vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16", TagSpecifications=[
        {"ResourceType": "vpc", "Tags": tags + [{"Key": "Name", "Value": f"vpc-{env}"}]}])["Vpc"]["VpcId"]
    subnets = [ec2.create_subnet(VpcId=vpc, CidrBlock=f"10.0.{s}.0/24", AvailabilityZone=f"{region}{'abc'[s]}",
                                 TagSpecifications=[{"ResourceType": "subnet", "Tags": tags + [
                                     {"Key": "Name", "Value": f"subnet-{s}-{env}"}]}])["Subnet"]["SubnetId"]
               for s in range(3)]
    for g in range(10):
        gid = ec2.create_security_group(GroupName=f"sg-{g}-{env}", Description="bench", VpcId=vpc,
                                        TagSpecifications=[{"ResourceType": "security-group", "Tags": tags + [
                                            {"Key": "Name", "Value": f"sg-{g}-{env}"}]}])["GroupId"]
        ec2.authorize_security_group_ingress(GroupId=gid, IpPermissions=[
            {"IpProtocol": "tcp", "FromPort": 443, "ToPort": 443, "IpRanges": [{"CidrIp": "10.0.0.0/8"}]}])
    ecs_tags = [{"key": t["Key"], "value": t["Value"]} for t in tags]
    ecs.create_cluster(clusterName=f"ecs-cluster-{env}", tags=ecs_tags)
    for i in range(3):
        arn = ecs.register_task_definition(
            family=f"svc-{i}-{env}", networkMode="awsvpc", requiresCompatibilities=["FARGATE"], cpu="256",
            memory="512", tags=ecs_tags,
            containerDefinitions=[{"name": "app", "image": f"app:v1.{i}.0", "essential": True}],
        )["taskDefinition"]["taskDefinitionArn"]
        ecs.create_service(cluster=f"ecs-cluster-{env}", serviceName=f"svc-{i}-{env}", taskDefinition=arn,
                           desiredCount=1, launchType="FARGATE", tags=ecs_tags)
    rds.create_db_subnet_group(DBSubnetGroupName=f"db-{env}", DBSubnetGroupDescription="bench", SubnetIds=subnets)
    rds.create_db_cluster(DBClusterIdentifier=f"aurora-{env}", Engine="aurora-postgresql", MasterUsername="bench",
                          ManageMasterUserPassword=True, StorageEncrypted=True, DBSubnetGroupName=f"db-{env}",
                          Tags=tags)
    rds.create_db_instance(DBInstanceIdentifier=f"aurora-{env}-1", DBClusterIdentifier=f"aurora-{env}",
                           Engine="aurora-postgresql", DBInstanceClass="db.r6g.large", Tags=tags)
    for p in range(50):
        ssm.put_parameter(Name=f"/{env}/app/param-{p}", Value=f"value-{p}", Type="String")
    return {"vpcs": 1, "subnets": 3, "security_groups": 10, "services": 3, "task_definitions": 3,
            "db_clusters": 1, "db_instances": 1, "parameters": 50}


org = client("organizations", "us-east-1")
org.create_organization(FeatureSet="ALL")
accounts = []
for i in range(ACCOUNTS):
    created = org.create_account(AccountName=f"env-{i}", Email=f"env-{i}@example.com")
    accounts.append((created["CreateAccountStatus"]["AccountId"], f"env-{i}"))
jobs = [(account, env, region) for account, env in accounts for region in REGIONS]
with ThreadPoolExecutor(8) as pool:
    built = list(pool.map(build, jobs))
total = {}
for counts in built:
    for k, v in counts.items():
        total[k] = total.get(k, 0) + v

with open(os.path.join(OUT, "driftscan.yaml"), "w") as f:
    f.write("accounts:\n")
    for account, env in accounts:
        f.write(f'  - id: "{account}"\n    role: driftscan-readonly\n    environments: [{env}]\n'
                f"    regions: [{', '.join(REGIONS)}]\n")
with open(os.path.join(OUT, "accounts.yml"), "w") as f:
    f.write("accounts:\n")
    for account, env in accounts:
        f.write(f'  - account_id: "{account}"\n    name: {env}\n'
                f"    role: arn:aws:iam::{account}:role/driftscan-readonly\n"
                f"    regions: [{', '.join(REGIONS)}]\n    vars: {{environment: {env}}}\n")
os.makedirs(os.path.join(OUT, "baselines"), exist_ok=True)
for _, env in accounts:
    with open(os.path.join(OUT, "baselines", f"{env}.yaml"), "w") as f:
        f.write("driftscan: baseline/v1\ndescription: benchmark environment (declares nothing)\nresources: {}\n")
print(json.dumps({"accounts": ACCOUNTS, "regions": REGIONS, "resources": total}))
