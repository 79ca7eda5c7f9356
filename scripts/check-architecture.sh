#!/usr/bin/env bash
# The crate boundaries as a rule nobody has to remember (README, "Layout"):
# - the backends crate has no MongoDB driver and no AMQP client in its dependency graph, and its
#   source names neither the storage nor the queue module of `common`;
# - the scheduler reaches the worker only through the worker library's narrow surface.
# Run by `make test`; fails with the offending line.
set -euo pipefail
cd "$(dirname "$0")/.."
CARGO=${CARGO:-cargo}
fail=0

graph=$("$CARGO" tree --locked -p harvest-backends -e normal --prefix none --format '{p}')
for banned in mongodb lapin amq-protocol; do
    if grep -q "^$banned v" <<<"$graph"; then
        echo "architecture: harvest-backends depends on '$banned' (it must not reach storage or the queue)" >&2
        "$CARGO" tree --locked -p harvest-backends -e normal -i "$banned" >&2 || true
        fail=1
    fi
done

if hits=$(grep -rnE 'common::(storage|queue)\b' backends/src backends/tests backends/benches); then
    echo "architecture: the backends crate names common's storage or queue module:" >&2
    echo "$hits" >&2
    fail=1
fi

if hits=$(grep -rnE 'worker::(pipeline|runtime|backends|fetch|mapping|rdf|harvester)\b' scheduler/src); then
    echo "architecture: the scheduler reaches past the worker library's surface:" >&2
    echo "$hits" >&2
    fail=1
fi

# `cargo test` skips two kinds of targets to save CI minutes (Cargo.toml: `doctest = false` on
# every library, `test = false` on the two service binaries). Nothing may hide there unrun.
if hits=$(grep -nE '#\[(cfg\(test\)|test|tokio::test)' worker/src/main.rs scheduler/src/main.rs); then
    echo "architecture: tests in a main.rs are never run (test = false); put them in the library:" >&2
    echo "$hits" >&2
    fail=1
fi
doc_tests=$(find common/src backends/src worker/src scheduler/src tests/src -name '*.rs' -print0 |
    xargs -0 awk '
        FNR == 1 { open = 0 }
        /^[[:space:]]*\/\/[\/!][[:space:]]*```/ {
            lang = $0; sub(/^[[:space:]]*\/\/[\/!][[:space:]]*```/, "", lang)
            if (!open && (lang == "" || lang ~ /^(rust|no_run|should_panic|compile_fail|edition)/))
                print FILENAME ":" FNR ": " $0
            open = !open
        }')
if [ -n "$doc_tests" ]; then
    echo "architecture: doc tests are off (doctest = false): mark the block \`\`\`text or move it to a test:" >&2
    echo "$doc_tests" >&2
    fail=1
fi

if [ "$fail" = 0 ]; then
    echo "architecture: backends has no storage or queue dependency; scheduler uses the worker surface only; no test hides in a skipped target"
fi
exit "$fail"
