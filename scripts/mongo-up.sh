#!/usr/bin/env bash
# Make sure a MongoDB-wire-compatible server answers on 127.0.0.1:${MONGO_PORT:-27017}, for tests
# and local runs only. No registry reachable here ships mongod, so this builds `secantus-mdb`
# (a separate GPL-2.0 program from crates.io speaking the MongoDB wire protocol, run as its own
# process; it has no text indexes, which the harvester does not use) once into a cache, then starts
# it. Production sets HARVEST__MONGODB__URI to a real MongoDB 6+.
#   scripts/mongo-up.sh            start (returns at once if the port already answers)
#   scripts/mongo-up.sh --install  only build the server
#   scripts/mongo-up.sh --stop     stop the server this script started
#   MONGO_CACHE=4G scripts/mongo-up.sh   storage engine cache (default 2G; takes effect at start)
set -euo pipefail
VERSION="0.5.3-beta.196"
PORT="${MONGO_PORT:-27017}"
# The storage engine's cache. A 100k-dataset harvest keeps about 1.5 GB of datasets, items and
# records hot; with 512M the server spent its time evicting and re-reading pages.
CACHE_SIZE="${MONGO_CACHE:-2G}"
CACHE="${HARVEST_TOOLS:-$HOME/.cache/harvest-tools}/secantus-mdb-$VERSION"
BIN="$CACHE/bin/secantusd-rs"
STATE="${XDG_STATE_HOME:-$HOME/.local/state}/harvest-mongo-$PORT"
# A server started by an earlier recipe may keep its binary elsewhere: reuse it.
ALT_BIN="$HOME/.cache/secantus-mdb-$VERSION/bin/secantusd-rs"

answers() { (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null; }

build() {
  if [ -x "$BIN" ]; then return 0; fi
  if [ -x "$ALT_BIN" ]; then mkdir -p "$CACHE/bin"; cp "$ALT_BIN" "$BIN"; return 0; fi
  if ! command -v cmake >/dev/null 2>&1; then
    echo "mongo-up: installing cmake (needed to build the storage engine)..." >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq && apt-get install -y -qq cmake >/dev/null
  fi
  echo "mongo-up: building secantus-mdb $VERSION once (about 8 minutes on 2 cores)..." >&2
  cargo install secantus-mdb --version "$VERSION" --locked --ignore-rust-version --root "$CACHE" --quiet
}

case "${1:-}" in
  --install) build; exit 0 ;;
  --stop)
    if [ -f "$STATE/pid" ]; then kill "$(cat "$STATE/pid")" 2>/dev/null || true; rm -f "$STATE/pid"; fi
    exit 0 ;;
esac

if answers; then echo "mongo-up: 127.0.0.1:$PORT already answers" >&2; exit 0; fi
build
mkdir -p "$STATE/data"
nohup "$BIN" --host 127.0.0.1 --port "$PORT" --storage-path "$STATE/data" --cache-size "$CACHE_SIZE" \
  --log-file-max 16MB >"$STATE/server.log" 2>&1 &
echo $! >"$STATE/pid"
for _ in $(seq 1 150); do
  if answers; then echo "mongo-up: ready on 127.0.0.1:$PORT (data in $STATE)" >&2; exit 0; fi
  sleep 0.2
done
echo "mongo-up: the server did not come up; last lines of $STATE/server.log:" >&2
tail -20 "$STATE/server.log" >&2 || true
exit 1
