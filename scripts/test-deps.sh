#!/usr/bin/env bash
# Tools the test suite uses beside RabbitMQ and MongoDB, installed from Debian's packages when
# missing: chromium (headless check of the HTML report) and promtool (metrics exposition check).
set -euo pipefail
missing=()
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
command -v promtool >/dev/null 2>&1 || missing+=(prometheus)
if [ ${#missing[@]} -gt 0 ]; then
  echo "test-deps: installing ${missing[*]} (Debian packages)..." >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  # The prometheus package would start a server: keep services from starting.
  printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d && chmod +x /usr/sbin/policy-rc.d
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  rm -f /usr/sbin/policy-rc.d
  pkill -x prometheus 2>/dev/null || true
fi
echo "test-deps: chromium and promtool present" >&2
