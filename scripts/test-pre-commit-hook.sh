#!/usr/bin/env bash
# Tests .pre-commit-hooks.yaml with the real pre-commit, from PyPI into a temporary venv:
# a commit of a good site passes, a commit that breaks a runbook fails with rb-site's error.
# Uses the `rb-site-check-system` hook with the rb-site built in target/ (RB_SITE overrides).
# Exit 0: passed; 1: failed; 3: skipped (no python3 or no venv module), with the reason on stderr.
set -euo pipefail
cd "$(dirname "$0")/.."
repo="$PWD"
rb_site="${RB_SITE:-$repo/target/debug/rb-site}"

skip() {
  echo "SKIPPED: pre-commit hook test: $1" >&2
  exit 3
}
command -v python3 >/dev/null 2>&1 || skip "python3 is not installed"
command -v git >/dev/null 2>&1 || skip "git is not installed"
[ -x "$rb_site" ] || { echo "FAILED: no rb-site binary at $rb_site (run cargo build)" >&2; exit 1; }

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
python3 -m venv "$work/venv" >/dev/null 2>&1 || skip "python3 cannot create a venv (apt-get install python3-venv)"
"$work/venv/bin/pip" install --quiet --disable-pip-version-check pre-commit
export PATH="$work/venv/bin:$(dirname "$rb_site"):$PATH"
export PRE_COMMIT_HOME="$work/pre-commit-cache"
git_quiet() { git -c user.name=t -c user.email=t@example.com -c init.defaultBranch=main -c commit.gpgsign=false "$@"; }

# The hook repository: this repository's .pre-commit-hooks.yaml, committed in a scratch repo
# (pre-commit needs a rev; the system hook needs no sources).
mkdir "$work/hooks"
cp .pre-commit-hooks.yaml "$work/hooks/"
(cd "$work/hooks" && git_quiet init -q && git_quiet add . && git_quiet commit -qm hooks)
rev="$(git -C "$work/hooks" rev-parse HEAD)"

# The runbook repository: a clean fixture site with the hook installed.
mkdir "$work/runbooks"
cp -r tests/fixtures/validate-clean/. "$work/runbooks/"
cd "$work/runbooks"
cat > .pre-commit-config.yaml <<YAML
repos:
  - repo: $work/hooks
    rev: $rev
    hooks:
      - id: rb-site-check-system
YAML
git_quiet init -q
pre-commit install >/dev/null

git_quiet add .
if ! git_quiet commit -qm "good runbooks" >"$work/good.log" 2>&1; then
  cat "$work/good.log" >&2
  echo "FAILED: the commit of a clean site was rejected" >&2
  exit 1
fi

# Break a runbook: delete its rollback section.
sed -i '/^## .*Roll back/,$d' content/db/failover.md
git_quiet add content/db/failover.md
if git_quiet commit -qm "broken runbook" >"$work/broken.log" 2>&1; then
  cat "$work/broken.log" >&2
  echo "FAILED: the commit of a runbook without a rollback section was accepted" >&2
  exit 1
fi
if ! grep -q 'error\[missing-section\]' "$work/broken.log" \
  || ! grep -q 'content/db/failover.md' "$work/broken.log"; then
  cat "$work/broken.log" >&2
  echo "FAILED: the rejected commit did not show rb-site's missing-section error" >&2
  exit 1
fi
echo "pre-commit hook test: a clean commit passed, a commit without a rollback section was rejected" >&2
