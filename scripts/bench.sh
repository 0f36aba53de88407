#!/usr/bin/env bash
# `make bench`: release build, fresh stores under .bench-run/, the four
# executables, then the benchmark steps; writes docs/benchmarks.md.
# A benchmark, not a test: numbers depend on the machine.
#
#   scripts/bench.sh [STEP...]      default: every step in BENCH_STEPS
#
# Environment (defaults): GATEHOUSE_BENCH_PG_PORT (5435), GATEHOUSE_BENCH_REDIS_PORT
# (6382), GATEHOUSE_BENCH_HTTP_PORT (8090), GATEHOUSE_BENCH_METRICS_BASE (9110:
# service metrics on 9111-9113), GATEHOUSE_LOG_LEVEL (warning, to keep logging
# out of the measurement).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"
source "$GATEHOUSE_ROOT/scripts/lib/stack.sh"
cd "$GATEHOUSE_ROOT"

BENCH_DIR="$(abs_path .bench-run)"
PID_FILE=$BENCH_DIR/pids/bench.pid
OUT=docs/benchmarks.md  # relative to the repository root, our cwd
READY_TIMEOUT=60

# ------------------------------------------------------------------- steps
# To add a benchmark: write a function bench_step_NAME and add NAME here.
# Each step runs with the stack up and GATEHOUSE_* pointing at it, plus
# GATEHOUSE_BENCH_URL (the gateway) and GATEHOUSE_BIN_DIR (release binaries).
BENCH_STEPS=(rpc verify refresh login oidc idp pages footprint)

bench_step_rpc() {
    # RPC round trip gateway -> service -> gateway; gatehouse-bench writes the markdown.
    "$STACK_BIN/gatehouse-bench" rpc --out "$OUT"
}

bench_step_verify() {
    # Local access-token verification at the gateway: wrk, 64 connections, 2 threads, 15 s.
    local user="bench$(date +%s)" token
    curl -fsS -o /dev/null -X POST "$GATEHOUSE_BENCH_URL/api/v1/auth/register" -H 'Content-Type: application/json' \
        -d "{\"service\":\"demo\",\"username\":\"$user\",\"email\":\"$user@example.com\",\"password\":\"Bench-password-1\"}"
    token=$(curl -fsS -X POST "$GATEHOUSE_BENCH_URL/api/v1/auth/login" -H 'Content-Type: application/json' \
        -d "{\"service\":\"demo\",\"username\":\"$user\",\"password\":\"Bench-password-1\",\"client_type\":\"mobile\"}" \
        | python3 -c 'import json,sys; print(json.load(sys.stdin)["access_token"])')
    wrk -t2 -c64 -d15s --latency -H "Authorization: Bearer $token" "$GATEHOUSE_BENCH_URL/api/v1/auth/verify" >"$BENCH_DIR/wrk-verify.txt"
    python3 scripts/bench_section.py "$OUT" verify "$BENCH_DIR/wrk-verify.txt"
}

bench_step_refresh() {
    # Refresh-token rotation through the gateway: 64 sessions, 15 s; gatehouse-bench writes the markdown.
    "$STACK_BIN/gatehouse-bench" refresh --url "$GATEHOUSE_BENCH_URL" --out "$OUT"
}

bench_step_login() {
    # Password sign-in at the services' bcrypt cost (GATEHOUSE_BCRYPT_COST, default 12), against cores / one hash's time.
    "$STACK_BIN/gatehouse-bench" login --url "$GATEHOUSE_BENCH_URL" --out "$OUT"
}

bench_step_oidc() {
    # Authorization-code round trips (single sign-on, then with the password form): a first-party
    # service of its own whose redirect URI nothing listens at (the code is read from the redirect).
    local slug="bench-oidc-$(date +%s)" created
    created=$("$STACK_BIN/token-service" admin create-service --slug "$slug" --name "Bench app" --redirect-uri "http://127.0.0.1:9/cb")
    "$STACK_BIN/token-service" admin set-first-party --slug "$slug" >/dev/null
    GATEHOUSE_BENCH_CLIENT_SECRET="$(awk '$1 == "client_secret" {print $2}' <<<"$created")" \
        "$STACK_BIN/gatehouse-bench" oidc --url "$GATEHOUSE_BENCH_URL" --out "$OUT" \
        --client-id "$(awk '$1 == "client_id" {print $2}' <<<"$created")" --redirect-uri "http://127.0.0.1:9/cb"
}

bench_step_pages() {
    # The admin console's heaviest pages at 200/s: a SUPER_ADMIN of its own, a service for its page;
    # after the idp step, its provider's transactions too.
    local ts admin slug="bench-pages-$(date +%s)"
    ts=$(date +%s)
    admin=$("$STACK_BIN/token-service" admin create-superuser --username "bench-admin-$ts" --email "bench-admin-$ts@example.com")
    "$STACK_BIN/token-service" admin create-service --slug "$slug" --name "Bench pages" >/dev/null
    GATEHOUSE_BENCH_ADMIN_PASSWORD="$(awk '$1 == "password" {print $2}' <<<"$admin")" \
        "$STACK_BIN/gatehouse-bench" pages --url "$GATEHOUSE_BENCH_URL" --out "$OUT" --username "bench-admin-$ts" --service "$slug"
}

bench_step_idp() {
    # Verification request + confirm + callback: an SP whose callback URL is gatehouse-bench's own server.
    local port=${GATEHOUSE_BENCH_CALLBACK_PORT:-8095} created
    created=$("$STACK_BIN/idp-service" admin create-sp --name "Bench SP" --callback-url "http://127.0.0.1:$port/callback")
    GATEHOUSE_BENCH_SP_SECRET="$(awk '$1 == "client_secret" {print $2}' <<<"$created")" \
        "$STACK_BIN/gatehouse-bench" idp --url "$GATEHOUSE_BENCH_URL" --out "$OUT" --callback-port "$port" ${GATEHOUSE_BENCH_IDP_ARGS:-} \
        --client-id "$(awk '$1 == "client_id" {print $2}' <<<"$created")"
}

