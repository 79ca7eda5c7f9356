#!/usr/bin/env bash
# `make demo`: bring up RabbitMQ and MongoDB, serve the bundled sample catalog (50 datasets over two
# Hydra pages), start the scheduler and two workers, harvest the catalog through them, print the
# job reports (first run: 50 created; second run: 50 unchanged, 0 created; forced run: 50 updated),
# then stop what it started.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT="$(pwd)"
RUN="$ROOT/.demo"
mkdir -p "$RUN"

scripts/services-up.sh
echo "demo: building the binaries..." >&2
cargo build --quiet --bins -p harvest-scheduler -p harvest-worker -p harvest-e2e
BIN="$ROOT/target/debug"

CATALOG_PORT="${DEMO_CATALOG_PORT:-8765}"
export HARVEST__MONGODB__DATABASE="${HARVEST__MONGODB__DATABASE:-harvest_demo}"
export HARVEST__AMQP__PREFIX="${HARVEST__AMQP__PREFIX:-demo.}"
export HARVEST__HTTP__ALLOW_HOSTS="127.0.0.1:$CATALOG_PORT"
export HARVEST__API__BIND="${HARVEST__API__BIND:-127.0.0.1:8080}"
export HARVEST__API__TOKENS="${HARVEST__API__TOKENS:-demo-token}"
export HARVEST__LOG__FORMAT=human
export HARVEST__LOG__LEVEL="${HARVEST__LOG__LEVEL:-warn}"

pids=()
cleanup() {
  for p in "${pids[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
  for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
}
trap cleanup EXIT

# A fresh demo database each time, so the first run really creates.
"$BIN/harvest-scheduler" drop-database --yes >/dev/null

"$BIN/harvest-catalog-server" --root deploy/demo --port "$CATALOG_PORT" 2>"$RUN/catalog.log" &
pids+=($!)
HARVEST__METRICS__BIND=127.0.0.1:9464 "$BIN/harvest-scheduler" serve 2>"$RUN/scheduler.log" &
pids+=($!)
HARVEST__METRICS__BIND=127.0.0.1:9465 "$BIN/harvest-worker" 2>"$RUN/worker-1.log" &
pids+=($!)
HARVEST__METRICS__BIND=127.0.0.1:9466 "$BIN/harvest-worker" 2>"$RUN/worker-2.log" &
pids+=($!)
sleep 1

SOURCE=$("$BIN/harvest-scheduler" sources create --name "Ville d'Exemple (démo)" \
  --url "http://127.0.0.1:$CATALOG_PORT/catalog.ttl" --backend dcat --schedule manual --accept --if-missing)
echo
echo "== First harvest (source $SOURCE) =="
"$BIN/harvest-scheduler" run "$SOURCE" --wait --timeout 300
echo
echo "== Second harvest: nothing changed on the remote =="
"$BIN/harvest-scheduler" run "$SOURCE" --wait --timeout 300
echo
echo "== Forced harvest: every dataset rewritten in place =="
"$BIN/harvest-scheduler" run "$SOURCE" --force --wait --timeout 300
echo
echo "The datasets are in MongoDB database '$HARVEST__MONGODB__DATABASE' (collection 'dataset'); process logs in .demo/."
echo "To browse the HTML reports, run 'target/debug/harvest-scheduler serve' with the same HARVEST__* settings and open http://$HARVEST__API__BIND/admin/"
echo
echo "== udata reads what was written (udata's own models and REST API, scripts/udata-venv.sh) =="
PY="$(scripts/udata-venv.sh)"
"$PY" tests/udata/judge.py --mongo "${HARVEST__MONGODB__URI:-mongodb://127.0.0.1:27017}" --db "$HARVEST__MONGODB__DATABASE" --require dataset,harvest_source,harvest_job --summary
