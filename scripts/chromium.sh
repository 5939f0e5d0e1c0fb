#!/usr/bin/env bash
# Makes sure a Chromium is available for the playground's browser tests
# (internal/cli/playground_cmd_test.go): installs Debian's chromium when
# none is on PATH, and prints the browser's path (the last line of
# output). In CI (CI set) a failed install fails; elsewhere it only warns,
# and the browser tests skip with a message saying so.
set -euo pipefail

for name in chromium chromium-browser google-chrome; do
  if command -v "$name" >/dev/null 2>&1; then
    command -v "$name"
    exit 0
  fi
done

echo "chromium.sh: installing chromium from Debian's packages" >&2
export DEBIAN_FRONTEND=noninteractive
SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
if $SUDO apt-get update -qq >&2 && $SUDO apt-get install -y -qq chromium >&2; then
  command -v chromium
  exit 0
fi
if [ -n "${CI:-}" ]; then
  echo "chromium.sh: could not install chromium; the browser tests need it" >&2
  exit 1
fi
echo "chromium.sh: could not install chromium; the browser tests will be skipped" >&2
