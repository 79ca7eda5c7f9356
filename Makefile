# The two commands of the README: `make demo` and `make test`. Both install what they use.
SHELL := /bin/bash
CARGO ?= cargo

.PHONY: demo test services fmt clippy ops-check bench fuzz

demo: ## Harvest the bundled sample catalog through scheduler, RabbitMQ, workers and MongoDB
	scripts/demo.sh

test: services ## Everything CI runs: format, lint, unit and end-to-end tests, deployment checks
	scripts/test.sh

services: ## RabbitMQ and the MongoDB-compatible test server
	scripts/services-up.sh

fmt:
	$(CARGO) fmt --all

clippy:
	$(CARGO) clippy --workspace --all-targets --locked -- -D warnings

ops-check: ## Helm lint/template/schema validation, promtool on rules and a real scrape
	scripts/ops-check.sh

bench: services ## Throughput and memory benchmarks (prints figures, writes bench-results/)
	scripts/bench.sh

fuzz: ## Run every fuzz target for FUZZ_SECONDS (default 60) each
	scripts/fuzz.sh
