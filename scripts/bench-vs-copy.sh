#!/usr/bin/env bash
# A warm build against a copy of its own output (issue 16, item 1: "≤ 1.5x the time to copy its
# own output folder, measured in the same run"), with `sync` after each, so that the figures are
# what the disk takes and not what the page cache absorbs.
#
#   scripts/bench-vs-copy.sh [ROUNDS] [OTHER_RB_SITE...]   (default 5 rounds)
#   BENCH_OUT=/dev/shm/rbc scripts/bench-vs-copy.sh          (outputs on tmpfs: the CPU cost alone)
#   BENCH_SITE=DIR scripts/bench-vs-copy.sh                  (another site; default: 10,000 generated runbooks)
#
# In each round, for this checkout's release build and then each other binary given (an A/B of
# two commits in one series): a build into a fresh folder, then `sync`; the same build again with
# nothing changed (it writes no file); and `rb-site check`. Then `cp -r` of this checkout's
# output of that round, then `sync`. Every timed run writes a folder of its own, deleted only at
# the end: on ext4, creating files within minutes of deleting tens of thousands is several times
# slower (see scripts/bench-build.sh), so leave five minutes between this script and anything
# that deleted a large folder. Prints medians (wall, user, sys, peak RSS) and the build / copy
# ratio, as a median and round by round. Read medians only: the machine is noisy.
#
# Needs ../shared/bench/gen_corpus.py (Python 3) for the default site, and GNU time (/usr/bin/time).
set -euo pipefail
cd "$(dirname "$0")/.."
rounds="${1:-5}"
shift || true
[ -x /usr/bin/time ] || { echo "SKIPPED: /usr/bin/time (GNU time) not installed" >&2; exit 0; }

cargo build --release --quiet
bins=("$PWD/target/release/rb-site")
for other in "$@"; do bins+=("$(realpath "$other")"); done

site="${BENCH_SITE:-}"
if [ -z "$site" ]; then
  gen=../shared/bench/gen_corpus.py
  [ -f "$gen" ] || { echo "SKIPPED: $gen not found" >&2; exit 0; }
  site=$PWD/target/bench-sites/gen10000
  [ -d "$site" ] || python3 "$gen" 10000 "$site" --flavor rbsite >/dev/null
fi
out="${BENCH_OUT:-$PWD/target/bench-sites/vs-copy}"
trash="$out.old.$$"
[ -e "$out" ] && mv "$out" "$trash"
mkdir -p "$out"
t=$(mktemp)

echo "site $site ($(find "$site" -name '*.md' | wc -l) Markdown files), $rounds rounds"
echo "load average at the start $(cut -d' ' -f1-3 /proc/loadavg)"
# Untimed: fills the caches (diagram layouts, highlighting) and reads the site into memory.
"${bins[0]}" build --quiet --root "$site" --dest "$out/warmup" 2>/dev/null
sync

declare -A wall user sys rss
source scripts/bench-common.sh
then_sync='"$@" && sync'
last() { tr ' ' '\n' | grep . | tail -1; }
ratios=""
for i in $(seq "$rounds"); do
  for b in "${!bins[@]}"; do
    bin=${bins[$b]}
    record "build $b" bash -c "$then_sync" _ "$bin" build --quiet --root "$site" --dest "$out/b$b-$i"
    record "no-change $b" "$bin" build --quiet --root "$site" --dest "$out/b$b-$i"
    record "check $b" "$bin" check --root "$site"
  done
  record "cp -r" bash -c "$then_sync" _ cp -r "$out/b0-$i" "$out/cp-$i"
  ratios+="$(awk -v a="$(echo "${wall[build 0]}" | last)" -v b="$(echo "${wall[cp -r]}" | last)" \
    'BEGIN { printf "%.2f", a / b }') "
  echo "round $i done (load average $(cut -d' ' -f1 /proc/loadavg))" >&2
done

printf '%-14s %8s %8s %8s %10s\n' run "wall s" "user s" "sys s" "peak MiB"
row() {
  printf '%-14s %8s %8s %8s %10s\n' "$2" "$(echo "${wall[$1]}" | median)" \
    "$(echo "${user[$1]}" | median)" "$(echo "${sys[$1]}" | median)" \
    "$(( $(echo "${rss[$1]}" | median | cut -d. -f1) / 1024 ))"
}
for b in "${!bins[@]}"; do
  echo "binary $b: ${bins[$b]} ($("${bins[$b]}" --version))"
  row "build $b" "  build + sync"
  row "no-change $b" "  no change"
  row "check $b" "  check"
done
row "cp -r" "cp -r + sync"
cp_wall=$(echo "${wall[cp -r]}" | median)
for b in "${!bins[@]}"; do
  echo "binary $b: build / copy $(awk -v a="$(echo "${wall[build $b]}" | median)" -v c="$cp_wall" \
    'BEGIN { printf "%.2fx", a / c }') (medians)"
done
echo "binary 0, round by round: $ratios(median $(echo "$ratios" | median))"
echo "files: $(find "$out/b0-1" -type f | wc -l), folders: $(find "$out/b0-1" -type d | wc -l)"
echo "load average at the end $(cut -d' ' -f1-3 /proc/loadavg)"
rm -f "$t"
rm -rf "$out" "$trash"
