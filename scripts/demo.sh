#!/usr/bin/env bash
# driftscan's demo, end to end on this machine: installs the pinned AWS emulator (moto), starts
# it on a free loopback port, provisions the reference platform's dev, staging and prod
# environments into it with driftscan-infra, prints staging's and prod's snapshots, scans staging
# against the shipped baselines (clean), opens its database to the internet and switches its HTTP
# listener from redirecting to forwarding out of band, scans again (and alerts through SNS),
# compares staging with prod, writes the parity matrix of dev, staging and prod as an HTML page
# (its path is printed), then remediates with `driftscan-infra apply` and scans clean again.
# Nothing leaves the machine: every AWS call goes to 127.0.0.1.
set -euo pipefail
cd "$(dirname "$0")/.."

export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/driftscan-target}"
eval "$(scripts/setup-emulators.sh moto)"

echo "== building driftscan and driftscan-infra" >&2
# The whole workspace, as scripts/test builds it: the same features, so no second SDK build.
cargo build --quiet --locked --workspace --all-targets
bin="$CARGO_TARGET_DIR/debug"

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
out="${DRIFTSCAN_DEMO_DIR:-$(mktemp -d -t driftscan-demo.XXXXXX)}"
mkdir -p "$out"
MOTO_ACM_VALIDATION_WAIT=0 "$DRIFTSCAN_MOTO_SERVER" -H 127.0.0.1 -p "$port" >"$out/moto.log" 2>&1 &
moto_pid=$!
trap 'kill $moto_pid 2>/dev/null || true' EXIT
for _ in $(seq 1 100); do
  python3 -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:$port/moto-api/')" 2>/dev/null && break
  sleep 0.2
done

export AWS_ENDPOINT_URL="http://127.0.0.1:$port"
export AWS_ACCESS_KEY_ID=demo AWS_SECRET_ACCESS_KEY=demo AWS_EC2_METADATA_DISABLED=true
unset AWS_PROFILE AWS_SESSION_TOKEN

echo "== emulator on $AWS_ENDPOINT_URL; provisioning dev, staging and prod (us-east-1)" >&2
"$bin/driftscan-infra" apply --env dev
"$bin/driftscan-infra" apply --env staging
"$bin/driftscan-infra" apply --env prod

for env in staging prod; do
  echo "== driftscan snapshot --env $env --region us-east-1" >&2
  "$bin/driftscan" snapshot --env "$env" --region us-east-1 -o "$out/$env.json"
done
for env in staging prod; do
  echo "== $out/$env.json"
  cat "$out/$env.json"
done
echo "== snapshots written to $out (staging.json, prod.json)" >&2

echo "== driftscan scan --env staging --region us-east-1   (against baselines/)"
status=0
"$bin/driftscan" scan --env staging --region us-east-1 || status=$?
echo "(exit status $status)"

