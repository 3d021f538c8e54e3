#!/usr/bin/env bash
# Build benchmark: median wall time, CPU time and peak memory of `rb-site build` on generated
# sites of 1,000 and 10,000 runbooks (every fifth has a Mermaid flowchart), beside a baseline
# measured in the same run (copying the content folder: the I/O floor of any generator).
#
# One cold build (no `.rb-site-cache`) lays out every diagram and highlights every code block;
# the timed builds then start from an empty output folder with the caches warm, which is what
# CI sees when it keeps `.rb-site-cache` between runs. Each timed build writes a folder of its
# own, and nothing is deleted until the end: on ext4 without a journal (this VM), creating files
# within about five minutes of deleting tens of thousands is several times slower (the inode
# allocator skips recently freed inodes), which would measure the clean-up, not the build. For
# the same reason, leave five minutes between two runs of this script (or of anything that
# deletes a large output folder) and the next.
# The machine is shared and noisy: read medians only.
#
#   scripts/bench-build.sh [RUNS]        (default 5 runs per size)
#   BENCH_OUT=/dev/shm/rb scripts/bench-build.sh    (outputs on tmpfs: the CPU cost alone)
#
# Needs ../shared/bench/gen_corpus.py (Python 3). Writes generated sites under target/bench-sites/.
set -euo pipefail
cd "$(dirname "$0")/.."
runs="${1:-5}"
gen=../shared/bench/gen_corpus.py
[ -f "$gen" ] || { echo "SKIPPED: $gen not found" >&2; exit 0; }
cargo build --release --quiet
bin=$PWD/target/release/rb-site
out="${BENCH_OUT:-$PWD/target/bench-sites/out}"
# A previous run's outputs are moved aside (a rename costs nothing) and deleted at the end.
trash="$out.old.$$"
[ -e "$out" ] && mv "$out" "$trash"
mkdir -p target/bench-sites "$out"
t=$PWD/target/bench-sites/t

source scripts/bench-common.sh

for n in 1000 10000; do
  site="target/bench-sites/gen$n"
  [ -d "$site" ] || python3 "$gen" "$n" "$site" --flavor rbsite >/dev/null
  rm -rf "$site/.rb-site-cache"
  /usr/bin/time -f "%e %U %S" -o "$t" "$bin" build --quiet --root "$site" --dest "$out/$n-cold" 2>/dev/null
  read -r cold cold_user cold_sys < "$t"
  walls=(); cpus=(); mems=(); base=()
  for i in $(seq "$runs"); do
    /usr/bin/time -f "%e %U %S %M" -o "$t" "$bin" build --quiet --root "$site" --dest "$out/$n-$i" 2>/dev/null
    read -r wall user sys mem < "$t"
    walls+=("$wall"); mems+=("$mem"); cpus+=("$(awk -v u="$user" -v s="$sys" 'BEGIN { print u + s }')")
    /usr/bin/time -f "%e" -o "$t" cp -r "$site/content" "$out/$n-copy-$i"
    base+=("$(cat "$t")")
  done
  # A rebuild with nothing changed: the spare generation is updated in place, then swapped.
  "$bin" build --quiet --root "$site" --dest "$out/$n-1" 2>/dev/null
  /usr/bin/time -f "%e" -o "$t" "$bin" build --quiet --root "$site" --dest "$out/$n-1" 2>/dev/null
  warm=$(cat "$t")
  wall=$(printf '%s\n' "${walls[@]}" | median)
  cpu=$(printf '%s\n' "${cpus[@]}" | median)
  mem=$(printf '%s\n' "${mems[@]}" | median)
  b=$(printf '%s\n' "${base[@]}" | median)
  pps=$(awk -v n="$n" -v t="$wall" 'BEGIN { printf "%.0f", n / t }')
  echo "$n runbooks: median build ${wall}s wall (${pps} runbooks/s), ${cpu}s CPU (user+sys), peak RSS $((mem / 1024)) MiB; no-change rebuild ${warm}s; cold caches ${cold}s wall (${cold_user}s user, ${cold_sys}s sys); baseline cp -r content ${b}s"
  echo "  walls: ${walls[*]}"
done
rm -rf "$out" "$trash"
