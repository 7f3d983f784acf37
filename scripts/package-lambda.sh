#!/usr/bin/env bash
# Builds the deployable Lambda package with cargo-lambda (pinned, installed by
# scripts/setup-emulators.sh) for the provided.al2023 runtime, then checks it:
#   - the bootstrap needs at most GLIBC_2.34 (what provided.al2023 ships);
#   - the zip holds bootstrap and the bundled baselines/;
#   - the `driftscan` CLI built beside it runs `--version` and needs no newer glibc.
# Reports the zip's size on standard error; prints `export DRIFTSCAN_LAMBDA_BIN=...` (the
# checked bootstrap) on standard output. Output: $CARGO_TARGET_DIR/lambda/driftscan-lambda/.
set -euo pipefail
cd "$(dirname "$0")/.."

export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/driftscan-target}"
eval "$(scripts/setup-emulators.sh cargo-lambda)"
PATH="$(dirname "$DRIFTSCAN_CARGO_LAMBDA"):$PATH"
MAX_GLIBC="2.34"

# Baselines ride in the package (read from $LAMBDA_TASK_ROOT/baselines). The `driftscan` CLI
# is built in the same invocation, target and profile, so the AWS SDK compiles once for both
# (scripts/release.sh ships it); cargo-lambda's zig linker keeps its glibc needs as low.
cargo lambda build --profile lambda --package driftscan-lambda --package driftscan-cli --x86-64 \
  --output-format zip --include baselines >&2

out="$CARGO_TARGET_DIR/lambda/driftscan-lambda"
zip="$out/bootstrap.zip"
[[ -f "$zip" ]] || { echo "package-lambda: no $zip" >&2; exit 1; }

# The binary inside the zip is what is checked, and what the end-to-end tests run
# (DRIFTSCAN_LAMBDA_BIN, printed last).
check_dir="$out/unzipped"
rm -rf "$check_dir"
python3 -m zipfile -e "$zip" "$check_dir"
chmod +x "$check_dir/bootstrap"
[[ -x "$check_dir/bootstrap" || -f "$check_dir/bootstrap" ]] || { echo "package-lambda: no bootstrap in $zip" >&2; exit 1; }
[[ -f "$check_dir/baselines/base.yaml" ]] || { echo "package-lambda: baselines missing from $zip" >&2; exit 1; }

highest="$(objdump -T "$check_dir/bootstrap" | grep -o 'GLIBC_[0-9.]*' | sed 's/GLIBC_//' | sort -V | tail -1)"
if [[ "$(printf '%s\n%s\n' "$highest" "$MAX_GLIBC" | sort -V | tail -1)" != "$MAX_GLIBC" ]]; then
  echo "package-lambda: bootstrap needs GLIBC_$highest, provided.al2023 has $MAX_GLIBC" >&2
  exit 1
fi
# The CLI from the same build: it runs, and needs no newer glibc than the Lambda's.
cli="$CARGO_TARGET_DIR/x86_64-unknown-linux-gnu/lambda/driftscan"
[[ -f "$cli" ]] || { echo "package-lambda: no CLI at $cli" >&2; exit 1; }
cli_glibc="$(objdump -T "$cli" | grep -o 'GLIBC_[0-9.]*' | sed 's/GLIBC_//' | sort -V | tail -1)"
if [[ "$(printf '%s\n%s\n' "$cli_glibc" "$MAX_GLIBC" | sort -V | tail -1)" != "$MAX_GLIBC" ]]; then
  echo "package-lambda: the driftscan CLI needs GLIBC_$cli_glibc, more than $MAX_GLIBC" >&2
  exit 1
fi
cli_version="$("$cli" --version)"
echo "package-lambda: $cli: $cli_version, $(stat -c %s "$cli") bytes, needs at most GLIBC_$cli_glibc" >&2
size=$(stat -c %s "$zip")
binary=$(stat -c %s "$check_dir/bootstrap")
echo "package-lambda: $zip: ${size} bytes zipped (bootstrap ${binary} bytes), needs at most GLIBC_$highest (limit $MAX_GLIBC)" >&2
echo "export DRIFTSCAN_LAMBDA_BIN=$check_dir/bootstrap"
