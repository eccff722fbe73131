#!/bin/sh
# Whole-process benchmark of gen's site build against Hugo, mdBook and
# Pagefind on the same generated corpus (issue 7). Installs what it needs,
# builds gen in release mode, then runs bench/bench.py, which prints
# medians, ratios to gen, peak RSS and the search numbers.
#
#   scripts/bench.sh                       # 300 and 3,000 pages
#   scripts/bench.sh --pages 300 --rounds 3
#   scripts/bench.sh --help                # every option
#
# Tools: Hugo from Debian, mdBook 0.5.4 from crates.io (compiled once into
# $BENCH_TOOLS/mdbook, a few minutes), Pagefind 1.6.0 from the npm registry
# (its bundled binary, in $BENCH_TOOLS/bench), GNU time from Debian.
# BENCH_TOOLS is .tools unless set (a worktree whose .tools is shared can
# keep its benchmark tools apart).
set -eu
cd "$(dirname "$0")/.."
T=${BENCH_TOOLS:-.tools}

apt_install() {
  [ -n "${APT_UPDATED:-}" ] || { apt-get update -qq; APT_UPDATED=1; }
  apt-get install -y -qq "$@" >/dev/null
}
command -v hugo >/dev/null || apt_install hugo
[ -x /usr/bin/time ] || apt_install time
command -v node >/dev/null || apt_install nodejs npm
# mdBook takes minutes to compile: only when it is benchmarked (the
# default tools, or a --tools list that names it).
tools_arg=
prev=
for a in "$@"; do
  case "$a" in --tools=*) tools_arg=${a#--tools=} ;; esac
  [ "$prev" = --tools ] && tools_arg=$a
  prev=$a
done
case "${tools_arg:-mdbook}" in
  *mdbook*)
    if [ ! -x "$T/mdbook/bin/mdbook" ]; then
      cargo install --locked --quiet mdbook --version 0.5.4 --root "$T/mdbook"
    fi
    echo "mdbook: $("$T/mdbook/bin/mdbook" --version)" ;;
esac
if [ ! -x "$T/bench/node_modules/.bin/pagefind" ]; then
  mkdir -p "$T/bench"
  [ -f "$T/bench/package.json" ] || echo '{"private": true}' >"$T/bench/package.json"
  (cd "$T/bench" && npm install --no-audit --no-fund --silent pagefind@1.6.0)
fi
if [ -z "${GEN:-}" ]; then
  cargo build --release --quiet
  GEN=target/release/gen
fi

echo "gen: $($GEN --version)"
hugo version | cut -d' ' -f1-2
echo "pagefind: $("$T/bench/node_modules/.bin/pagefind" --version)"
echo "node: $(node --version); $(nproc) cores; $(free -g | awk '/Mem:/ {print $2}') GiB"
exec python3 bench/bench.py --gen "$GEN" --mdbook "$T/mdbook/bin/mdbook" \
  --pagefind "$T/bench/node_modules/.bin/pagefind" "$@"
