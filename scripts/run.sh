#!/usr/bin/env bash
# `make run`: build Gatehouse, start a private PostgreSQL and Redis under .run/,
# migrate, start the four executables and stay in the foreground.
# Ctrl-C, SIGTERM, or `make stop` from another shell stops everything it started.
#
# Environment (defaults): GATEHOUSE_BUILD_CONFIG (debug), GATEHOUSE_HTTP_PORT (8080),
# GATEHOUSE_PG_PORT (5433), GATEHOUSE_REDIS_PORT (6380), GATEHOUSE_RUN_METRICS_BASE
# (9100: service metrics on 9101-9103), GATEHOUSE_LOG_FORMAT (json); any other
# GATEHOUSE_* setting is passed through to the executables unchanged.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"
source "$GATEHOUSE_ROOT/scripts/lib/stack.sh"
cd "$GATEHOUSE_ROOT"

READY_TIMEOUT=60
RUN_DIR="$(abs_path .run)"
PID_FILE=$RUN_DIR/pids/run.pid
STORES_STARTED=0
CLEANED_UP=0

cleanup() {
    ((CLEANED_UP)) && return 0
    CLEANED_UP=1
    # A second Ctrl-C must not interrupt the clean-up half way.
    trap '' INT TERM HUP
    stack_stop || true
    if ((STORES_STARTED)); then
        bash "$GATEHOUSE_ROOT/scripts/stores.sh" stop "$RUN_DIR" || true
    fi
    rm -f "$PID_FILE"
}

on_signal() {
    printf '\n' >&2
    say "signal received, shutting down"
    exit 0  # the EXIT trap does the work
}

refuse_second_copy() {
    local pid
    if pid="$(live_pid_from_file "$PID_FILE" run.sh)"; then
        die "Gatehouse is already running from this checkout (pid $pid); stop it with 'make stop'"
    fi
}

build() {
    local config
    config="$(build_config)"
    say "swift build -c $config"
    swift build -c "$config"
    STACK_BIN="$(swift build -c "$config" --show-bin-path)"
}

export_env() {
    export GATEHOUSE_ENV=${GATEHOUSE_ENV:-local}
    export GATEHOUSE_AUTO_MIGRATE=${GATEHOUSE_AUTO_MIGRATE:-1}
    export_store_env "$PG_PORT" "$REDIS_PORT"
    export GATEHOUSE_HTTP_PORT=$STACK_HTTP_PORT
    export GATEHOUSE_LOG_FORMAT=${GATEHOUSE_LOG_FORMAT:-json}
    # Where a service may leave files for this script (demo-credentials-*.txt).
    export GATEHOUSE_RUN_DIR=$RUN_DIR
}

print_banner() {
    local url name
    url="$(stack_url)"
    cat <<EOF

  Gatehouse is running ($GATEHOUSE_ENV, $(build_config) build)

    gateway        $url
    health         $url/healthz
    readiness      $url/readyz
    metrics        $url/metrics
EOF
    for name in "${STACK_SERVICES[@]}"; do
        printf '    %-14s http://127.0.0.1:%s/metrics\n' "$name" "$(stack_metrics_port "$name")"
    done
    cat <<EOF
    PostgreSQL     127.0.0.1:$PG_PORT  db $GATEHOUSE_PG_DATABASE, app role $GATEHOUSE_PG_USER, owner role $GATEHOUSE_PG_OWNER_USER (trust auth, local only)
    Redis          127.0.0.1:$REDIS_PORT
    logs           $RUN_DIR/logs/
EOF
    # Demo data (GATEHOUSE_ENV=local) is seeded by the services, which may
    # write what the user needs to try it out here. Demo-only values.
    if compgen -G "$RUN_DIR/demo-credentials-*.txt" >/dev/null; then
        printf '\n  Demo data (local only, never use these elsewhere):\n'
        cat "$RUN_DIR"/demo-credentials-*.txt | sed 's/^/    /'
    fi
    printf '\n  Ctrl-C or "make stop" stops everything.\n\n'
}

# Stay in the foreground until a signal arrives or a process exits by itself.
supervise() {
    local dead status
    while :; do
        status=0
        wait -n "${STACK_PIDS[@]}" || status=$?
        dead="$(stack_first_dead)"
        if [[ -n "$dead" ]]; then
            printf '\n----- %s (last 30 lines) -----\n' "$dead" >&2
            tail -n 30 "$RUN_DIR/logs/$dead.log" >&2 || true
            die "$dead exited unexpectedly (status $status, log: $RUN_DIR/logs/$dead.log); stopping everything"
        fi
    done
}

main() {
    PG_PORT=${GATEHOUSE_PG_PORT:-5433}
    REDIS_PORT=${GATEHOUSE_REDIS_PORT:-6380}
    STACK_DIR=$RUN_DIR
    STACK_HTTP_PORT=${GATEHOUSE_HTTP_PORT:-8080}
    STACK_HTTP_PORT_VAR=GATEHOUSE_HTTP_PORT
    STACK_METRICS_BASE=${GATEHOUSE_RUN_METRICS_BASE:-9100}

    refuse_second_copy
    mkdir -p "$RUN_DIR/pids" "$RUN_DIR/logs"
    echo $$ >"$PID_FILE"
    trap cleanup EXIT
    trap on_signal INT TERM HUP

    stack_stop_leftovers "$RUN_DIR"
    bash scripts/install-deps.sh
    build
    stack_check_binaries
    # Before starting anything, so a clash leaves nothing behind.
    stack_check_ports

    STORES_STARTED=1
    bash scripts/stores.sh start "$RUN_DIR" "$PG_PORT" "$REDIS_PORT"
    export_env

    rm -f "$RUN_DIR"/demo-credentials*.txt
    stack_migrate
    stack_start
    stack_wait_ready "$READY_TIMEOUT"
    print_banner
    supervise
}

main "$@"
