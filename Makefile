# Obsolescence Radar — one entry point for humans and CI.
SHELL := /bin/bash
.DEFAULT_GOAL := help
UV ?= $(shell command -v uv 2>/dev/null || echo .venv-tools/bin/uv)
VENV := .venv
PY := $(VENV)/bin/python
CONTRACTS := services/common/src/radar_common/contracts
PROTOS := $(wildcard proto/radar/v1/*.proto)

.PHONY: help
help: ## Show the targets
	@grep -hE '^[a-zA-Z_-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-12s %s\n", $$1, $$2}'

$(UV):
	python3 -m venv .venv-tools && .venv-tools/bin/pip install -q 'uv>=0.8,<0.14'


$(VENV)/.synced: $(UV) pyproject.toml uv.lock services/*/pyproject.toml
	$(UV) sync --all-packages --frozen
	@touch $@

.PHONY: venv
venv: $(VENV)/.synced ## Create/refresh the virtualenv (uv workspace, every package)

.PHONY: proto
proto: venv ## Regenerate Python bindings from proto/radar/v1/*.proto
	$(PY) scripts/gen_proto.py $(CONTRACTS)

.PHONY: run
run: venv ## The whole pipeline on embedded NATS and PostgreSQL, with demo data
	$(VENV)/bin/radar dev

.PHONY: test
test: venv tools ## Install what is needed and run the whole suite
	$(VENV)/bin/pytest -m "not faults" $(PYTEST_ARGS)
	$(VENV)/bin/pytest -m faults $(PYTEST_ARGS) || [ $$? -eq 5 ]  # 5: no fault tests selected

.PHONY: faults
faults: venv ## Fault-injection suite only (RADAR_FAULT_EVENTS=500 for a full run; CI uses 200)
	$(VENV)/bin/pytest -m faults $(PYTEST_ARGS)

.PHONY: tools
tools: ## External tools the checks need (helm, promtool)
	@bash scripts/install-tools.sh

.PHONY: lint
lint: venv ## ruff, mypy --strict, and each package installed alone imports what it declares
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy services/*/src tests
	UV=$(UV) $(PY) scripts/check_imports.py

.PHONY: fmt
fmt: venv ## Format and autofix
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

.PHONY: eval
eval: venv ## How well the normalizer reads both notice corpora (part/field P/R, role confusions)
	$(PY) -m tests.normalizer.eval

.PHONY: bench
bench: venv ## Benchmarks: print tables, write bench/results/*.json
	$(PY) bench/run_all.py

# ---- Kubernetes delivery ----
# One Dockerfile; an image per service and per extra (scripts/images.py reads the workspace:
# a new service under services/ is built without a change here).
IMAGES = $(shell python3 scripts/images.py)
REGISTRY ?=
TAG ?= dev
HELM := .tools/bin/helm
HELM_VALUE_SETS := "" "-f charts/radar/values-production.yaml" "-f k8s/values-dev.yaml" \
	"-f charts/radar/values-production.yaml --set capabilities.keda=false"

.PHONY: images
images: ## Build the images: radar-<svc>:TAG, radar-inference:TAG-crew (REGISTRY=…, PUSH=1)
	@for image in $(IMAGES); do \
	  svc=$${image%%:*}; extra=$${image#$$svc}; extra=$${extra#:}; \
	  ref="$(if $(REGISTRY),$(REGISTRY)/)radar-$$svc:$(TAG)$${extra:+-$$extra}"; \
	  echo "==> $$ref"; \
	  docker build --build-arg SERVICE=$$svc --build-arg EXTRAS=$$extra -t "$$ref" . || exit 1; \
	  if [ -n "$(PUSH)" ]; then docker push "$$ref" || exit 1; fi; \
	done

.PHONY: helm-lint
helm-lint: tools ## helm lint --strict and template for every values set
	@for v in $(HELM_VALUE_SETS); do \
	  echo "==> values: $${v:-defaults}"; \
	  $(HELM) lint --strict charts/radar $$v >/dev/null || exit 1; \
	  $(HELM) template radar charts/radar $$v >/dev/null || exit 1; \
	done

.PHONY: chart-assets
chart-assets: ## Copy the Grafana dashboard and Prometheus rules into the chart
	cp deploy/grafana/radar-dashboard.json charts/radar/files/dashboard.json
	cp deploy/prometheus/radar-rules.yaml charts/radar/files/rules.yaml

.PHONY: kind-up
kind-up: ## Local kind cluster "radar" with a registry on localhost:5005 (Docker, kind, ctlptl)
	ctlptl apply -f k8s/ctlptl.yaml

.PHONY: kind-down
kind-down: ## Delete the local kind cluster and its registry
	ctlptl delete -f k8s/ctlptl.yaml

.PHONY: tilt-up
tilt-up: ## Build, deploy and live-update Radar on the kind cluster
	tilt up --context kind-radar

.PHONY: rules-test
rules-test: tools ## Check and unit-test the Prometheus alerting rules
	promtool check rules deploy/prometheus/radar-rules.yaml
	promtool test rules deploy/prometheus/radar-rules.test.yaml

.PHONY: clean
clean: ## Remove the dev stack's state
	rm -rf .radar