echo "== an SNS topic for alerts, with an SQS queue subscribed (to read back what is sent)"
topic_arn=$("$(dirname "$DRIFTSCAN_MOTO_SERVER")/python" - <<PY
import boto3
sns = boto3.client("sns", endpoint_url="$AWS_ENDPOINT_URL", region_name="us-east-1")
sqs = boto3.client("sqs", endpoint_url="$AWS_ENDPOINT_URL", region_name="us-east-1")
topic = sns.create_topic(Name="driftscan-alerts")["TopicArn"]
url = sqs.create_queue(QueueName="driftscan-alerts-inbox")["QueueUrl"]
arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=arn)
print(topic)
PY
)
# Prints and removes what the alert queue holds: `full` (subject, attributes, the alert) or
# `subject`.
read_inbox() {
  "$(dirname "$DRIFTSCAN_MOTO_SERVER")/python" - "$1" <<PY
import boto3, json, sys
sqs = boto3.client("sqs", endpoint_url="$AWS_ENDPOINT_URL", region_name="us-east-1")
url = sqs.get_queue_url(QueueName="driftscan-alerts-inbox")["QueueUrl"]
for m in sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", []):
    envelope = json.loads(m["Body"])
    print("Subject:", envelope["Subject"])
    if sys.argv[1] == "full":
        print("MessageAttributes:", json.dumps({k: v["Value"] for k, v in envelope["MessageAttributes"].items()}))
        print(json.dumps(json.loads(envelope["Message"]), indent=2))
    sqs.delete_message(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"])
PY
}

cat > "$out/driftscan.yaml" <<YAML
environments:   # where the reference platform puts each environment
  dev: {regions: [us-east-2]}
  staging: {regions: [us-east-1]}
  prod: {regions: [us-east-1]}
publish:
  topic_arn: $topic_arn
  metrics: emf   # Embedded Metric Format lines (the demo has no CloudWatch emulator running)
YAML
echo "== $out/driftscan.yaml"; cat "$out/driftscan.yaml"

echo "== out of band: opening staging's database security group to 0.0.0.0/0 on 5432"
"$(dirname "$DRIFTSCAN_MOTO_SERVER")/python" - <<PY
import boto3
ec2 = boto3.client("ec2", endpoint_url="$AWS_ENDPOINT_URL", region_name="us-east-1")
group = ec2.describe_security_groups(Filters=[{"Name": "group-name", "Values": ["db-staging"]}])["SecurityGroups"][0]
ec2.authorize_security_group_ingress(GroupId=group["GroupId"], IpPermissions=[
    {"IpProtocol": "tcp", "FromPort": 5432, "ToPort": 5432, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}])
PY
echo "== out of band: staging's HTTP listener switched from redirecting to HTTPS to forwarding"
"$(dirname "$DRIFTSCAN_MOTO_SERVER")/python" - <<PY
import boto3
elb = boto3.client("elbv2", endpoint_url="$AWS_ENDPOINT_URL", region_name="us-east-1")
lb = elb.describe_load_balancers(Names=["alb-staging"])["LoadBalancers"][0]["LoadBalancerArn"]
group = elb.describe_target_groups(Names=["trading-app-staging"])["TargetGroups"][0]["TargetGroupArn"]
http = [l for l in elb.describe_listeners(LoadBalancerArn=lb)["Listeners"] if l["Port"] == 80][0]
elb.modify_listener(ListenerArn=http["ListenerArn"],
                    DefaultActions=[{"Type": "forward", "TargetGroupArn": group}])
PY

echo "== driftscan scan --env staging --region us-east-1 --publish --config $out/driftscan.yaml"
status=0
"$bin/driftscan" scan --env staging --region us-east-1 --publish --config "$out/driftscan.yaml" || status=$?
echo "(exit status $status: findings at or above --fail-on high stop a deploy)"

echo "== what the topic's subscriber received"
read_inbox full

echo "== the same scan published again: the drift is known, no second alert"
"$bin/driftscan" scan --env staging --region us-east-1 --publish --config "$out/driftscan.yaml" --format json -o "$out/scan.json" || true

echo "== driftscan compare staging prod --region us-east-1   (sizing differences are expected by the baselines)"
status=0
"$bin/driftscan" compare staging prod --region us-east-1 || status=$?
echo "(exit status $status)"

echo "== driftscan compare dev staging prod --config $out/driftscan.yaml   (the parity matrix: ~ declared, ! a finding)"
status=0
"$bin/driftscan" compare dev staging prod --config "$out/driftscan.yaml" \
  --output text --output "html=$out/parity.html" || status=$?
echo "(exit status $status)"
echo "== the same comparison as one self-contained page: $out/parity.html"

echo "== driftscan-infra plan --env staging   (what converging to the spec would change)"
"$bin/driftscan-infra" plan --env staging
echo "== driftscan-infra apply --env staging   (the remediation)"
"$bin/driftscan-infra" apply --env staging
echo "== driftscan scan --env staging --region us-east-1 --publish   (clean again; the alert says resolved)"
status=0
"$bin/driftscan" scan --env staging --region us-east-1 --publish --config "$out/driftscan.yaml" 2>&1 | grep -v '"_aws"' || status=$?
read_inbox subject
echo "== driftscan-infra apply --env staging   (again: converged, nothing to change)"
"$bin/driftscan-infra" apply --env staging