bench_step_footprint() {
    # Peak RSS of the four running executables (covering the steps before this one), then one
    # more instance of each started beside them and timed until it serves.
    local i processes=()
    for i in "${!STACK_NAMES[@]}"; do processes+=(--process "${STACK_NAMES[$i]}=${STACK_PIDS[$i]}"); done
    "$STACK_BIN/gatehouse-bench" footprint --out "$OUT" --after "${BENCH_STEPS_RUN[*]}" "${processes[@]}"
}

# ---------------------------------------------------------------- plumbing

cleanup() {
    local status=$?
    trap '' INT TERM HUP
    stack_stop || true
    bash "$GATEHOUSE_ROOT/scripts/stores.sh" stop "$BENCH_DIR" || true
    rm -f "$PID_FILE"
    exit "$status"
}

main() {
    local pg_port=${GATEHOUSE_BENCH_PG_PORT:-5435}
    local redis_port=${GATEHOUSE_BENCH_REDIS_PORT:-6382}
    local steps=("$@") step pid
    ((${#steps[@]})) || steps=("${BENCH_STEPS[@]}")
    for step in "${steps[@]}"; do
        declare -F "bench_step_$step" >/dev/null || die "unknown bench step '$step' (known: ${BENCH_STEPS[*]})"
    done

    STACK_DIR=$BENCH_DIR
    STACK_HTTP_PORT=${GATEHOUSE_BENCH_HTTP_PORT:-8090}
    STACK_HTTP_PORT_VAR=GATEHOUSE_BENCH_HTTP_PORT
    STACK_METRICS_BASE=${GATEHOUSE_BENCH_METRICS_BASE:-9110}

    if pid="$(live_pid_from_file "$PID_FILE" bench.sh)"; then
        die "a benchmark is already running from this checkout (pid $pid); stop it with 'scripts/stop.sh .bench-run'"
    fi
    mkdir -p "$BENCH_DIR/pids"
    echo $$ >"$PID_FILE"
    trap cleanup EXIT
    trap 'exit 130' INT
    trap 'exit 143' TERM HUP

    stack_stop_leftovers "$BENCH_DIR"
    bash scripts/install-deps.sh
    say "swift build -c release (the executables)"
    build_executables release
    STACK_BIN="$(swift build -c release --show-bin-path)"
    stack_check_binaries
    [[ -x "$STACK_BIN/gatehouse-bench" ]] || die "$STACK_BIN/gatehouse-bench is missing"
    stack_check_ports

    # Fresh stores, so every run measures the same starting point.
    bash scripts/stores.sh destroy "$BENCH_DIR"
    BENCH_DIR="$(abs_path "$BENCH_DIR")"
    mkdir -p "$BENCH_DIR/pids"
    echo $$ >"$PID_FILE"
    GATEHOUSE_STORES_PG_PORT_VAR=GATEHOUSE_BENCH_PG_PORT \
    GATEHOUSE_STORES_REDIS_PORT_VAR=GATEHOUSE_BENCH_REDIS_PORT \
        bash scripts/stores.sh start "$BENCH_DIR" "$pg_port" "$redis_port"

    # local: the demo data gives the benchmarks a service and users to work with.
    export GATEHOUSE_ENV=${GATEHOUSE_ENV:-local}
    export GATEHOUSE_AUTO_MIGRATE=${GATEHOUSE_AUTO_MIGRATE:-1}
    export_store_env "$pg_port" "$redis_port"
    export GATEHOUSE_HTTP_PORT=$STACK_HTTP_PORT
    export GATEHOUSE_LOG_LEVEL=${GATEHOUSE_LOG_LEVEL:-warning}
    # The load comes from one address; the benchmarks measure the paths, not the limiter.
    export GATEHOUSE_RATE_LIMIT_API=off GATEHOUSE_RATE_LIMIT_LOGIN=off GATEHOUSE_RATE_LIMIT_REGISTER=off GATEHOUSE_RATE_LIMIT_SOCIAL=off \
        GATEHOUSE_RATE_LIMIT_REFRESH=off GATEHOUSE_RATE_LIMIT_USER=off GATEHOUSE_RATE_LIMIT_SP=off GATEHOUSE_RATE_LIMIT_LOGIN_USER=off
    # The bench signs thousands of new people in to the demo service and asks them thousands of
    # verifications: no monthly quota.
    export GATEHOUSE_PLAN_FREE_MONTHLY_ACTIVE_USERS=unlimited GATEHOUSE_PLAN_FREE_MONTHLY_VERIFICATIONS=unlimited
    export GATEHOUSE_LOG_FORMAT=${GATEHOUSE_LOG_FORMAT:-json}
    export GATEHOUSE_RUN_DIR=$BENCH_DIR
    export GATEHOUSE_BIN_DIR=$STACK_BIN
    export GATEHOUSE_BENCH_URL
    GATEHOUSE_BENCH_URL="$(stack_url)"

    stack_migrate
    stack_start
    stack_wait_ready "$READY_TIMEOUT"

    mkdir -p "$(dirname "$OUT")"
    BENCH_STEPS_RUN=()
    for step in "${steps[@]}"; do
        say "bench step: $step"
        "bench_step_$step"
        BENCH_STEPS_RUN+=("$step")
    done
    say "results in $OUT"
}

main "$@"
