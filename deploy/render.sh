#!/usr/bin/env bash
# Writes deploy/kubernetes/*.yaml, the plain manifests: the chart's
# rendering with its default values, release "chataccess" in namespace
# "chataccess", one file per template, without Helm's own labels.
# With --check, writes nothing and fails when the files differ.
set -euo pipefail
cd "$(dirname "$0")/.."
GO=${GO:-go}
HELM="$GO run helm.sh/helm/v3/cmd/helm@${HELM_VERSION:-v3.22.0}"
out=deploy/kubernetes
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
$HELM template chataccess deploy/helm/chataccess --namespace chataccess \
  --kube-version "${KUBE_VERSION:-1.34.0}" --output-dir "$tmp/render" >/dev/null
mkdir -p "$tmp/plain"
for f in "$tmp"/render/chataccess/templates/*.yaml; do
  name=$(basename "$f")
  {
    echo "# Rendered from deploy/helm/chataccess by deploy/render.sh; change the chart, then run it."
    grep -v -e '^# Source: ' -e 'helm.sh/chart: ' -e 'app.kubernetes.io/managed-by: Helm' "$f" | sed '/^---$/d'
  } >"$tmp/plain/$name"
done
if [ "${1:-}" = --check ]; then
  if ! diff -r -u "$out" "$tmp/plain"; then
    echo "deploy/kubernetes is not the chart's rendering: run deploy/render.sh" >&2
    exit 1
  fi
  exit 0
fi
rm -f "$out"/*.yaml
cp "$tmp"/plain/*.yaml "$out"/
ls "$out"
