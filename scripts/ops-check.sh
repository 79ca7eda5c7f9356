#!/usr/bin/env bash
# Deployment and observability checks run by `make test`: the Helm chart (lint, render,
# Kubernetes schema validation), Prometheus rules (promtool check and unit tests) and the Grafana
# dashboard, all through scripts/helm-check.sh, which installs helm, kubernetes-validate and
# promtool into ~/.cache/harvest-tools when missing. (The check that every metric the dashboard
# and rules use exists in a real scrape is a Rust test: tests/tests/e2e/ops_metrics.rs.)
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/helm-check.sh
