#!/usr/bin/env bash
# driftscan versus Cloud Custodian on one larger estate in the emulator (moto), side by side:
# wall time, API calls (counted at a loopback proxy in front of moto) against the minimum the
# estate needs, resources found, and driftscan's peak memory. Not a test: a measurement to rerun.
#   scripts/bench-custodian.sh [SCALE] [LATENCY_MS]
#     SCALE 1: 3 regions, 9 VPCs, 510 security groups with 1,530 rules, 105 ECS services,
#              21 Aurora clusters, 3,000 SSM parameters.
#     LATENCY_MS (default 0): added by the proxy to every call, as a round trip to AWS would be
#              (moto on loopback answers in milliseconds, so without it the tools are measured
#              against one Python process's CPU, not against the network).
# Uses the release build of driftscan unless DRIFTSCAN_BIN names another binary. Nothing leaves
# the machine: moto and the proxy listen on 127.0.0.1.
set -euo pipefail
cd "$(dirname "$0")/.."
SCALE="${1:-1}"
LATENCY_MS="${2:-0}"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/driftscan-target}"
eval "$(scripts/setup-emulators.sh moto)"
eval "$(scripts/setup-emulators.sh c7n)"
PY="$(dirname "$DRIFTSCAN_MOTO_SERVER")/python"
if [[ -z "${DRIFTSCAN_BIN:-}" ]]; then
  # About 15 minutes from cold on 2 cores (the AWS SDK crates), seconds when warm.
  cargo build --quiet --locked --release -p driftscan-cli
  DRIFTSCAN_BIN="$CARGO_TARGET_DIR/release/driftscan"
fi
out="$(mktemp -d -t driftscan-bench.XXXXXX)"
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
moto_port=$(free_port)
MOTO_ACM_VALIDATION_WAIT=0 "$DRIFTSCAN_MOTO_SERVER" -H 127.0.0.1 -p "$moto_port" >"$out/moto.log" 2>&1 &
pids=($!)
trap 'kill "${pids[@]}" 2>/dev/null || true' EXIT
for _ in $(seq 1 100); do
  python3 -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:$moto_port/moto-api/')" 2>/dev/null && break
  sleep 0.2
done
export AWS_ACCESS_KEY_ID=bench AWS_SECRET_ACCESS_KEY=bench AWS_EC2_METADATA_DISABLED=true AWS_DEFAULT_REGION=us-east-1
unset AWS_PROFILE AWS_SESSION_TOKEN

echo "== building the estate (scale $SCALE)" >&2
start=$(date +%s)
"$PY" scripts/bench/estate.py "http://127.0.0.1:$moto_port" "$SCALE" > "$out/estate.json"
echo "   $(( $(date +%s) - start )) s: $(cat "$out/estate.json")" >&2

measure() { # name counts-file command...
  local name="$1" counts="$2"; shift 2
  local port; port=$(free_port)
  "$PY" scripts/bench/count_proxy.py "$port" "http://127.0.0.1:$moto_port" "$counts" "$LATENCY_MS" &
  local proxy=$!
  sleep 1
  local before; before=$(moto_cpu)
  AWS_ENDPOINT_URL="http://127.0.0.1:$port" /usr/bin/time -f "%e %M" -o "$out/$name.time" "$@" >"$out/$name.out" 2>"$out/$name.err" || true
  local after; after=$(moto_cpu)
  kill -TERM "$proxy"; wait "$proxy" 2>/dev/null || true
  read -r wall rss < "$out/$name.time"
  echo "$name $wall $rss $(( after - before ))"
}
# CPU time moto has used so far, in clock ticks (user + system): moto is one Python process, so
# its CPU time while a tool runs is the least wall time any tool making those calls could take.
moto_cpu() { awk '{print $14 + $15}' "/proc/${pids[0]}/stat"; }

