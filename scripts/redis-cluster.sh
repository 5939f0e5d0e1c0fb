#!/usr/bin/env bash
# Starts a three-master Redis Cluster on loopback from redis-server (ports
# 7101-7103 unless REDIS_CLUSTER_PORTS says otherwise), once, and prints
# the REDIS_CLUSTER_URL the tests use (the last line of output). It needs
# redis-server and redis-cli, which scripts/redis.sh installs.
set -euo pipefail

ports="${REDIS_CLUSTER_PORTS:-7101 7102 7103}"
first="${ports%% *}"
url="redis-cluster://$(echo "$ports" | sed 's/\([0-9]*\)/127.0.0.1:\1/g; s/ /,/g')"

ok() { redis-cli -p "$first" cluster info 2>/dev/null | grep -q 'cluster_state:ok'; }

if ! ok; then
  dir="$(mktemp -d)"
  nodes=()
  for p in $ports; do
    mkdir -p "$dir/$p"
    redis-cli -p "$p" shutdown nosave >/dev/null 2>&1 || true
    redis-server --daemonize yes --bind 127.0.0.1 --port "$p" --cluster-enabled yes \
      --cluster-config-file "$dir/$p/nodes.conf" --save "" --appendonly no \
      --dir "$dir/$p" --logfile "$dir/$p/redis.log" >&2
    nodes+=("127.0.0.1:$p")
  done
  for p in $ports; do
    for _ in $(seq 1 50); do redis-cli -p "$p" ping 2>/dev/null | grep -q PONG && break; sleep 0.1; done
  done
  echo "redis-cluster.sh: creating a cluster of ${nodes[*]}" >&2
  redis-cli --cluster create "${nodes[@]}" --cluster-replicas 0 --cluster-yes >&2
  for _ in $(seq 1 100); do ok && break; sleep 0.1; done
  ok || { echo "redis-cluster.sh: the cluster did not become ready; see $dir/*/redis.log" >&2; exit 1; }
fi
echo "$url"
