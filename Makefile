# The two commands a newcomer needs: `make run` and `make test`. Both create or reuse .venv.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test check lint bench eval fuzz load scale contract venv ui browser clean infra

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11) and "Python 3.11 or newer is needed (set PYTHON=...)")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[dev,spark]'
	@touch $(STAMP)

venv: $(STAMP)

## make ui: build the analyst page and GraphiQL (ui/dist) from the pinned npm packages, when their sources changed
UI_SOURCES := $(shell find ui -path ui/node_modules -prune -o -path ui/dist -prune -o -type f -print)
UI_BUILT := ui/dist/.built

$(UI_BUILT): $(UI_SOURCES)
	@command -v npm >/dev/null || { echo "make: the analyst page is built with Node.js 20+ and npm, and npm is not on PATH"; exit 2; }
	cd ui && npm ci --no-audit --no-fund --loglevel=error && npm run build
	@touch $@

ui: $(UI_BUILT)

## the browser tests drive Debian's chromium: installed once, with apt-get (as root, or through sudo)
CHROMIUM ?= /usr/bin/chromium
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

$(CHROMIUM):
	@echo "installing Debian's chromium for the browser tests (once)"
	$(SUDO) apt-get update -qq
	$(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium

browser: $(CHROMIUM)

## make run: install, seed demo data into an empty graph, resolve identities and score, serve the hub
run: venv ui
	$(BIN)/hub seed --if-empty
	$(BIN)/hub resolve --if-needed
	$(BIN)/hub score --top 10
	$(BIN)/hub serve

## make test: the whole test suite
test: venv ui browser
	$(BIN)/pytest

## make contract NEO4J_URI=neo4j://host:7687 NEO4J_PASSWORD=... [NEO4J_USER=neo4j NEO4J_DATABASE=neo4j]:
## the graph contract suite against any Bolt server (a Neo4j cluster, one server); make test runs it on the embedded graph
contract: venv
	@test -n "$(NEO4J_URI)" || { echo "make contract needs NEO4J_URI (and NEO4J_PASSWORD)"; exit 2; }
	NEO4J_URI="$(NEO4J_URI)" $(BIN)/pytest -m contract tests/integration -p no:cacheprovider

## make check: lint, types and tests, as CI should
check: lint test

lint: venv
	$(BIN)/ruff check hub graph synthetic tests bench
	$(BIN)/ruff format --check hub graph synthetic tests bench
	$(BIN)/mypy hub graph synthetic

## make infra: the deployment artefacts (infra/) through the tools that read them, offline; tests/unit/test_infra.py
## runs the same commands in make test
KUBERNETES_VERSION ?= 1.35.0
infra: venv
	$(BIN)/hadolint infra/hub/Dockerfile infra/gateway/Dockerfile
	$(BIN)/shellcheck infra/hub/entrypoint.sh
	$(BIN)/check-jsonschema --builtin-schema vendor.compose-spec infra/compose.yaml
	$(BIN)/kubernetes-validate --strict --quiet -k $(KUBERNETES_VERSION) $(filter-out %/kustomization.yaml,$(wildcard infra/k8s/*.yaml))
	$(BIN)/yamllint -c infra/.yamllint --strict infra

## make bench: benchmarks (minutes); figures go to the README
bench: venv ui browser
	$(BIN)/python -m bench.ingest
	$(BIN)/python -m bench.trust
	$(BIN)/python -m bench.api
	$(BIN)/python -m bench.resolve --people 10000,30000,100000
	$(BIN)/python -m bench.score
	$(BIN)/python -m bench.ui

## make fuzz: the long leak run (tests/leak at 10,000 generated queries, about 3 minutes); exits 1 on any finding
FUZZ_QUERIES ?= 10000
fuzz: venv
	$(BIN)/python -m tests.leak --queries $(FUZZ_QUERIES) --report leak-findings.jsonl

## make load: a mixed workload from Locust, headless, against hub serve on loopback (LOAD_SECONDS of load after seeding
## LOAD_PEOPLE person records; about 10 minutes); prints and writes HUB_DATA_DIR/load-result.json; exits 1 on any failure
LOAD_SECONDS ?= 300
LOAD_PEOPLE ?= 10000
LOAD_USERS ?= 20
load: venv
	$(BIN)/python -m bench.load --duration $(LOAD_SECONDS) --people $(LOAD_PEOPLE) --users $(LOAD_USERS)

## make scale: ingest, resolve, serial, scoring and the interactive queries at each size (hours at 1M); each stage is
## stopped at SCALE_STAGE_CAP seconds or SCALE_MEMORY_CAP GB and reported; writes HUB_DATA_DIR/scale-result.json
SCALE_SIZES ?= 10k,100k,1M
SCALE_STAGE_CAP ?= 3600
SCALE_MEMORY_CAP ?= 22
scale: venv
	$(BIN)/python -m bench.scale --sizes $(SCALE_SIZES) --stage-cap $(SCALE_STAGE_CAP) --memory-cap $(SCALE_MEMORY_CAP)

## make eval: accuracy on data the model was not tuned to: the clean, typical and hostile noise profiles at about
## EVAL_PEOPLE person records each, one error kind at a time (EVAL_ABLATION_PEOPLE, default the smaller of 30,000 and
## EVAL_PEOPLE), FEBRL sets 4 and 3 beside an untuned Splink model; prints the tables and writes them as JSON to
## HUB_DATA_DIR/eval-result.json; then each guard switched off in turn, and 200 analysts' confirmations learnt from
## (EVAL_PEOPLE=10000: about 30 minutes on 2 cores; the default size: see the README)
EVAL_PEOPLE ?= 100000
EVAL_ABLATION_PEOPLE ?=
eval: venv
	$(BIN)/python -m bench.eval --people $(EVAL_PEOPLE) --guards all --labels 200 $(if $(EVAL_ABLATION_PEOPLE),--ablation-people $(EVAL_ABLATION_PEOPLE))

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