regions=(--region us-east-1 --region us-west-2 --region eu-west-1)
echo "== driftscan snapshot --env bench (3 regions)" >&2
read -r _ d_wall d_rss d_moto < <(measure driftscan "$out/driftscan-calls.json" "$DRIFTSCAN_BIN" snapshot --env bench "${regions[@]}" -o "$out/snapshot.json" --quiet)
echo "== custodian run (the same resource types, 3 regions)" >&2
read -r _ c_wall c_rss c_moto < <(measure custodian "$out/custodian-calls.json" "$DRIFTSCAN_C7N" run --cache-period 0 -s "$out/c7n" -r us-east-1 -r us-west-2 -r eu-west-1 scripts/bench/custodian-policies.yml)

LATENCY_MS="$LATENCY_MS" TICKS="$(getconf CLK_TCK)" "$PY" - "$out" "$d_wall" "$d_rss" "$c_wall" "$c_rss" "$d_moto" "$c_moto" <<'PYEOF'
import json, math, os, sys, glob
out, d_wall, d_rss, c_wall, c_rss = sys.argv[1], float(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4]), int(sys.argv[5])
d_moto, c_moto = (int(t) / int(os.environ["TICKS"]) for t in sys.argv[6:8])
estate = json.load(open(f"{out}/estate.json"))
d_counted = json.load(open(f"{out}/driftscan-calls.json"))
c_counted = json.load(open(f"{out}/custodian-calls.json"))
d_calls, c_calls = d_counted["calls"], c_counted["calls"]
snapshot = json.load(open(f"{out}/snapshot.json"))
c7n_resources = 0
for f in glob.glob(f"{out}/c7n/**/resources.json", recursive=True):
    c7n_resources += len(json.load(open(f)))
# The fewest calls that read what driftscan records, at the emulator's page sizes, per region:
# 7 EC2 Describe* (one page each at this size) + DescribeVpcAttribute twice per VPC (DNS support
# and hostnames have no batch call); ECS ListClusters, DescribeClusters, ListServices and
# DescribeServices (10 a call) and one DescribeTaskDefinition per definition; RDS
# DescribeDBClusters and DescribeDBInstances; SSM metadata (DescribeParameters: tier, description,
# key; moto's pages hold 10) and values (GetParameters, 10 names a call), for /bench/ and for
# /shared/ (empty, but it must be looked at).
minimum = 0
for r, c in estate.items():
    minimum += 7 + 2 * c["vpcs"]
    minimum += 2 + 2 * math.ceil(c["services"] / 10) + c["task_definitions"]
    minimum += 2
    minimum += 2 * math.ceil(c["parameters"] / 10) + 1
d_total, c_total = sum(d_calls.values()), sum(c_calls.values())
print(f"estate: {json.dumps(estate)}")
print(f"latency added per call: {os.environ.get('LATENCY_MS', '0')} ms")
print(f"| tool | wall time | moto busy (CPU) | API calls | resources | peak memory |")
print(f"|---|---|---|---|---|---|")
print(f"| driftscan snapshot | {d_wall:.1f} s | {d_moto:.1f} s | {d_total} ({d_total / minimum:.2f}x the minimum {minimum}) | {len(snapshot['resources'])} (complete: {snapshot['complete']}) | {d_rss / 1024:.0f} MiB |")
print(f"| custodian run | {c_wall:.1f} s | {c_moto:.1f} s | {c_total} | {c7n_resources} | {c_rss / 1024:.0f} MiB |")
print(f"speed-up: {c_wall / d_wall:.1f}x")
for name, counted in (("driftscan", d_counted), ("custodian", c_counted)):
    busy = sum(counted["seconds"].values())
    print(f"{name} calls:", json.dumps(counted["calls"], sort_keys=True))
    slowest = sorted(counted["seconds"].items(), key=lambda kv: -kv[1])[:4]
    print(f"{name}: the emulator answered for {busy:.1f} s in all; most in " + ", ".join(f"{k} {v:.1f} s" for k, v in slowest))
PYEOF
echo "(outputs in $out)" >&2
