#!/usr/bin/env bash
# Runs every cargo-fuzz target at once, niced, each until it has used a given amount of CPU time
# (read from /proc/PID/stat, so a loaded machine gives every target the same work however long it
# takes), then prints each target's CPU seconds and libFuzzer's final stats. Builds all targets
# in one cargo invocation first; seeds the corpora (scripts/fuzz-corpus.sh) when there are none.
#
#   scripts/fuzz-all.sh CPU_SECONDS     e.g. scripts/fuzz-all.sh 660
#
# Logs: fuzz/logs/<target>.log. Crashes, leaks, timeouts (30 s) and inputs over 2 GB are saved
# under fuzz/artifacts/<target>/; replay one with `fuzz/target/<triple>/release/<target> FILE`.
# Needs Linux (/proc), `rustup toolchain install nightly` and `cargo install cargo-fuzz --locked`.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ $# -ne 1 ] || ! [ "$1" -gt 0 ] 2>/dev/null; then
    echo "usage: scripts/fuzz-all.sh CPU_SECONDS" >&2
    exit 2
fi
budget=$1
[ -d fuzz/corpus ] || scripts/fuzz-corpus.sh
cargo +nightly fuzz build --fuzz-dir fuzz
targets=$(cargo +nightly fuzz list --fuzz-dir fuzz)
triple=$(rustc +nightly -vV | sed -n 's/^host: //p')
bin=fuzz/target/$triple/release
mkdir -p fuzz/logs
started=fuzz/logs/.started
touch "$started"
declare -A pids
for t in $targets; do
    mkdir -p "fuzz/artifacts/$t" "fuzz/corpus/$t"
    # The wall-clock limit is only a backstop: ten times the CPU budget per target.
    nice -n 19 "$bin/$t" -artifact_prefix="fuzz/artifacts/$t/" -timeout=30 -rss_limit_mb=2048 \
        -max_len=65536 -max_total_time=$((budget * 10)) -print_final_stats=1 \
        "fuzz/corpus/$t" >"fuzz/logs/$t.log" 2>&1 &
    pids[$t]=$!
done
ticks=$(getconf CLK_TCK)
declare -A used
while :; do
    alive=0
    for t in $targets; do
        pid=${pids[$t]}
        [ -e "/proc/$pid/stat" ] || continue
        alive=1
        # utime + stime: fields 14 and 15 (the command name has no spaces here).
        used[$t]=$(awk -v t="$ticks" '{print int(($14 + $15) / t)}' "/proc/$pid/stat")
        if [ "${used[$t]}" -ge "$budget" ]; then kill -INT "$pid" 2>/dev/null || true; fi
    done
    [ "$alive" = 1 ] || break
    sleep 5
done
status=0
for t in $targets; do
    wait "${pids[$t]}" || true
    stats=$(grep -E '^stat::(number_of_executed_units|peak_rss_mb)' "fuzz/logs/$t.log" | tr -s ' ' | tr '\n' ' ')
    found=$(find "fuzz/artifacts/$t" -type f -newer "$started" | wc -l)
    echo "$t: ${used[$t]:-?} CPU s; ${stats}new artifacts: $found"
    [ "$found" -eq 0 ] || status=1
done
exit "$status"
