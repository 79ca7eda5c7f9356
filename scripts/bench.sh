#!/usr/bin/env bash
# `make bench`: throughput and memory benchmarks of the harvester with real processes.
# Brings up RabbitMQ and MongoDB, builds the release binaries, runs harvest-bench (generated
# catalogs served in-process, real harvest-worker processes, jobs started through the
# harvest-scheduler CLI), prints the figures and writes bench-results/results.json.
#
#   scripts/bench.sh                                  all scenarios (about an hour on 2 cores)
#   BENCH_SCENARIOS=dcat-10k,night scripts/bench.sh   a selection (harvest-bench --list names them)
#   BENCH_QUICK=1 scripts/bench.sh                    small sizes (a few minutes; CI smoke run)
#   BENCH_ARGS="--workers 4 --prefetch 128" scripts/bench.sh
#   BENCH_CRITERION=0 scripts/bench.sh                without the criterion micro benchmarks
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/services-up.sh
echo "bench: building the release binaries..." >&2
cargo build --release --bins -p harvest-scheduler -p harvest-worker -p harvest-e2e

args=(--out "${BENCH_OUT:-bench-results}")
if [ -n "${BENCH_SCENARIOS:-}" ]; then args+=(--scenario "$BENCH_SCENARIOS"); fi
if [ -n "${BENCH_QUICK:-}" ] && [ "${BENCH_QUICK}" != 0 ]; then args+=(--quick); fi
# shellcheck disable=SC2206 # word splitting of extra arguments is intended
if [ -n "${BENCH_ARGS:-}" ]; then args+=(${BENCH_ARGS}); fi

status=0
"${CARGO_TARGET_DIR:-target}"/release/harvest-bench "${args[@]}" || status=$?

if [ "${BENCH_CRITERION:-1}" != 0 ]; then
  echo >&2
  echo "bench: criterion micro benchmarks (parse + map per syntax)..." >&2
  cargo bench -p harvest-backends --bench parse_map || status=$?
fi
exit "$status"
