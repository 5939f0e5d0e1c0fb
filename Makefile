# The README's commands. CI runs .ci/run, which calls `make test` and `make lint`.
GO        ?= go
FUZZTIME  ?= 30s
STATICCHECK_VERSION ?= v0.8.2

.PHONY: test lint lint-deploy k8s-schemas manifests bench fuzz build run demo playground playground-figures

## test: the whole suite under the race detector against a real Redis and a real three-master Redis Cluster
## (and a headless Chromium for the playground's browser tests, scripts/chromium.sh)
test:
	scripts/chromium.sh >/dev/null
	url="$$(scripts/redis.sh | tail -n1)" && cluster="$$(scripts/redis-cluster.sh | tail -n1)" && \
	REDIS_URL="$$url" REDIS_CLUSTER_URL="$$cluster" $(GO) test -race -count=1 ./...

## lint: gofmt, go vet, staticcheck, the import rules (internal/archtest), the deploy files
lint: lint-deploy
	@out="$$(gofmt -l $$(git ls-files '*.go'))"; if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...
	$(GO) run honnef.co/go/tools/cmd/staticcheck@$(STATICCHECK_VERSION) ./...
	$(GO) test -count=1 ./internal/archtest/

## lint-deploy: helm lint and kubeconform -strict on the chart's renderings and deploy/kubernetes (offline), promtool on deploy/prometheus
lint-deploy:
	GO=$(GO) deploy/lint.sh

## manifests: render deploy/kubernetes from the chart
manifests:
	GO=$(GO) deploy/render.sh

## k8s-schemas: regenerate deploy/schemas from the Kubernetes and Prometheus Operator Go types
k8s-schemas:
	cd deploy/schemas/gen && $(GO) run . -out ..

## bench: every benchmark once (figures in the README name their commands)
bench:
	REDIS_URL="$$(scripts/redis.sh | tail -n1)" $(GO) test -run='^$$' -bench=. -benchmem ./...

## fuzz: every fuzz target for FUZZTIME
fuzz:
	scripts/fuzz.sh $(FUZZTIME)

VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)

## build: the binary, with the same flags as the Dockerfile
build:
	CGO_ENABLED=0 $(GO) build -tags nodemo -trimpath -ldflags "-s -w -X github.com/chataccess/chataccess/internal/cli.Version=$(VERSION)" -o chataccess .

## demo: the zero-setup demo in the terminal (embedded policy, in-process Redis and emulators)
demo:
	$(GO) run . demo

## playground: the same, behind a local page standing in for Slack (prints its URL)
playground:
	$(GO) run . playground

## playground-figures: the playground's start-up time and memory, from a built binary
playground-figures:
	GO=$(GO) scripts/playground-figures.sh
