# Gatehouse developer entry points. Each target is a script in scripts/;
# run `make` (or `make help`) for the list.
#
# Examples:
#   make run                          build, start everything, stay in the foreground
#   make test FILTER=RPC              only tests matching RPC (swift test --filter RPC)
#   GATEHOUSE_BUILD_CONFIG=release make run

SHELL := /bin/bash
.DEFAULT_GOAL := help

# Passed to `swift test --filter` by `make test`; several words = several filters.
FILTER ?=

.PHONY: help run stop test bench build clean

help: ## list the targets
	@echo 'Gatehouse — make targets:'
	@grep -E '^[a-z]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-7s %s\n", $$1, $$2}'
	@echo
	@echo 'Ports: GATEHOUSE_HTTP_PORT (8080), GATEHOUSE_PG_PORT (5433), GATEHOUSE_REDIS_PORT (6380);'
	@echo 'tests: GATEHOUSE_TEST_PG_PORT (5434), GATEHOUSE_TEST_REDIS_PORT (6381). See README.md.'

run: ## build, start PostgreSQL, Redis and all services under .run/, stay in the foreground (Ctrl-C stops)
	@bash scripts/run.sh

stop: ## stop what `make run` started (from another shell)
	@bash scripts/stop.sh .run

test: ## build and run all tests against fresh stores under .test-run/ (FILTER=... to select)
	@bash scripts/test.sh $(FILTER)

bench: ## release build, start everything under .bench-run/, write docs/benchmarks.md
	@bash scripts/bench.sh

build: ## install missing packages and build (GATEHOUSE_BUILD_CONFIG=debug|release)
	@bash scripts/install-deps.sh
	@bash -c 'source scripts/lib/common.sh && build_executables "$$(build_config)"'

clean: ## stop and delete .run/, .test-run/ and .bench-run/ (keeps .build/)
	@for d in .run .test-run .bench-run; do \
		if [ -e "$$d" ]; then bash scripts/stop.sh "$$d" && bash scripts/stores.sh destroy "$$d"; fi; \
	done
