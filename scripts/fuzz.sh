#!/usr/bin/env bash
# Fuzz the parsers and mappers that read remote data (fuzz/, cargo-fuzz + libFuzzer).
#
#   scripts/fuzz.sh [SECONDS] [TARGET...]     # default: 60 s for each of the five targets
#
# Targets: rdf_parse, dcat_map, ckan_map, ods_map, mapping_helpers. The committed seed corpora
# (fuzz/corpus/<target>/, small files written from tests/fixtures by the `seed_corpus` tool) are
# read but not grown: new inputs go to a scratch directory. FUZZ_MERGE=1 merges the inputs that
# add coverage (at most 16 KiB each) back into fuzz/corpus/<target>/. Crashes are saved under
# fuzz/artifacts/<target>/ and make the script exit 1 after all targets ran.
#
# The toolchain may be stable: cargo-fuzz needs nightly flags, enabled with RUSTC_BOOTSTRAP=1.
set -euo pipefail
cd "$(dirname "$0")/../fuzz"

SECS="${1:-${FUZZ_SECS:-60}}"
shift || true
TARGETS=("$@")
if [ ${#TARGETS[@]} -eq 0 ]; then
    TARGETS=(rdf_parse dcat_map ckan_map ods_map mapping_helpers)
fi
export RUSTC_BOOTSTRAP=1

if ! command -v cargo-fuzz >/dev/null 2>&1; then
    echo "installing cargo-fuzz from crates.io"
    cargo install cargo-fuzz --locked
fi

cargo fuzz build
HOST="$(rustc -vV | sed -n 's/^host: //p')"
"target/$HOST/release/seed_corpus" ../tests/fixtures corpus

SCRATCH="$(mktemp -d "${TMPDIR:-/tmp}/harvest-fuzz.XXXXXX")"
trap 'rm -rf "$SCRATCH"' EXIT
failed=()
for t in "${TARGETS[@]}"; do
    mkdir -p "corpus/$t" "$SCRATCH/$t" "artifacts/$t"
    echo "== $t: ${SECS}s"
    # JSON-LD expansion runs on its own 64 MiB-stack thread: allow for it in the RSS limit.
    status=0
    cargo fuzz run "$t" "$SCRATCH/$t" "corpus/$t" -- \
        -max_total_time="$SECS" -timeout=20 -rss_limit_mb=4096 -max_len=65536 \
        -print_final_stats=1 >"$SCRATCH/$t.log" 2>&1 || status=$?
    # Panics the worker catches itself (inside third-party parsers) are listed, not failures.
    grep -E "^(Done [0-9]+ runs|panic \(caught|==[0-9]+== ERROR|SUMMARY)" "$SCRATCH/$t.log" || true
    if [ "$status" -ne 0 ]; then
        failed+=("$t")
        tail -60 "$SCRATCH/$t.log"
    elif [ "${FUZZ_MERGE:-0}" = 1 ]; then
        cargo fuzz run "$t" "corpus/$t" "$SCRATCH/$t" -- -merge=1 -max_len=16384 >/dev/null 2>&1 || true
    fi
done

if [ ${#failed[@]} -gt 0 ]; then
    echo "crashes in: ${failed[*]} (inputs under fuzz/artifacts/)"
    exit 1
fi
echo "no crash in ${TARGETS[*]} (${SECS}s each)"
