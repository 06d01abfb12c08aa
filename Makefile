# sovereign-finops: the front door. `make help` lists every target.
#
#   make demo    install what is missing, build, scrape this machine and price it
#   make test    every test: unit, integration against real peers and emulators, short fuzz runs

SHELL        := /bin/bash
MAKEFLAGS    += --no-print-directory
BUILD_DIR    ?= build
SAN_DIR      ?= build-sanitize
FUZZ_DIR     ?= build-fuzz
PREFIX       ?= /usr/local
DESTDIR      ?=
JOBS         ?= $(shell nproc 2>/dev/null || echo 2)
FUZZ_SECONDS ?= 10
BIN          := $(BUILD_DIR)/bin

.DEFAULT_GOAL := help
.PHONY: help deps deps-build build test test-unit test-integration test-platform sanitize sanitize-gcc fuzz fuzz-short bench \
        demo cost-report allocation-report check-charts opencost-pricing install clean \
        infra-up infra-down sync status credentials

help: ## list the targets
	@b=; n=; if [ -t 1 ] && [ -z "$$NO_COLOR" ]; then b=$$'\033[1m'; n=$$'\033[0m'; fi; \
	  awk -v b="$$b" -v n="$$n" 'BEGIN {FS = ":.*## "} /^[a-zA-Z_-]+:.*## / {printf "  %s%-18s%s %s\n", b, $$1, n, $$2}' $(MAKEFILE_LIST)

deps: ## install every missing Debian package (build, test peers, fuzzing)
	@scripts/install-deps.sh all

deps-build:
	@scripts/install-deps.sh build

$(BUILD_DIR)/CMakeCache.txt:
	cmake -S . -B $(BUILD_DIR) -DCMAKE_BUILD_TYPE=Release

build: deps-build $(BUILD_DIR)/CMakeCache.txt ## build the tools and their tests (Release)
	cmake --build $(BUILD_DIR) -j$(JOBS)

test: deps build fuzz-short ## run every test (unit + integration + short fuzz runs)
	cd $(BUILD_DIR) && ctest --output-on-failure -j$(JOBS) --timeout 300

test-unit: build ## unit tests only
	cd $(BUILD_DIR) && ctest --output-on-failure -j$(JOBS) -L unit

test-integration: build ## integration tests only (real peers, emulators)
	cd $(BUILD_DIR) && ctest --output-on-failure -j$(JOBS) -L integration

test-platform: deps build ## the GitOps tree's offline checks only (schemas, charts of ours, policies)
	cd $(BUILD_DIR) && ctest --output-on-failure -j$(JOBS) -L platform

# CHARTS_DIR: a folder of <chart>/ or <chart>-<version>.tgz (air-gap bundle); empty: helm pull.
check-charts: deps ## render every upstream chart at its pinned version with our values and check it (needs chart repos or CHARTS_DIR)
	@python3 tests/platform/check_charts.py $(if $(CHARTS_DIR),--charts-dir $(CHARTS_DIR))

opencost-pricing: build ## regenerate OpenCost's pricing file (opencost/pricing/default.json) from opencost/pricing.json
	$(BIN)/price-calc pricing --pricing opencost/pricing.json --emit json -o opencost/pricing/default.json

# Tests labelled no-tools (they run none of our binaries) are left out: the same Python against
# the same peers, whatever the build.
# The sanitizer suite runs on the clang build the fuzzers use (ASan + UBSan on every object):
# one instrumented build serves both. sanitize-gcc does the same with GCC's sanitizers.
SAN_ENV := ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1

sanitize: deps $(FUZZ_DIR)/CMakeCache.txt ## build and run the whole suite under ASan + UBSan (clang; but the tests that run no binary of ours)
	cmake --build $(FUZZ_DIR) -j$(JOBS)
	cd $(FUZZ_DIR) && $(SAN_ENV) ctest --output-on-failure -j$(JOBS) --timeout 600 -LE no-tools

sanitize-gcc: deps ## the same suite built by GCC with its ASan + UBSan (build-sanitize)
	cmake -S . -B $(SAN_DIR) -DCMAKE_BUILD_TYPE=Sanitize
	cmake --build $(SAN_DIR) -j$(JOBS)
	cd $(SAN_DIR) && $(SAN_ENV) ctest --output-on-failure -j$(JOBS) --timeout 600 -LE no-tools

$(FUZZ_DIR)/CMakeCache.txt:
	CXX=clang++ cmake -S . -B $(FUZZ_DIR) -DCMAKE_BUILD_TYPE=RelWithDebInfo "-DCMAKE_CXX_FLAGS_RELWITHDEBINFO=-O2 -g1 -DNDEBUG" -DSF_FUZZ=ON

fuzz-build: deps $(FUZZ_DIR)/CMakeCache.txt
	cmake --build $(FUZZ_DIR) -j$(JOBS) --target fuzzers

fuzz-short: fuzz-build ## run every fuzz target for FUZZ_SECONDS (default 10) on its seed corpus
	@scripts/run-fuzzers.sh $(FUZZ_DIR)/bin $(FUZZ_SECONDS) $(JOBS)

