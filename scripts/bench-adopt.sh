#!/bin/sh
# Adoption benchmark (issue 13): a temporary copy of the real collection
# (../shared/collection, or $GEN_SHARED_DIR/collection) with this
# repository's specs is adopted once, then hyperfine times
#   - a cold `gen build`: generated outputs, the site and gen's chart-facts
#     cache (.gen/) deleted before each run, so Helm renders every chart;
#   - a warm-cache build after the outputs are deleted (facts cached);
#   - a no-op `gen build` and `gen check`.
#
#   scripts/bench-adopt.sh [RUNS]        # default 10 runs each
#
# Tools: hyperfine from Debian; Helm through scripts/helm (helm-sdkpy under
# .tools/, which scripts/test installs).
set -eu
cd "$(dirname "$0")/.."
RUNS="${1:-10}"
SHARED="${GEN_SHARED_DIR:-../shared}"
command -v hyperfine >/dev/null || { apt-get update -qq; apt-get install -y -qq hyperfine >/dev/null; }
[ -n "${GEN:-}" ] || { cargo build --release --quiet; GEN="$PWD/target/release/gen"; }
HELM="$PWD/scripts/helm"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
cp -r "$SHARED/collection" "$WORK/repo"
cp -r specs "$WORK/repo/specs"
cd "$WORK/repo"
"$GEN" --helm "$HELM" adopt >/dev/null 2>&1
"$GEN" --helm "$HELM" build >/dev/null 2>&1
git init -q . && git add -A && git -c user.name=b -c user.email=b@b commit -qm adopted
# What a cold build must write again: every file gen generated (its mark),
# the site and the facts cache. `git stash -u` would also take hand edits.
PREP_COLD='rm -rf site .gen && git checkout -q -- . '
PREP_WARM='rm -rf site'
echo "gen $("$GEN" --version), $(nproc) cores, collection $(find charts -mindepth 1 -maxdepth 1 -type d | wc -l) charts, $(find specs -maxdepth 1 -name "*.yaml" | wc -l) specs"
hyperfine --runs "$RUNS" --warmup 1 --export-markdown "$WORK/cold.md" \
  --prepare "$PREP_COLD" -n "cold build (no facts cache, no site)" "$GEN --quiet --helm $HELM build" \
  --prepare "$PREP_WARM" -n "build, facts cached, no site" "$GEN --quiet --helm $HELM build" \
  --prepare true -n "no-op build" "$GEN --quiet --helm $HELM build" \
  --prepare true -n "check" "$GEN --quiet --helm $HELM check"
cat "$WORK/cold.md"
