#!/usr/bin/env bash
# Build benchmark: median wall time and peak memory of `rb-site build` on generated sites of
# 1,000 and 10,000 runbooks, beside a baseline measured in the same run (copying the content
# folder: the I/O floor of any generator). The machine is shared and noisy: read medians only.
#
#   scripts/bench-build.sh [RUNS]        (default 5 runs per size)
#
# Needs ../shared/bench/gen_corpus.py (Python 3). Writes generated sites under target/bench-sites/.
set -euo pipefail
cd "$(dirname "$0")/.."
runs="${1:-5}"
gen=../shared/bench/gen_corpus.py
[ -f "$gen" ] || { echo "SKIPPED: $gen not found" >&2; exit 0; }
cargo build --release --quiet
bin=target/release/rb-site
mkdir -p target/bench-sites

median() { sort -n | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }

for n in 1000 10000; do
  site="target/bench-sites/gen$n"
  [ -d "$site" ] || python3 "$gen" "$n" "$site" --flavor rbsite >/dev/null
  times=(); mems=(); base=()
  for _ in $(seq "$runs"); do
    rm -rf "$site/site" "$site/.site.rb-site-prev" "$site/.rb-site-cache" target/bench-sites/copy
    /usr/bin/time -f "%e %M" -o target/bench-sites/t "$bin" build --quiet --root "$site"
    read -r t m < target/bench-sites/t; times+=("$t"); mems+=("$m")
    /usr/bin/time -f "%e" -o target/bench-sites/t cp -r "$site/content" target/bench-sites/copy
    base+=("$(cat target/bench-sites/t)")
  done
  # A rebuild with nothing changed: the spare generation is updated in place, then swapped.
  /usr/bin/time -f "%e" -o target/bench-sites/t "$bin" build --quiet --root "$site"
  warm=$(cat target/bench-sites/t)
  t=$(printf '%s\n' "${times[@]}" | median)
  m=$(printf '%s\n' "${mems[@]}" | median)
  b=$(printf '%s\n' "${base[@]}" | median)
  pps=$(awk -v n="$n" -v t="$t" 'BEGIN { printf "%.0f", n / t }')
  echo "$n runbooks: median build ${t}s (${pps} runbooks/s), peak RSS $((m / 1024)) MiB, rebuild ${warm}s; baseline cp -r content: ${b}s"
done
