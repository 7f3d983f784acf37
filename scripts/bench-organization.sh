#!/usr/bin/env bash
# driftscan versus c7n-org (Cloud Custodian's multi-account runner) on one organization in the
# emulator (moto): ACCOUNTS member accounts, one environment each, two regions, each account
# read through its own role. Both tools run 8 at a time (driftscan `scan --all --parallel 8`,
# c7n-org with C7N_ORG_PARALLEL=8) through a counting proxy in front of moto, and are measured
# for wall time, API calls, client CPU (the tool's processes, children included), the emulator's
# CPU spent on its calls, and peak memory (the largest process). Not a test: a measurement.
#   scripts/bench-organization.sh [ACCOUNTS] [LATENCY_MS]
#     ACCOUNTS (default 20); LATENCY_MS (default 0) is added by the proxy to every call, as a
#     round trip to AWS would be.
# Uses the optimized CLI that scripts/package-lambda.sh builds with the function (the one a
# release ships; no second 18-minute release build of the AWS SDK) unless DRIFTSCAN_BIN names
# another binary. Nothing leaves the machine: moto and the proxy
# listen on 127.0.0.1.
set -euo pipefail
cd "$(dirname "$0")/.."
ACCOUNTS="${1:-20}"
LATENCY_MS="${2:-0}"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/driftscan-target}"
eval "$(scripts/setup-emulators.sh moto)"
eval "$(scripts/setup-emulators.sh c7n)"
PY="$(dirname "$DRIFTSCAN_MOTO_SERVER")/python"
if [[ -z "${DRIFTSCAN_BIN:-}" ]]; then
  # The CLI the release ships, built with the Lambda package (warm after scripts/test).
  eval "$(scripts/package-lambda.sh)"
  DRIFTSCAN_BIN="$CARGO_TARGET_DIR/x86_64-unknown-linux-gnu/lambda/driftscan"
fi
out="$(mktemp -d -t driftscan-bench-org.XXXXXX)"
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

echo "== building the organization ($ACCOUNTS accounts x 2 regions)" >&2
start=$(date +%s)
"$PY" scripts/bench/org_estate.py "http://127.0.0.1:$moto_port" "$ACCOUNTS" "$out" > "$out/estate.json"
echo "   $(( $(date +%s) - start )) s: $(cat "$out/estate.json")" >&2

# CPU time moto has used so far, in clock ticks (user + system).
moto_cpu() { awk '{print $14 + $15}' "/proc/${pids[0]}/stat"; }
measure() { # name counts-file command...
  local name="$1" counts="$2"; shift 2
  local port; port=$(free_port)
  "$PY" scripts/bench/count_proxy.py "$port" "http://127.0.0.1:$moto_port" "$counts" "$LATENCY_MS" &
  local proxy=$!
  sleep 1
  local before; before=$(moto_cpu)
  AWS_ENDPOINT_URL="http://127.0.0.1:$port" /usr/bin/time -f "%e %M %U %S" -o "$out/$name.time" "$@" \
    >"$out/$name.out" 2>"$out/$name.err" || true
  local after; after=$(moto_cpu)
  kill -TERM "$proxy"; wait "$proxy" 2>/dev/null || true
  read -r wall rss user sys < "$out/$name.time"
  echo "$name $wall $rss $user $sys $(( after - before ))"
}

echo "== driftscan scan --all (8 environments at a time)" >&2
read -r _ d_wall d_rss d_user d_sys d_moto < <(measure driftscan "$out/driftscan-calls.json" \
  "$DRIFTSCAN_BIN" scan --all --parallel 8 --config "$out/driftscan.yaml" --baselines "$out/baselines" \
  --format json --quiet)
echo "== c7n-org run (the same resource types, 8 accounts at a time)" >&2
read -r _ c_wall c_rss c_user c_sys c_moto < <(C7N_ORG_PARALLEL=8 measure c7n-org "$out/c7n-org-calls.json" \
  "$DRIFTSCAN_C7N_ORG" run -c "$out/accounts.yml" -s "$out/c7n" -u scripts/bench/c7n-org-policies.yml \
  --cache-period 0 -r us-east-1 -r us-west-2)

LATENCY_MS="$LATENCY_MS" TICKS="$(getconf CLK_TCK)" "$PY" - "$out" "$d_wall" "$d_rss" "$d_user" "$d_sys" "$d_moto" \
  "$c_wall" "$c_rss" "$c_user" "$c_sys" "$c_moto" <<'PYEOF'
import glob, json, os, sys
out = sys.argv[1]
d_wall, d_rss, d_user, d_sys, d_moto, c_wall, c_rss, c_user, c_sys, c_moto = (float(x) for x in sys.argv[2:12])
ticks = int(os.environ["TICKS"])
estate = json.load(open(f"{out}/estate.json"))
d_calls = json.load(open(f"{out}/driftscan-calls.json"))["calls"]
c_calls = json.load(open(f"{out}/c7n-org-calls.json"))["calls"]
run = json.load(open(f"{out}/driftscan.out"))
reports = run["reports"]
d_resources = sum(r["counts"]["resources"] for r in reports)
complete = sum(1 for r in reports if r["complete"])
c_resources = sum(len(json.load(open(f))) for f in glob.glob(f"{out}/c7n/**/resources.json", recursive=True))
environments = len(reports)
print(f"organization: {json.dumps(estate)}")
print(f"latency added per call: {os.environ['LATENCY_MS']} ms")
print("| tool | wall time | client CPU | emulator CPU | API calls | resources | peak memory |")
print("|---|---|---|---|---|---|---|")
print(f"| driftscan scan --all | {d_wall:.1f} s | {d_user + d_sys:.1f} s | {d_moto / ticks:.1f} s | {sum(d_calls.values())} "
      f"| {d_resources} ({complete}/{environments} environments complete) | {d_rss / 1024:.0f} MiB |")
print(f"| c7n-org run | {c_wall:.1f} s | {c_user + c_sys:.1f} s | {c_moto / ticks:.1f} s | {sum(c_calls.values())} "
      f"| {c_resources} | {c_rss / 1024:.0f} MiB |")
print(f"wall time: c7n-org / driftscan = {c_wall / d_wall:.1f}x; client CPU: {(c_user + c_sys) / max(d_user + d_sys, 0.01):.1f}x; "
      f"driftscan's wall / the emulator's busy time for it = {d_wall / max(d_moto / ticks, 0.01):.2f}; "
      f"emulator seconds per resource: driftscan {d_moto / ticks / max(d_resources, 1) * 1000:.1f} ms, "
      f"c7n-org {c_moto / ticks / max(c_resources, 1) * 1000:.1f} ms; "
      f"throughput: {environments / d_wall:.1f} environments/s")
for name, calls in (("driftscan", d_calls), ("c7n-org", c_calls)):
    top = sorted(calls.items(), key=lambda kv: -kv[1])[:6]
    print(f"{name} calls (top): " + ", ".join(f"{k} {v}" for k, v in top))
PYEOF
echo "(outputs in $out)" >&2
