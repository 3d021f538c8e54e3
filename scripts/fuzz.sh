#!/usr/bin/env bash
# Runs one cargo-fuzz target for a given time, niced, on the nightly toolchain, seeding its
# corpus first (scripts/fuzz-corpus.sh) when it has none. Crashes are saved under
# fuzz/artifacts/TARGET/; replay one with `cargo +nightly fuzz run TARGET FILE`.
#
#   scripts/fuzz.sh TARGET SECONDS      e.g. scripts/fuzz.sh page 600
#   scripts/fuzz.sh list                the targets
#
# Needs `rustup toolchain install nightly` and `cargo install cargo-fuzz --locked`.
# libFuzzer prints its executions and the peak memory at the end (-print_final_stats=1); the
# CPU time is printed by bash's `time`. An input that runs longer than 30 s counts as a crash
# (a hang), as does one that takes more than 2 GB.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ "${1:-}" = list ]; then
    exec cargo +nightly fuzz list --fuzz-dir fuzz
fi
if [ $# -ne 2 ]; then
    echo "usage: scripts/fuzz.sh TARGET SECONDS   (scripts/fuzz.sh list: the targets)" >&2
    exit 2
fi
target=$1
seconds=$2
if [ ! -d "fuzz/corpus/$target" ]; then
    scripts/fuzz-corpus.sh
fi
cargo +nightly fuzz build --fuzz-dir fuzz "$target"
time nice -n 19 cargo +nightly fuzz run --fuzz-dir fuzz "$target" "fuzz/corpus/$target" -- \
    -max_total_time="$seconds" -timeout=30 -rss_limit_mb=2048 -max_len=65536 -print_final_stats=1
