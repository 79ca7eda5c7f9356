#!/usr/bin/env bash
# Tools the test suite uses beside RabbitMQ and MongoDB, installed when missing: chromium (headless
# check of the HTML report) and promtool (metrics exposition check) from Debian's packages, and the
# pinned udata from PyPI (scripts/udata-venv.sh).
set -euo pipefail
missing=()
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
command -v promtool >/dev/null 2>&1 || missing+=(prometheus)
if [ ${#missing[@]} -gt 0 ]; then
  echo "test-deps: installing ${missing[*]} (Debian packages)..." >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  # The prometheus package would start a server: a policy-rc.d keeps services from starting
  # during this install only. It is the one system file this script writes, and only when no
  # policy-rc.d exists (an existing one is left alone, and then decides). No process is killed.
  created_policy=0
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d && chmod +x /usr/sbin/policy-rc.d
    created_policy=1
  fi
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  if [ "$created_policy" = 1 ]; then rm -f /usr/sbin/policy-rc.d; fi
fi
echo "test-deps: chromium and promtool present" >&2
# udata, the judge of what the harvester stores (tests/udata/judge.py), pinned in a cached venv.
"$(dirname "$0")/udata-venv.sh" >/dev/null
echo "test-deps: udata judge present" >&2
