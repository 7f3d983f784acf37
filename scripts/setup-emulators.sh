#!/usr/bin/env bash
# Installs the pinned local AWS emulators into virtual environments kept outside the clone.
#   moto (server mode)  -> $DRIFTSCAN_CACHE/venv-moto
# Re-running is cheap: an environment whose pin marker matches is reused as it is.
# Prints the environment variables the tests and the demo read (eval-able).
set -euo pipefail

MOTO_VERSION="5.2.5"
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

want="${1:-moto}"
case "$want" in
  moto|all) ;;
  *) log "unknown emulator '$want' (expected: moto, all)"; exit 2 ;;
esac

ensure_venv venv-moto python3 "moto[server]==$MOTO_VERSION" "moto[server]==$MOTO_VERSION"
echo "export DRIFTSCAN_MOTO_SERVER=$CACHE/venv-moto/bin/moto_server"
