#!/usr/bin/env bash
# Lints the Helm chart and validates what it renders, with its default
# values and with each file in its ci/ folder, and the plain manifests,
# against strict schemas (unknown fields and wrong types fail), offline:
# the schemas are in deploy/schemas (deploy/schemas/gen writes them).
# helm, kubeconform and promtool are built from their Go modules. The
# Prometheus rules in deploy/prometheus are checked and unit-tested. Last, the
# Dockerfile's go build must carry the same flags as `make build`.
set -euo pipefail
cd "$(dirname "$0")/.."
GO=${GO:-go}
HELM="$GO run helm.sh/helm/v3/cmd/helm@${HELM_VERSION:-v3.22.0}"
KUBECONFORM="$GO run github.com/yannh/kubeconform/cmd/kubeconform@${KUBECONFORM_VERSION:-v0.8.0}"
PROMTOOL="$GO run github.com/prometheus/prometheus/cmd/promtool@${PROMTOOL_VERSION:-v0.316.0}"
KUBE_VERSION=${KUBE_VERSION:-1.34.0}
chart=deploy/helm/chataccess
schemas='deploy/schemas/{{ .ResourceKind }}{{ .KindSuffix }}.json'
validate() { $KUBECONFORM -strict -summary -schema-location "$schemas" "$@"; }

for values in default "$chart"/ci/*.yaml; do
  args=()
  if [ "$values" != default ]; then args=(-f "$values"); fi
  echo "== chart with $values values"
  $HELM lint --strict --quiet --kube-version "$KUBE_VERSION" "$chart" "${args[@]}"
  $HELM template chataccess "$chart" --namespace chataccess --kube-version "$KUBE_VERSION" "${args[@]}" | validate -
done
echo "== plain manifests"
validate deploy/kubernetes/
deploy/render.sh --check

echo "== Prometheus rules and their unit tests"
$PROMTOOL check rules deploy/prometheus/chataccess-rules.yaml
(cd deploy/prometheus && $PROMTOOL test rules chataccess-rules_test.yaml)

echo "== Dockerfile builds as make build does"
make_build=$(sed -n 's/^\tCGO_ENABLED=0 \$(GO) build \(.*\) -o chataccess \.$/\1/p' Makefile | sed 's/\$(VERSION)/${VERSION}/')
docker_build=$(sed -e ':a' -e '/\\$/N; s/\\\n *//; ta' Dockerfile | sed -n 's/^RUN CGO_ENABLED=0 go build \(.*\) -o \/out\/chataccess \.$/\1/p')
if [ -z "$make_build" ] || [ "$make_build" != "$docker_build" ]; then
  echo "the Dockerfile's go build flags differ from make build's:" >&2
  echo "  make build: $make_build" >&2
  echo "  Dockerfile: $docker_build" >&2
  exit 1
fi
echo "go build $make_build"