fuzz: ## long fuzz runs (FUZZ_SECONDS=600 per target by default here)
	$(MAKE) fuzz-short FUZZ_SECONDS=$(if $(filter 10,$(FUZZ_SECONDS)),600,$(FUZZ_SECONDS))

bench: deps build ## benchmarks, each printed as a ratio against its peer in the same run
	@for b in tests/bench/bench_*.sh; do echo "== $$b"; SF_BIN_DIR=$(abspath $(BIN)) bash $$b || exit 1; echo; done

demo: build ## scrape this machine's node-exporter (started on a free port) and price it
	@SF_BIN_DIR=$(abspath $(BIN)) scripts/demo.sh

# The platform (docs/infra-up.md): Kind + Terraform + Argo CD, gated by kind-wait and vault-seed.
# Every setting below can be given on the command line: make infra-up HTTPS_PORT=8443.
CLUSTER    ?= sovereign-finops
STATE_DIR  ?= $(or $(XDG_STATE_HOME),$(HOME)/.local/state)/sovereign-finops/$(CLUSTER)
LISTEN     ?= 127.0.0.1
HTTP_PORT  ?= 80
HTTPS_PORT ?= 443
WORKERS    ?= 2
MIRROR     ?=
DOMAIN     ?= localhost
TIMEOUT    ?= 15m
INFRA      := SF_CLUSTER='$(CLUSTER)' SF_STATE_DIR='$(STATE_DIR)' SF_LISTEN='$(LISTEN)' SF_HTTP_PORT='$(HTTP_PORT)' \
              SF_HTTPS_PORT='$(HTTPS_PORT)' SF_WORKERS='$(WORKERS)' SF_MIRROR='$(MIRROR)' SF_DOMAIN='$(DOMAIN)' \
              SF_TIMEOUT='$(TIMEOUT)' SF_BUILD_DIR='$(BUILD_DIR)' SF_EXPOSE='$(EXPOSE)' SF_REPLACE='$(REPLACE)' \
              SF_PURGE='$(PURGE)' SF_MAKE='$(MAKE)' scripts/infra-up.sh

infra-up: ## the whole platform on a 3-node Kind cluster (preflight .. smoke check); safe to re-run
	@$(INFRA) up

infra-down: ## destroy the cluster and its files (the Vault init file and the CA stay unless PURGE=1)
	@$(INFRA) down

sync: ## ask Argo CD to refresh and sync the root app now, then wait until every app is Synced and Healthy
	@$(INFRA) sync

status: ## nodes and Applications of the running platform, healthy or not (exit 0 only when all are)
	@$(INFRA) status

credentials: ## where each credential is (prints none); NAME=argocd|opencost|prometheus|vault|demo-db prints that one
	@SF_CREDENTIAL='$(NAME)' $(INFRA) credentials

# pipefail: a stage that fails (cluster down, a node not scraped) fails the target, whatever
# the last stage printed; price-calc itself fails on empty input (nothing was priced).
cost-report: build ## price the live Kind cluster's nodes (kind-wait | scrape-nodes | price-calc); fails if any stage does
	@set -o pipefail; if [ -z "$$KUBECONFIG" ] && [ -s '$(STATE_DIR)/kubeconfig' ]; then export KUBECONFIG='$(STATE_DIR)/kubeconfig'; fi; \
	  $(BIN)/kind-wait --list nodes | $(BIN)/scrape-nodes --via-apiserver --interval $${INTERVAL:-10s} | \
	  $(BIN)/price-calc --pricing opencost/pricing.json --format $${FORMAT:-table} || { rc=$$?; \
	  if [ $$rc -eq 3 ]; then echo "cost-report: partial: some nodes were not scraped or priced (see above)" >&2; \
	  else echo "cost-report: failed (exit $$rc): is the Kind cluster up and its kubeconfig current? (see above)" >&2; fi; \
	  exit $$rc; }

allocation-report: build ## allocate the live Kind cluster's costs to namespaces (BY=controller, FORMAT=html, ...); fails if any stage does
	@set -o pipefail; if [ -z "$$KUBECONFIG" ] && [ -s '$(STATE_DIR)/kubeconfig' ]; then export KUBECONFIG='$(STATE_DIR)/kubeconfig'; fi; \
	  $(BIN)/kind-wait --list nodes,pods | $(BIN)/scrape-nodes --pods --via-apiserver --interval $${INTERVAL:-10s} | \
	  $(BIN)/price-calc --pricing opencost/pricing.json --by $${BY:-namespace} --format $${FORMAT:-table} || { rc=$$?; \
	  if [ $$rc -eq 3 ]; then echo "allocation-report: partial: some nodes or lines were not allocated (see above)" >&2; \
	  else echo "allocation-report: failed (exit $$rc): is the Kind cluster up and its kubeconfig current? (see above)" >&2; fi; \
	  exit $$rc; }

install: build ## install the binaries, their man pages and bash completions, and the price list under DESTDIR/PREFIX
	DESTDIR=$(DESTDIR) cmake --install $(BUILD_DIR) --prefix $(PREFIX)

clean: ## remove every build folder
	rm -rf $(BUILD_DIR) $(SAN_DIR) $(FUZZ_DIR)
