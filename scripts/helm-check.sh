#!/usr/bin/env bash
# Checks the deployment files: the Helm chart (lint, render, Kubernetes schema validation of
# every manifest, reference and policy checks), the Prometheus rules (promtool check + unit
# tests), the Grafana dashboard (metric names, PromQL, layout), the chart's `config` schema
# against common/src/settings.rs, and the Dockerfile's packages. Ends with the line
# "helm-check: N passed, N failed".
#
# Usage: scripts/helm-check.sh            (from anywhere; exits non-zero on any failure)
# Env:   KUBE_VERSIONS    Kubernetes versions to validate against (default "1.25 1.29 1.33";
#                         kubernetes-validate bundles 1.25 up to its own version)
#        HELM_CHECK_NO_INSTALL=1  never run scripts/install-helm.sh for missing tools
#        HELM_CHECK_KEEP=1        keep the rendered manifests (path printed at the end)
# Tools: helm 3, kubernetes-validate (venv), promtool; scripts/install-helm.sh installs them
#        into ~/.cache/harvest-tools (HARVEST_TOOLS_DIR) when missing.
set -uo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
CHART="$ROOT/helm/harvester"
TOOLS="$ROOT/helm/tools"
TOOLS_DIR="${HARVEST_TOOLS_DIR:-$HOME/.cache/harvest-tools}"
KUBE_VERSIONS="${KUBE_VERSIONS:-1.25 1.29 1.33}"
NAMESPACE=harvest
RELEASE=harvest
export PATH="$TOOLS_DIR/bin:$PATH"

RESULTS=()
FAILED=0
if [[ -t 1 ]]; then G=$'\033[32m' R=$'\033[31m' Y=$'\033[33m' N=$'\033[0m'; else G="" R="" Y="" N=""; fi
pass() { RESULTS+=("PASS  $1"); printf '  %sPASS%s %s\n' "$G" "$N" "$1"; }
fail() { RESULTS+=("FAIL  $1"); FAILED=$((FAILED + 1)); printf '  %sFAIL%s %s\n' "$R" "$N" "$1"; }
skip() { RESULTS+=("SKIP  $1"); printf '  %sSKIP%s %s\n' "$Y" "$N" "$1"; }
section() { printf '\n== %s\n' "$1"; }
indent() { sed 's/^/    /'; }

# ------------------------------------------------------------------ tools
section "tools"
VENV_PY="$TOOLS_DIR/venv/bin/python"
have_tools() {
  command -v helm >/dev/null && command -v promtool >/dev/null \
    && [[ -x "$VENV_PY" ]] && "$VENV_PY" -c 'import kubernetes_validate, jsonschema, yaml' 2>/dev/null
}
if ! have_tools; then
  if [[ "${HELM_CHECK_NO_INSTALL:-}" == 1 ]]; then
    echo "missing tools (helm, promtool or the kubernetes-validate venv); run scripts/install-helm.sh" >&2
    exit 2
  fi
  "$ROOT/scripts/install-helm.sh" || { echo "scripts/install-helm.sh failed" >&2; exit 2; }
fi
have_tools || { echo "tools still missing after scripts/install-helm.sh" >&2; exit 2; }
HELM_VERSION="$(helm version --short)"
PROMTOOL_VERSION="$(promtool --version 2>&1 | head -n1)"
KV_VERSION="$("$VENV_PY" -c 'from kubernetes_validate.version import __version__; print(__version__)')"
echo "  helm $HELM_VERSION; $PROMTOOL_VERSION; kubernetes-validate $KV_VERSION; Kubernetes $KUBE_VERSIONS"
case "$HELM_VERSION" in v3.*) ;; *) echo "helm 3 is required, found $HELM_VERSION" >&2; exit 2 ;; esac

OUT="$(mktemp -d "${TMPDIR:-/tmp}/helm-check.XXXXXX")"
if [[ "${HELM_CHECK_KEEP:-}" != 1 ]]; then trap 'rm -rf "$OUT"' EXIT; fi

# ------------------------------------------------------------------ copies
section "copies shipped in the chart"
for pair in "deploy/prometheus/harvester-rules.yml:helm/harvester/files/harvester-rules.yml" \
            "deploy/grafana/harvester-dashboard.json:helm/harvester/files/harvester-dashboard.json"; do
  src="${pair%%:*}" dst="${pair#*:}"
  if cmp -s "$ROOT/$src" "$ROOT/$dst"; then
    pass "$dst is identical to $src"
  else
    fail "$dst differs from $src (cp $src $dst)"
  fi
done

# ------------------------------------------------------------------ settings
section "harvest.toml settings"
if "$VENV_PY" "$TOOLS/check-settings-schema.py" "$ROOT/common/src/settings.rs" "$CHART/values.schema.json"; then
  pass "values.schema.json config mirrors common/src/settings.rs"
