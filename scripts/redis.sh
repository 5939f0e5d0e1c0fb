#!/usr/bin/env bash
# Makes sure a Redis server is available for the tests: installs Debian's
# redis-server when it is missing, starts one when none answers, and
# prints the REDIS_URL the tests should use (the last line of output).
set -euo pipefail

url="${REDIS_URL:-redis://127.0.0.1:6379/0}"
hostport="${url#*://}"; hostport="${hostport#*@}"; hostport="${hostport%%/*}"
host="${hostport%%:*}"; port="${hostport##*:}"
[ "$port" = "$hostport" ] && port=6379

ping() { redis-cli -h "$host" -p "$port" ping 2>/dev/null | grep -q PONG; }

if ! command -v redis-server >/dev/null 2>&1 || ! command -v redis-cli >/dev/null 2>&1; then
  echo "redis.sh: installing redis-server from Debian's packages" >&2
  export DEBIAN_FRONTEND=noninteractive
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq >&2
  $SUDO apt-get install -y -qq redis-server >&2
fi

if ! ping; then
  if [ "$host" != "127.0.0.1" ] && [ "$host" != "localhost" ]; then
    echo "redis.sh: no Redis answers at $host:$port and it is not local; set REDIS_URL" >&2
    exit 1
  fi
  echo "redis.sh: starting redis-server on $host:$port (no persistence)" >&2
  dir="$(mktemp -d)"
  redis-server --daemonize yes --bind 127.0.0.1 --port "$port" --save "" --appendonly no \
    --dir "$dir" --logfile "$dir/redis.log" >&2
  for _ in $(seq 1 50); do ping && break; sleep 0.1; done
  ping || { echo "redis.sh: redis-server did not start; see $dir/redis.log" >&2; exit 1; }
fi
echo "$url"
