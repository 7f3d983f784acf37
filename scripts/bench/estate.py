"""Builds the benchmark estate in the emulator: environment `bench` in three regions, each with
VPCs and subnets, security groups with rules, an ECS cluster of services with their task
definitions, Aurora clusters with an instance each, and SSM parameters. Prints the counts as JSON.

Usage: python estate.py ENDPOINT [SCALE]   (SCALE 1 = 3 regions x (3 VPCs, 170 security groups,
35 services, 7 Aurora clusters, 1000 parameters))
"""
import json
import sys
from concurrent.futures import ThreadPoolExecutor

import boto3

ENDPOINT = sys.argv[1]
SCALE = float(sys.argv[2]) if len(sys.argv) > 2 else 1.0
REGIONS = ["us-east-1", "us-west-2", "eu-west-1"]
TAGS = [{"Key": "Environment", "Value": "bench"}, {"Key": "ManagedBy", "Value": "driftscan"}]


def client(service, region):
    return boto3.client(service, endpoint_url=ENDPOINT, region_name=region,
                        aws_access_key_id="bench", aws_secret_access_key="bench")


def build(region):
    ec2, ecs, rds, ssm = (client(s, region) for s in ("ec2", "ecs", "rds", "ssm"))
    counts = {"vpcs": 0, "subnets": 0, "security_groups": 0, "rules": 0, "services": 0,
              "task_definitions": 0, "db_clusters": 0, "db_instances": 0, "parameters": 0}
    vpcs = []
    for v in range(3):
        vpc = ec2.create_vpc(CidrBlock=f"10.{v}.0.0/16", TagSpecifications=[
            {"ResourceType": "vpc", "Tags": TAGS + [{"Key": "Name", "Value": f"vpc-{v}-bench"}]}])["Vpc"]["VpcId"]
        vpcs.append(vpc)
        counts["vpcs"] += 1
        for s in range(6):
            ec2.create_subnet(VpcId=vpc, CidrBlock=f"10.{v}.{s}.0/24", AvailabilityZone=f"{region}{'abc'[s % 3]}",
                              TagSpecifications=[{"ResourceType": "subnet", "Tags": TAGS + [
                                  {"Key": "Name", "Value": f"subnet-{v}-{s}-bench"}]}])
            counts["subnets"] += 1
    groups = []
    for g in range(int(170 * SCALE)):
        gid = ec2.create_security_group(GroupName=f"sg-{g}-bench", Description="bench", VpcId=vpcs[g % 3],
                                        TagSpecifications=[{"ResourceType": "security-group", "Tags": TAGS + [
                                            {"Key": "Name", "Value": f"sg-{g}-bench"}]}])["GroupId"]
        ec2.authorize_security_group_ingress(GroupId=gid, IpPermissions=[
            {"IpProtocol": "tcp", "FromPort": 443, "ToPort": 443, "IpRanges": [{"CidrIp": "10.0.0.0/8"}]},
            {"IpProtocol": "tcp", "FromPort": 8080, "ToPort": 8080, "IpRanges": [{"CidrIp": f"10.{g % 250}.0.0/16"}]},
            {"IpProtocol": "tcp", "FromPort": 5432, "ToPort": 5432, "IpRanges": [{"CidrIp": "10.1.0.0/16"}]}])
        groups.append(gid)
        counts["security_groups"] += 1
        counts["rules"] += 3
    ecs.create_cluster(clusterName="ecs-cluster-bench", tags=[{"key": t["Key"], "value": t["Value"]} for t in TAGS])
    for i in range(int(35 * SCALE)):
        arn = ecs.register_task_definition(
            family=f"svc-{i}-bench", networkMode="awsvpc", requiresCompatibilities=["FARGATE"], cpu="256", memory="512",
            containerDefinitions=[{"name": "app", "image": f"123456789012.dkr.ecr.{region}.amazonaws.com/app:v1.{i}.0",
                                   "essential": True, "portMappings": [{"containerPort": 8080}]}],
            tags=[{"key": t["Key"], "value": t["Value"]} for t in TAGS])["taskDefinition"]["taskDefinitionArn"]
        ecs.create_service(cluster="ecs-cluster-bench", serviceName=f"svc-{i}-bench", taskDefinition=arn, desiredCount=1,
                           launchType="FARGATE", tags=[{"key": t["Key"], "value": t["Value"]} for t in TAGS])
        counts["services"] += 1
        counts["task_definitions"] += 1
    rds.create_db_subnet_group(DBSubnetGroupName="bench", DBSubnetGroupDescription="bench",
                               SubnetIds=[s["SubnetId"] for s in ec2.describe_subnets(
                                   Filters=[{"Name": "vpc-id", "Values": [vpcs[0]]}])["Subnets"]])
    for c in range(int(7 * SCALE)):
        rds.create_db_cluster(DBClusterIdentifier=f"aurora-{c}-bench", Engine="aurora-postgresql", MasterUsername="bench",
                              ManageMasterUserPassword=True, StorageEncrypted=True, DBSubnetGroupName="bench", Tags=TAGS)
        rds.create_db_instance(DBInstanceIdentifier=f"aurora-{c}-bench-1", DBClusterIdentifier=f"aurora-{c}-bench",
                               Engine="aurora-postgresql", DBInstanceClass="db.r6g.large", Tags=TAGS)
        counts["db_clusters"] += 1
        counts["db_instances"] += 1
    for p in range(int(1000 * SCALE)):
        ssm.put_parameter(Name=f"/bench/app/{p // 100}/param-{p}", Value=f"value-{p}", Type="String")
        counts["parameters"] += 1
    return counts


with ThreadPoolExecutor(len(REGIONS)) as pool:
    per_region = dict(zip(REGIONS, pool.map(build, REGIONS)))
print(json.dumps(per_region))