else
  fail "values.schema.json config differs from common/src/settings.rs (add or remove the keys)"
fi

# ------------------------------------------------------------------ lint, template, validate
# Each case: a name and its values files (none = the chart's defaults).
CASES=("default")
for f in "$CHART"/ci/*.yaml; do CASES+=("ci/$(basename "$f")"); done

# Secret and ServiceAccount a values file expects to exist already (existingSecret,
# serviceAccount.create=false), so that the reference checks accept them.
externals() {
  local values="$1"
  [[ -z "$values" ]] && return 0
  "$VENV_PY" - "$values" <<'PY'
import sys, yaml
v = yaml.safe_load(open(sys.argv[1])) or {}
s = (v.get("secret") or {}).get("existingSecret")
if s:
    print("--external-secret", s)
sa = v.get("serviceAccount") or {}
if sa.get("create") is False and sa.get("name"):
    print("--external-service-account", sa["name"])
PY
}

for case in "${CASES[@]}"; do
  section "chart with $case values"
  args=()
  values=""
  if [[ "$case" != default ]]; then values="$CHART/$case"; args=(-f "$values"); fi
  slug="${case//\//-}"

  lint_out="$(helm lint --strict "$CHART" "${args[@]}" 2>&1)"
  lint_rc=$?
  # helm lint reports a template's fail() as an [INFO] line and still succeeds: catch it.
  if [[ $lint_rc -eq 0 ]] && ! grep -qE '\[(ERROR|WARNING)\]|Fail:' <<<"$lint_out"; then
    pass "helm lint --strict ($case)"
  else
    indent <<<"$lint_out"
    fail "helm lint --strict ($case)"
  fi

  for kv in $KUBE_VERSIONS; do
    rendered="$OUT/$slug-k$kv.yaml"
    if ! helm template "$RELEASE" "$CHART" "${args[@]}" --namespace "$NAMESPACE" \
         --kube-version "$kv.0" --api-versions keda.sh/v1alpha1 --api-versions monitoring.coreos.com/v1 \
         >"$rendered" 2>"$OUT/$slug-k$kv.err"; then
      indent <"$OUT/$slug-k$kv.err"
      fail "helm template ($case, Kubernetes $kv)"
      continue
    fi
    # shellcheck disable=SC2046
    if "$VENV_PY" "$TOOLS/validate-manifests.py" --kubernetes-version "$kv" \
         --values-schema "$CHART/values.schema.json" --promtool "$(command -v promtool)" \
         $(externals "$values") "$rendered"; then
      pass "helm template + validate ($case, Kubernetes $kv)"
    else
      fail "helm template + validate ($case, Kubernetes $kv)"
    fi
  done
done

# ------------------------------------------------------------------ values that must be refused
section "values the chart must refuse"
refuse() {
  local why="$1"; shift
  local out
  if out="$(helm template "$RELEASE" "$CHART" --namespace "$NAMESPACE" "$@" 2>&1 >/dev/null)"; then
    fail "accepted: $why ($*)"
  else
    # the last line names the offending value (schema errors come after a header line)
    pass "refused: $why -> $(grep -v -e '^[[:space:]]*$' -e 'Use --debug flag' <<<"$out" | tail -n1 | sed 's/^[[:space:]-]*//; s/^Error: //' | cut -c1-150)"
  fi
}
refuse "unknown top-level key" --set bogus=1
refuse "typo in a harvest.toml key" --set config.harvest.job_windw=5
refuse "AMQP URL in the ConfigMap" --set config.amqp.url=amqp://u:p@h/
refuse "log format" --set config.log.format=text
refuse "archive share above 1" --set config.harvest.archive_max_share=2
refuse "zero prefetch" --set config.amqp.prefetch=0
refuse "token with a comma" --set-json 'secret.apiTokens=["a,b"]'
refuse "empty AMQP URL without existingSecret" --set secret.amqpUrl=
refuse "minReplicas above maxReplicas" --set workers.item.autoscaling.minReplicas=5 --set workers.item.autoscaling.maxReplicas=2
refuse "KEDA http protocol without management URL" --set keda.protocol=http
refuse "CPU HPA scaled to zero" --set keda.enabled=false --set hpa.enabled=true --set workers.item.autoscaling.minReplicas=0
refuse "API port equal to the metrics port" --set scheduler.apiPort=9464
refuse "unknown worker role" --set workers.export.enabled=true
refuse "non-integer replicas" --set-json workers.item.replicaCount=1.5
refuse "label the chart owns" --set "commonLabels.app\\.kubernetes\\.io/component=x"

