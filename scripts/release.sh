#!/usr/bin/env bash
# Builds the release artifacts of driftscan into dist/ (or $1):
#   driftscan-<version>-x86_64-unknown-linux-gnu.tar.gz   the CLI (glibc <= 2.34), README, LICENSE
#   driftscan-lambda-<version>-x86_64.zip                 the Lambda package (provided.al2023)
#   SHA256SUMS                                             sha256sum -c checks them
# The CLI and the Lambda come from one cargo-lambda invocation (scripts/package-lambda.sh: same
# target and profile, so the AWS SDK compiles once). aarch64 builds run in the release workflow
# (ARCH=arm64), on the same script.
set -euo pipefail
cd "$(dirname "$0")/.."

export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/driftscan-target}"
dist="${1:-dist}"
arch="${ARCH:-x86_64}"
case "$arch" in
  x86_64) triple="x86_64-unknown-linux-gnu"; lambda_flag="--x86-64" ;;
  arm64) triple="aarch64-unknown-linux-gnu"; lambda_flag="--arm64" ;;
  *) echo "release: ARCH is x86_64 or arm64, not $arch" >&2; exit 2 ;;
esac
version="$(sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml | head -1)"
[[ -n "$version" ]] || { echo "release: no workspace version in Cargo.toml" >&2; exit 1; }

if [[ "$arch" == x86_64 ]]; then
  # The package step of the test command: builds both and checks the CLI's glibc needs.
  scripts/package-lambda.sh >/dev/null
else
  eval "$(scripts/setup-emulators.sh cargo-lambda)"
  PATH="$(dirname "$DRIFTSCAN_CARGO_LAMBDA"):$PATH"
  cargo lambda build --profile lambda --package driftscan-lambda --package driftscan-cli \
    "$lambda_flag" --output-format zip --include baselines >&2
fi
built="$CARGO_TARGET_DIR/lambda"   # cargo-lambda: lambda/<binary>/bootstrap.zip; binaries under <triple>/lambda/

mkdir -p "$dist"
stage="$(mktemp -d)"
trap 'rm -rf "$stage"' EXIT
name="driftscan-$version-$triple"
mkdir -p "$stage/$name"
cp "$CARGO_TARGET_DIR/$triple/lambda/driftscan" "$stage/$name/driftscan"
chmod 755 "$stage/$name/driftscan"
cp README.md LICENSE "$stage/$name/"
"$stage/$name/driftscan" completions bash > "$stage/$name/driftscan.bash" 2>/dev/null || true
"$stage/$name/driftscan" man > "$stage/$name/driftscan.1" 2>/dev/null || true
tar -C "$stage" --owner=0 --group=0 --sort=name -czf "$dist/$name.tar.gz" "$name"
cp "$built/driftscan-lambda/bootstrap.zip" "$dist/driftscan-lambda-$version-$arch.zip"
(
  # Every artifact in dist/ (both architectures after the workflow's second run).
  cd "$dist"
  sha256sum -- *.tar.gz *.zip > SHA256SUMS
  sha256sum -c SHA256SUMS >&2
)
echo "release: $dist/$name.tar.gz, $dist/driftscan-lambda-$version-$arch.zip, $dist/SHA256SUMS" >&2
