#!/usr/bin/env bash
# Seed corpora for the cargo-fuzz targets in fuzz/, built from the test fixtures and the real
# runbooks and rule files in ../shared/corpus (when present). Nothing is copied into the
# repository: the seeds go to fuzz/corpus/<target>/ (ignored by git), named by content hash.
#
#   scripts/fuzz-corpus.sh          (rebuilds every target's seeds; libFuzzer's finds are kept)
set -euo pipefail
cd "$(dirname "$0")/.."
shared=../shared/corpus
sources=()
for dir in tests/fixtures tests/corpora "$shared"; do
    if [ -d "$dir" ]; then
        sources+=("$dir")
    else
        echo "fuzz-corpus: $dir not found, not seeding from it" >&2
    fi
done

# seed TARGET FILE: copies FILE into TARGET's corpus under its hash (duplicates collapse).
seed() {
    local dir=fuzz/corpus/$1
    mkdir -p "$dir"
    cp "$2" "$dir/seed-$(sha1sum "$2" | cut -c1-16)"
}

# Files above 64 KB slow libFuzzer down without adding shapes the smaller ones lack.
find "${sources[@]}" -type f -size -64k \( -name '*.md' -o -name '*.markdown' \) -print0 2>/dev/null |
    while IFS= read -r -d '' file; do
        seed page "$file"
        # Front matter seeds: the files that have a block.
        if head -c 4 "$file" | grep -qE '^(---|\+\+\+)'; then seed front_matter "$file"; fi
    done
# Mermaid seeds: each ```mermaid block of the Markdown files, on its own.
blocks=$(mktemp -d)
find "${sources[@]}" -type f \( -name '*.md' -o -name '*.markdown' \) -print0 2>/dev/null |
    xargs -0 -r awk -v out="$blocks" '
        /^[ \t]*(```|~~~)[ \t]*mermaid/ { inside = 1; n += 1; file = out "/" n; next }
        inside && /^[ \t]*(```|~~~)/ { inside = 0; close(file); next }
        inside { print > file }'
for block in "$blocks"/*; do
    [ -s "$block" ] && seed mermaid "$block"
done
rm -rf "$blocks"
find "${sources[@]}" -type f -size -64k \( -name '*.yml' -o -name '*.yaml' \) -print0 2>/dev/null |
    while IFS= read -r -d '' file; do
        if grep -q 'groups:' "$file"; then seed rule_file "$file"; fi
    done
find "${sources[@]}" -type f -name 'book.toml' -print0 2>/dev/null |
    while IFS= read -r -d '' file; do seed book_toml "$file"; done
# Request targets: every page URL the fixtures would have, and the shapes serve must refuse.
tmp=$(mktemp)
trap 'rm -f "$tmp"' EXIT
{
    find tests/fixtures -path '*/content/*.md' | sed -E 's#^tests/fixtures/[^/]+/content##; s#(/index|/_index)?\.md$#/#'
    printf '%s\n' / /index.html /db /db/ '/db/failover/?q=1#x' /__rb/events /__rb/live.js \
        /../etc/passwd /%2e%2e/%2e%2e/etc/passwd '/a%2fb' '/a%5cb' '/%00' '/%ff%fe' '//x//y/./z' \
        '/search.json?q=%3Cscript%3E' '*' 'http://example.com/db/'
} | while IFS= read -r url; do
    printf '%s' "$url" >"$tmp"
    seed request_path "$tmp"
done
for target in fuzz/corpus/*/; do
    echo "fuzz-corpus: $(ls "$target" | wc -l) seeds in $target" >&2
done