# ------------------------------------------------------------------ Prometheus rules
section "Prometheus rules"
if out="$(promtool check rules "$ROOT/deploy/prometheus/harvester-rules.yml" 2>&1)"; then
  pass "promtool check rules deploy/prometheus/harvester-rules.yml ($(grep -o '[0-9]* rules found' <<<"$out"))"
else
  indent <<<"$out"; fail "promtool check rules deploy/prometheus/harvester-rules.yml"
fi
if out="$(cd "$ROOT/deploy/prometheus" && promtool test rules harvester-rules.test.yml 2>&1)"; then
  pass "promtool test rules deploy/prometheus/harvester-rules.test.yml"
else
  indent <<<"$out"; fail "promtool test rules deploy/prometheus/harvester-rules.test.yml"
fi

# The PrometheusRule the chart renders holds exactly the groups of the plain rule file.
pr="$OUT/prometheusrule.yaml"
if helm template "$RELEASE" "$CHART" --namespace "$NAMESPACE" --set metrics.prometheusRule.enabled=true \
     --show-only templates/prometheusrule.yaml >"$pr" 2>&1 \
   && "$VENV_PY" - "$pr" "$ROOT/deploy/prometheus/harvester-rules.yml" <<'PY'
import sys, yaml
rendered = yaml.safe_load(open(sys.argv[1]))["spec"]
plain = yaml.safe_load(open(sys.argv[2]))
sys.exit(0 if rendered == plain else 1)
PY
then
  pass "the chart's PrometheusRule equals deploy/prometheus/harvester-rules.yml"
else
  indent <"$pr"; fail "the chart's PrometheusRule differs from deploy/prometheus/harvester-rules.yml"
fi

# ------------------------------------------------------------------ dashboard and metric names
section "Grafana dashboard and metric names"
if "$VENV_PY" "$TOOLS/check-observability.py" --dashboard "$ROOT/deploy/grafana/harvester-dashboard.json" \
     --rules "$ROOT/deploy/prometheus/harvester-rules.yml" --promtool "$(command -v promtool)" \
     --runbook "$ROOT/docs/operations.md"; then
  pass "dashboard and rules use only the harvester's metrics; PromQL valid; runbook anchors exist"
else
  fail "dashboard / rules checks"
fi

# ------------------------------------------------------------------ Dockerfile
section "Dockerfile"
if [[ -f "$ROOT/Dockerfile" ]] && command -v cargo >/dev/null; then
  meta="$(cd "$ROOT" && cargo metadata --no-deps --format-version 1 --offline 2>/dev/null)"
  if [[ -z "$meta" ]]; then
    fail "cargo metadata failed in $ROOT"
  else
    docker_ok=1
    # shellcheck disable=SC2013
    for pkg in $(grep -oE -- '-p [a-z0-9_-]+' "$ROOT/Dockerfile" | awk '{print $2}' | sort -u); do
      if ! "$VENV_PY" -c 'import json,sys; m=json.load(sys.stdin); sys.exit(0 if any(p["name"]==sys.argv[1] and any(t["kind"]==["bin"] for t in p["targets"]) for p in m["packages"]) else 1)' "$pkg" <<<"$meta"; then
        echo "    package $pkg (with a binary target) is not in the workspace"; docker_ok=0
      fi
    done
    for bin in harvest-scheduler harvest-worker; do
      grep -q "$bin" "$ROOT/Dockerfile" || { echo "    Dockerfile does not install $bin"; docker_ok=0; }
    done
    grep -qE '^USER[[:space:]]+10001' "$ROOT/Dockerfile" || { echo "    Dockerfile does not run as uid 10001"; docker_ok=0; }
    for pat in target .git; do
      grep -qE "^/?${pat//./\\.}/?$" "$ROOT/.dockerignore" 2>/dev/null || { echo "    .dockerignore does not exclude $pat"; docker_ok=0; }
    done
    if [[ $docker_ok == 1 ]]; then pass "Dockerfile builds workspace packages with binaries, runs as 10001; .dockerignore excludes target and .git"; else fail "Dockerfile checks"; fi
  fi
else
  skip "Dockerfile checks (no Dockerfile or no cargo)"
fi

# ------------------------------------------------------------------ summary
printf '\n== summary\n'
printf '  %s\n' "${RESULTS[@]}"
if [[ "${HELM_CHECK_KEEP:-}" == 1 ]]; then echo "  rendered manifests kept in $OUT"; fi
passed=0
for r in "${RESULTS[@]}"; do [[ "$r" == PASS* ]] && passed=$((passed + 1)); done
echo
echo "helm-check: $passed passed, $FAILED failed"
if [[ $FAILED -gt 0 ]]; then exit 1; fi
