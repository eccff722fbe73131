#!/bin/sh
# A benchmark, not a test: `gen serve` (release build) on a temporary copy
# of this project's inputs, under REQUESTS requests at CONCURRENCY
# connections on loopback, with latency percentiles; then the time from a
# spec save to the reload event, over EDITS saves.
#
#   scripts/serve-load.sh [REQUESTS [CONCURRENCY [EDITS]]]   # 10000 32 10
#
# SERVE_LOAD_FROM=DIR copies the inputs from DIR instead of this checkout
# (e.g. an export of another commit: git archive HEAD | tar -x -C DIR).
#
# Load tool: oha (cargo install oha) when on PATH, else wrk (installed with
# apt-get when missing). Nothing in the work tree is written.
set -eu
cd "$(dirname "$0")/.."
requests=${1:-10000}
concurrency=${2:-32}
edits=${3:-10}

cargo build --release --quiet
gen=${CARGO_TARGET_DIR:-$PWD/target}/release/gen
[ -x "$gen" ] || { echo "serve-load: no $gen" >&2; exit 2; }

tmp=$(mktemp -d)
pid=
cleanup() {
  if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then kill "$pid"; fi
  rm -rf "$tmp"
}
trap cleanup EXIT

# The project as gen reads it: specs, template overrides, hand-written docs,
# and the hand-written files it merges into.
from=${SERVE_LOAD_FROM:-.}
mkdir "$tmp/project"
for p in specs templates docs charts Makefile; do
  if [ -e "$from/$p" ]; then cp -R "$from/$p" "$tmp/project/"; fi
done

"$gen" --root "$tmp/project" serve --port 0 2>"$tmp/serve.log" &
pid=$!
url=
i=0
while [ -z "$url" ]; do
  url=$(sed -n 's|.*serving \(http://[^/]*\)/.*|\1|p' "$tmp/serve.log")
  i=$((i + 1))
  if [ "$i" -gt 600 ] || ! kill -0 "$pid" 2>/dev/null; then
    cat "$tmp/serve.log" >&2
    echo "serve-load: gen serve did not start" >&2
    exit 1
  fi
  [ -n "$url" ] || sleep 0.1
done
grep '^gen serve: first build' "$tmp/serve.log" || {
  echo "serve-load: the first build failed; serving the error page only" >&2
}
echo "status: $(curl -s "$url/__gen/status" | cut -c1-200)"

target="$url/"
code=$(curl -s -o /dev/null -w '%{http_code}' "$target")
if [ "$code" != 200 ]; then
  echo "serve-load: / answers $code (no site/index.html in the outputs yet); loading /__gen/reload.js instead"
  target="$url/__gen/reload.js"
fi
bytes=$(curl -s "$target" | wc -c)
echo "load: $requests requests, concurrency $concurrency, GET $target ($bytes bytes)"

if command -v oha >/dev/null; then
  oha --no-tui -n "$requests" -c "$concurrency" "$target" | tee "$tmp/load.txt"
  if grep -q '^Error distribution' "$tmp/load.txt"; then
    echo "serve-load: requests failed" >&2
    exit 1
  fi
else
  if ! command -v wrk >/dev/null; then
    apt-get install -y -qq wrk >/dev/null || {
      echo "serve-load: install oha (cargo install oha) or wrk (apt-get install wrk)" >&2
      exit 2
    }
  fi
  # wrk runs for a duration; this stops each of its 2 threads after its
  # share of the requests.
  cat >"$tmp/count.lua" <<EOF
local done = 0
function response(status)
  if status ~= 200 then print("status " .. status) end
  done = done + 1
  if done >= $((requests / 2)) then wrk.thread:stop() end
end
EOF
  wrk -t2 -c"$concurrency" -d120s --latency -s "$tmp/count.lua" "$target" | tee "$tmp/load.txt"
  if grep -qE '^status |Socket errors|Non-2xx' "$tmp/load.txt"; then
    echo "serve-load: requests failed" >&2
    exit 1
  fi
fi

# Save to reload: append a comment to a spec, time until the event arrives.
spec=$(find "$tmp/project/specs" -maxdepth 1 -name '*.yaml' | sort | head -n 1)
python3 - "$url" "$spec" "$edits" <<'EOF'
import socket, statistics, sys, time
url, spec, edits = sys.argv[1], sys.argv[2], int(sys.argv[3])
host, port = url.removeprefix("http://").rsplit(":", 1)
s = socket.create_connection((host, int(port)), timeout=60)
# gen serve answers only a Host it serves (DNS rebinding): its own address.
s.sendall(f"GET /__gen/events HTTP/1.1\r\nHost: {host}:{port}\r\n\r\n".encode())
f = s.makefile("rb")
def event():
    name = None
    for line in f:
        line = line.decode().rstrip("\r\n")
        if line.startswith("event: "):
            name = line[7:]
        elif line == "" and name:
            return name
    raise SystemExit("event stream closed")
while f.readline() not in (b"\r\n", b""):
    pass
assert event() == "hello"
times, names = [], set()
for i in range(edits):
    time.sleep(0.3)
    start = time.perf_counter()
    with open(spec, "a") as out:
        out.write(f"# serve-load edit {i}\n")
    names.add(event())
    times.append((time.perf_counter() - start) * 1000)
times.sort()
# `reload` after a good build; `build-error` when the inputs do not build.
print(f"save to {'/'.join(sorted(names))} event over {edits} saves of {spec.rsplit('/', 1)[1]}: "
      f"min {times[0]:.0f} ms, median {statistics.median(times):.0f} ms, max {times[-1]:.0f} ms")
EOF
grep 'changed: ' "$tmp/serve.log" | tail -n 3

kill -INT "$pid"
wait "$pid" && status=0 || status=$?
pid=
echo "gen serve stopped on SIGINT with exit code $status"
[ "$status" = 0 ]
