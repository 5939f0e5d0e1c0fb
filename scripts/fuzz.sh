#!/usr/bin/env bash
# Runs every fuzz target in the module for FUZZTIME each (default 30s)
# and prints the execution counts. Usage: scripts/fuzz.sh [FUZZTIME]
set -euo pipefail
fuzztime="${1:-${FUZZTIME:-30s}}"
export REDIS_URL="$(scripts/redis.sh | tail -n1)"
grep -rl --include='*_test.go' '^func Fuzz' . | sort | while read -r file; do
  pkg="./$(dirname "${file#./}")"
  grep -o '^func Fuzz[A-Za-z0-9_]*' "$file" | sed 's/^func //' | while read -r target; do
    echo "== $pkg $target ($fuzztime)"
    go test -run='^$' -fuzz="^${target}\$" -fuzztime="$fuzztime" "$pkg" 2>&1 | grep -E 'execs|PASS|FAIL|ok|panic' | tail -3
  done
done
