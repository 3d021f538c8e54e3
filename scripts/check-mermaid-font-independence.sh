#!/bin/sh
# Checks that rendered Mermaid diagrams do not depend on the fonts installed on the machine:
# renders a diagram of each common kind normally, then again in a private mount namespace where
# the system and user font folders are empty and the renderer's font cache is elsewhere, and
# compares the two sets byte for byte. Needs Linux and root (unshare -m).
set -eu
cd "$(dirname "$0")/.."
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
mkdir -p "$out/empty" "$out/with-fonts" "$out/no-fonts" "$out/home"

cargo test --lib write_font_probe -- --ignored --quiet >/dev/null
RB_SITE_FONT_PROBE_DIR="$out/with-fonts" cargo test --lib write_font_probe -- --ignored --quiet >/dev/null

test_binary=$(cargo test --lib --no-run --message-format=json 2>/dev/null \
  | sed -n 's/.*"executable":"\([^"]*\)".*/\1/p' | tail -n 1)
unshare -m sh -c "
  for dir in /usr/share/fonts /usr/local/share/fonts \"\$HOME/.local/share/fonts\" \"\$HOME/.fonts\"; do
    [ -d \"\$dir\" ] && mount --bind '$out/empty' \"\$dir\"
  done
  HOME='$out/home' XDG_CACHE_HOME='$out/home/cache' FONTCONFIG_FILE=/dev/null \
    RB_SITE_FONT_PROBE_DIR='$out/no-fonts' '$test_binary' write_font_probe --ignored --quiet >/dev/null
"
if diff -r "$out/with-fonts" "$out/no-fonts"; then
  echo "OK: $(ls "$out/with-fonts" | wc -l) diagrams are byte-identical with and without installed fonts"
else
  echo "FAIL: diagram output depends on installed fonts" >&2
  exit 1
fi
