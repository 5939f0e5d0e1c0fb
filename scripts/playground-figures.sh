#!/usr/bin/env bash
# The playground's figures, as the README states them: build the binary
# (without -tags nodemo, so the playground is in it), start
# `chataccess playground` RUNS times and measure, for each, the time
# from exec until the page's state API answers and the resident memory
# (VmRSS in /proc/<pid>/status) at that moment; then, once, the memory
# after the whole scenario was played through the page's API.
# Usage: scripts/playground-figures.sh   (RUNS=5 by default; Linux only)
set -euo pipefail
GO="${GO:-go}"
RUNS="${RUNS:-5}"
dir="$(mktemp -d)"
pid=""
cleanup() { [ -n "$pid" ] && kill "$pid" 2>/dev/null; rm -rf "$dir"; }
trap cleanup EXIT

"$GO" build -trimpath -ldflags "-s -w" -o "$dir/chataccess" .
state="api/state?as=U0DEMOLEAD1"

# start runs the playground and sets pid, url and ms (time to ready).
start() {
  : >"$dir/out"
  local t0 t1
  t0="$(date +%s%N)"
  "$dir/chataccess" playground --listen 127.0.0.1:0 >"$dir/out" 2>"$dir/err" &
  pid=$!
  url=""
  for _ in $(seq 1 1000); do
    url="$(sed -n 's/^chataccess playground: //p' "$dir/out")"
    [ -n "$url" ] && curl -fsS -o /dev/null "$url$state" 2>/dev/null && break
    sleep 0.005
  done
  t1="$(date +%s%N)"
  [ -n "$url" ] || { echo "the playground printed no URL:"; cat "$dir/err"; exit 1; }
  ms=$(( (t1 - t0) / 1000000 ))
}

rss() { awk '/^VmRSS/ {printf "%.1f", $2 / 1024}' "/proc/$pid/status"; }

stop() { kill "$pid"; wait "$pid" 2>/dev/null || true; pid=""; }

echo "chataccess playground, built binary, $(nproc) CPUs, $("$GO" env GOVERSION)"
for i in $(seq 1 "$RUNS"); do
  start
  echo "run $i: ready in $ms ms, VmRSS $(rss) MB"
  stop
done

start
curl -fsS -o /dev/null -H 'Content-Type: application/json' -d '{"as":"U0DEMOLEAD1","all":true}' "${url}api/scenario"
for _ in $(seq 1 1200); do
  curl -fsS "$url$state" | grep -q '"next":6' && break
  sleep 0.1
done
echo "after the whole scenario (6 steps): VmRSS $(rss) MB"
stop
