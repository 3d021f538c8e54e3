#!/usr/bin/env bash
# Side by side: rb-site's search index and Pagefind on the same generated site.
#
#   scripts/bench-search-vs-pagefind.sh [N...]      (default: 1000 10000)
#
# For each N: generates N runbooks (../shared/bench/gen_corpus.py, kept in /tmp/genN), runs
# `cargo bench --bench search` on them (index build time, median of runs, CPU time) under
# /usr/bin/time -v (peak memory), writing a browsable site to /tmp/site-genN (one HTML page per
# runbook, the search box, our index); copies that site without our index and runs
# `pagefind --site` on it under /usr/bin/time -v; compares index size on disk; and measures in
# headless Chromium the bytes a browser transfers for a first and a second query, and the query
# latency, for both (scripts/measure-search-transfer.mjs).
#
# Needs: python3, `pip install 'pagefind[bin]'` (run as `python3 -m pagefind`), node,
# playwright-core (tests/browser/node_modules) and /usr/bin/chromium.
# Until `rb-site build` exists the bench parses the Markdown itself (search::fixture); the
# "records" time includes reading every page's events, the "build_index" time is the assembly,
# and "index build" is the two together.
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
shared="$here/../shared"; [ -d "$shared" ] || shared="$here/../../shared"
sizes=("${@:-1000 10000}")
# shellcheck disable=SC2206
sizes=(${sizes[*]})
first="${FIRST_QUERY:-connection pool exhausted}"
second="${SECOND_QUERY:-certificate expiring}"

cd "$here"
cargo bench --bench search --no-run >/dev/null 2>&1
for n in "${sizes[@]}"; do
  gen="/tmp/gen$n"; site="/tmp/site-gen$n"; pf="/tmp/pf-site$n"
  [ -d "$gen/content" ] || python3 "$shared/bench/gen_corpus.py" "$n" "$gen" --flavor rbsite >/dev/null
  echo "== $n runbooks"
  echo "-- rb-site (cargo bench --bench search -- $gen --write $site)"
  /usr/bin/time -v cargo bench --bench search -- "$gen" --write "$site" 2>/tmp/rb-time-$n.txt | grep -v '^$'
  grep -E "Maximum resident|Elapsed" /tmp/rb-time-$n.txt | sed 's/^\s*/   (whole bench process) /'
  rm -rf "$pf"; cp -r "$site" "$pf"; rm -rf "$pf/search"
  echo "-- pagefind (python3 -m pagefind --site $pf)"
  /usr/bin/time -v python3 -m pagefind --site "$pf" >/tmp/pf-log-$n.txt 2>/tmp/pf-time-$n.txt
  grep -E "Finished in" /tmp/pf-log-$n.txt | sed 's/^/   /'
  grep -E "Maximum resident|Elapsed" /tmp/pf-time-$n.txt | sed 's/^\s*/   /'
  echo "-- index size on disk (apparent bytes, files)"
  printf '   rb-site  %s bytes, %s files\n' "$(du -sb "$site/search" | cut -f1)" "$(find "$site/search" -type f | wc -l)"
  printf '   pagefind %s bytes, %s files\n' "$(du -sb "$pf/pagefind" | cut -f1)" "$(find "$pf/pagefind" -type f | wc -l)"
  echo "-- transfer and latency in headless Chromium ('$first', then '$second')"
  node scripts/measure-search-transfer.mjs "$site" "$pf" "$first" "$second"
done
