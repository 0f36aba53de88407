#!/usr/bin/env bash
# `make test`: build, start a fresh PostgreSQL and Redis under .test-run/, run
# every test against them, stop them again, exit with the tests' status.
#
#   scripts/test.sh [FILTER... | -- SWIFT-TEST-ARGS...]
#
# Each FILTER becomes `--filter FILTER` (make test FILTER=RPC); arguments after
# `--` go to `swift test` unchanged.
#
# Environment (defaults): GATEHOUSE_TEST_PG_PORT (5434), GATEHOUSE_TEST_REDIS_PORT
# (6381), GATEHOUSE_BUILD_CONFIG (debug).
#
# The tests receive: GATEHOUSE_ENV=test, GATEHOUSE_PG_{HOST,PORT,DATABASE,USER,OWNER_USER},
# GATEHOUSE_REDIS_{HOST,PORT}, GATEHOUSE_BIN_DIR (the built executables) and
# GATEHOUSE_TEST_RUN_DIR (absolute .test-run; put any extra stores or files there:
# every process that mentions it in its command line, and every redis-server or
# postgres whose working directory is inside it, is killed when the run ends).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"
source "$(dirname "${BASH_SOURCE[0]}")/lib/promtool.sh"
cd "$GATEHOUSE_ROOT"

TEST_DIR="$(abs_path .test-run)"

# shellcheck disable=SC2329  # invoked by the EXIT trap
cleanup() {
    local status=$?
    trap '' INT TERM HUP
    bash "$GATEHOUSE_ROOT/scripts/stores.sh" stop "$TEST_DIR" || true
    kill_procs_under "$TEST_DIR" || true
    exit "$status"
}

swift_test_args() {
    SWIFT_TEST_ARGS=()
    while (($#)); do
        if [[ "$1" == -- ]]; then
            shift
            SWIFT_TEST_ARGS+=("$@")
            break
        fi
        SWIFT_TEST_ARGS+=(--filter "$1")
        shift
    done
}

main() {
    local pg_port=${GATEHOUSE_TEST_PG_PORT:-5434}
    local redis_port=${GATEHOUSE_TEST_REDIS_PORT:-6381}
    local config status
    config="$(build_config)"
    swift_test_args "$@"

    trap cleanup EXIT
    trap 'exit 130' INT
    trap 'exit 143' TERM HUP

    bash scripts/install-deps.sh --test
    # Standard JOSE libraries the tests verify Gatehouse's tokens with (PyPI).
    python3 -m pip install --quiet --disable-pip-version-check --root-user-action=ignore -r Tests/python/requirements.txt
    export GATEHOUSE_PROMTOOL
    GATEHOUSE_PROMTOOL="$(ensure_promtool)"

    # The house's layout and size rules (docs/architecture.md), before the slow build.
    say "swift format lint --strict (.swift-format) and scripts/house-rules.py"
    swift format lint --strict --recursive --parallel Sources Tests Package.swift
    python3 scripts/house-rules.py

    say "swift build -c $config --build-tests"
    swift build -c "$config" --build-tests
    export GATEHOUSE_BIN_DIR
    GATEHOUSE_BIN_DIR="$(swift build -c "$config" --show-bin-path)"

    # Fresh stores every run: tests start from an empty database, and a
    # crashed earlier run cannot leave state (or processes) behind.
    bash scripts/stores.sh stop "$TEST_DIR"
    kill_procs_under "$TEST_DIR"
    bash scripts/stores.sh destroy "$TEST_DIR"
    TEST_DIR="$(abs_path "$TEST_DIR")"
    GATEHOUSE_STORES_PG_PORT_VAR=GATEHOUSE_TEST_PG_PORT \
    GATEHOUSE_STORES_REDIS_PORT_VAR=GATEHOUSE_TEST_REDIS_PORT \
        bash scripts/stores.sh start --no-fsync "$TEST_DIR" "$pg_port" "$redis_port"

    export GATEHOUSE_ENV=test
    export_store_env "$pg_port" "$redis_port"
    export GATEHOUSE_TEST_RUN_DIR=$TEST_DIR

    say "swift test -c $config --skip-build ${SWIFT_TEST_ARGS[*]}"
    status=0
    swift test -c "$config" --skip-build "${SWIFT_TEST_ARGS[@]}" || status=$?
    if ((status == 0)); then say "tests passed"; else say "tests failed (exit $status)"; fi
    exit "$status"
}

main "$@"
