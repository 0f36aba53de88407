#!/usr/bin/env bash
# `make run`: build Gatehouse, start a private PostgreSQL and Redis under .run/,
# migrate, start the four executables and stay in the foreground, supervising
# them like a process manager: a service that exits is reported (exit status or
# signal, the last lines of its log) and restarted with back-off (1 s, 2 s, 4 s
# ... up to 30 s; back to 1 s once it has stayed up 60 s).
# Ctrl-C, SIGTERM, or `make stop` from another shell stops everything it started;
# so does a service that exits within 10 s of starting 5 times in a row.
#
# Environment (defaults): GATEHOUSE_BUILD_CONFIG (debug), GATEHOUSE_HTTP_PORT (8080),
# GATEHOUSE_PG_PORT (5433), GATEHOUSE_REDIS_PORT (6380), GATEHOUSE_RUN_METRICS_BASE
# (9100: service metrics on 9101-9103), GATEHOUSE_LOG_FORMAT (json); any other
# GATEHOUSE_* setting is passed through to the executables unchanged.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"
source "$GATEHOUSE_ROOT/scripts/lib/stack.sh"
source "$GATEHOUSE_ROOT/scripts/lib/demo-provider.sh"
source "$GATEHOUSE_ROOT/scripts/lib/mail-sink.sh"
cd "$GATEHOUSE_ROOT"

READY_TIMEOUT=60
# Restarting services that exit by themselves (seconds).
BACKOFF_MAX=30          # the delay before a restart doubles from 1 s up to this
BACKOFF_RESET_AFTER=60  # a service up this long starts again from 1 s
STARTUP_WINDOW=10       # an exit this soon after a start is a start-up failure
STARTUP_FAILURES_MAX=5  # this many in a row: give up and stop everything
RUN_DIR="$(abs_path .run)"
PID_FILE=$RUN_DIR/pids/run.pid
STORES_STARTED=0
CLEANED_UP=0
# Per service, indexed like STACK_NAMES: delay (s) before its next restart,
# start-up failures in a row, restarts so far, and when (stack_now_ms) a
# pending restart is due ("" while it runs).
SVC_BACKOFF=()
SVC_QUICK_EXITS=()
SVC_RESTARTS=()
SVC_DUE=()
TIMER_PID=""  # the back-off sleep supervise is waiting on, if any

cleanup() {
    ((CLEANED_UP)) && return 0
    CLEANED_UP=1
    # A second Ctrl-C must not interrupt the clean-up half way.
    trap '' INT TERM HUP
    stop_timer
    stack_stop || true
    demo_provider_stop || true
    mail_sink_stop || true
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
    say "swift build -c $config (the executables)"
    build_executables "$config"
    STACK_BIN="$(swift build -c "$config" --show-bin-path)"
}

export_env() {
    export GATEHOUSE_ENV=${GATEHOUSE_ENV:-local}
    export GATEHOUSE_AUTO_MIGRATE=${GATEHOUSE_AUTO_MIGRATE:-1}
    export_store_env "$PG_PORT" "$REDIS_PORT"
    export GATEHOUSE_HTTP_PORT=$STACK_HTTP_PORT
    # The pages' address: localhost rather than 127.0.0.1 on this machine, because passkeys
    # (WebAuthn) need a domain for their RP ID and never work on an IP address.
    if [[ -z "${GATEHOUSE_ISSUER:-}" && "$(stack_http_host)" == 127.0.0.1 ]]; then
        export GATEHOUSE_ISSUER="http://localhost:$STACK_HTTP_PORT"
    fi
    export GATEHOUSE_LOG_FORMAT=${GATEHOUSE_LOG_FORMAT:-json}
    # Where a service may leave files for this script (demo-credentials-*.txt).
    export GATEHOUSE_RUN_DIR=$RUN_DIR
}

print_banner() {
    local url name
    url="${GATEHOUSE_ISSUER:-$(stack_url)}"
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
    # idp-service proves phone numbers by SMS; in local mode each message is a file.
    if [[ -n "${GATEHOUSE_SMS_API_URL:-}" ]]; then
        printf '    SMS codes      sent to the SMS API at %s\n' "${GATEHOUSE_SMS_API_URL%%\?*}"
    else
        printf '    SMS codes      %s/sms/<number>-<time>.txt (local sink; GATEHOUSE_SMS_API_URL sends real SMS)\n' "$RUN_DIR"
    fi
    if [[ -n "$MAIL_SINK_PID" ]]; then
        printf '    mail           %s/mail/<n>-<time>.eml and .json (local SMTP sink on 127.0.0.1:%s; GATEHOUSE_SMTP_HOST sends real mail)\n' \
            "$RUN_DIR" "$GATEHOUSE_SMTP_PORT"
    elif [[ -n "${GATEHOUSE_SMTP_HOST:-}" ]]; then
        printf '    mail           sent through %s:%s\n' "$GATEHOUSE_SMTP_HOST" "${GATEHOUSE_SMTP_PORT:-587}"
    fi
    if [[ -n "$DEMO_PROVIDER_PID" ]]; then
        printf '    demo provider  %s  (the "Demo provider" button on sign-in pages; any name signs in)\n' \
            "$GATEHOUSE_SOCIAL_OIDC_ISSUER"
    fi
    cat <<EOF

  Pages
    account        $url/account   (your account: profile, password, two-step sign-in, sessions)
    approval       $url/approve   (identity-verification requests, approved with a PIN)
    admin          $url/admin     (services, providers, users, transactions, audit log)
    sign-in        $url/oauth/authorize?client_id=...   (any service's; /account starts one)
    API            $url/docs      (the reference; $url/openapi.json for tools; docs/quickstart.md)
EOF
    print_demo_credentials
    printf '\n  Ctrl-C or "make stop" stops everything.\n\n'
}

# Each back end logs "start-up work done" once its start-up work (signing keys, the account
# console's client, the local demo's data and its credentials file) is done, which may be after
# the gateway is ready: the banner waits for it, so it never misses the first start's credentials.
wait_for_startup_work() {
    local name deadline=$((SECONDS + 30))
    for name in "${STACK_SERVICES[@]}"; do
        until grep -q 'start-up work done' "$RUN_DIR/logs/$name.log" 2>/dev/null; do
            if ((SECONDS >= deadline)); then
                warn "$name has not finished its start-up work after 30 s (log: $RUN_DIR/logs/$name.log)"
                return 0
            fi
            sleep 0.25
        done
    done
}

# Demo data (GATEHOUSE_ENV=local) is seeded by the services, which write what a person needs to
# try it out to $RUN_DIR/demo-credentials-*.txt when they create it (the first start), before
# they answer /readyz. The files stay, so later starts print them again. Demo-only values.
print_demo_credentials() {
    [[ "$GATEHOUSE_ENV" == local ]] || return 0
    if compgen -G "$RUN_DIR/demo-credentials-*.txt" >/dev/null; then
        printf '\n  Demo data (local only, never use these elsewhere):\n'
        cat "$RUN_DIR"/demo-credentials-*.txt | sed 's/^/    /'
    fi
    printf '    Lost or changed the admin password? A new one:\n'
    printf '      bash scripts/admin.sh token-service reset-password --username admin\n'
}

# "status 1", "status 137 = SIGKILL": how a process ended, from wait's status.
describe_status() {
    local status=$1 sig
    if ((status > 128)) && sig="$(kill -l $((status - 128)) 2>/dev/null)"; then
        case "$sig" in
            ILL|TRAP) printf 'status %s = SIG%s, a Swift runtime trap' "$status" "$sig" ;;
            *) printf 'status %s = SIG%s' "$status" "$sig" ;;
        esac
    else
        printf 'status %s' "$status"
    fi
}

# The last 30 lines of LOG, without those before its latest restart marker
# (stack_restart_one): earlier lives were shown when they ended.
current_life_tail() {
    { tail -n 30 "$1" 2>/dev/null || true; } |
        awk '/^----- restarted by make run / { n = 0 } { line[n++] = $0 } END { for (i = 0; i < n; i++) print line[i] }'
}

# Kill and reap the back-off sleep, if one is running.
stop_timer() {
    [[ -n "$TIMER_PID" ]] || return 0
    kill "$TIMER_PID" 2>/dev/null || true
    wait "$TIMER_PID" 2>/dev/null || true
    TIMER_PID=""
}

# Start a background sleep that ends when the earliest pending restart is
# due, or after at most 1 s: supervise then looks at every service again,
# because `wait -n` does not return for a child that exited (and was reaped
# by bash) while another command ran. Waiting on a sleep keeps signals prompt.
start_timer() {
    local i now ms=1000
    now="$(stack_now_ms)"
    for i in "${!SVC_DUE[@]}"; do
        [[ -n "${SVC_DUE[$i]}" ]] || continue
        if ((SVC_DUE[i] - now < ms)); then ms=$((SVC_DUE[i] - now)); fi
    done
    ((ms > 0)) || ms=0
    sleep "$((ms / 1000)).$(printf '%03d' $((ms % 1000)))" &
    TIMER_PID=$!
}

# Restart every service whose back-off is over.
restart_due() {
    local i now
    now="$(stack_now_ms)"
    for i in "${!SVC_DUE[@]}"; do
        if [[ -n "${SVC_DUE[$i]}" ]] && ((SVC_DUE[i] <= now)); then
            SVC_DUE[i]=""
            SVC_RESTARTS[i]=$((SVC_RESTARTS[i] + 1))
            stack_restart_one "$i" "${SVC_RESTARTS[$i]}"
        fi
    done
}

# Service I (pid PID) exited with STATUS: report it with the end of its log,
# then schedule its restart after its back-off, or give up (and stop
# everything) when it keeps failing at start-up.
on_service_exit() {
    local i=$1 pid=$2 status=$3 name=${STACK_NAMES[$1]} log up_ms up delay
    log=$RUN_DIR/logs/$name.log
    up_ms=$(($(stack_now_ms) - STACK_STARTED[i]))
    up="$((up_ms / 1000)).$((up_ms % 1000 / 100))s"
    stack_forget_pid "$i"
    printf '\n' >&2
    warn "$name (pid $pid) exited unexpectedly ($(describe_status "$status")) after $up"
    printf -- '----- %s (last lines of %s) -----\n' "$name" "$log" >&2
    current_life_tail "$log" >&2
    printf -- '----- end of %s -----\n' "$name" >&2

    if ((up_ms < STARTUP_WINDOW * 1000)); then
        SVC_QUICK_EXITS[i]=$((SVC_QUICK_EXITS[i] + 1))
    else
        SVC_QUICK_EXITS[i]=0
    fi
    if ((SVC_QUICK_EXITS[i] >= STARTUP_FAILURES_MAX)); then
        die "$name exited within ${STARTUP_WINDOW}s of starting $STARTUP_FAILURES_MAX times in a row; giving up (log: $log); stopping everything"
    fi
    if ((up_ms >= BACKOFF_RESET_AFTER * 1000)); then SVC_BACKOFF[i]=1; fi
    delay=${SVC_BACKOFF[$i]}
    SVC_BACKOFF[i]=$((delay * 2 < BACKOFF_MAX ? delay * 2 : BACKOFF_MAX))
    SVC_DUE[i]=$(($(stack_now_ms) + delay * 1000))
    say "restarting $name in ${delay}s (start-up failures in a row: ${SVC_QUICK_EXITS[$i]}/$STARTUP_FAILURES_MAX)"
}

# Stay in the foreground until a signal arrives (or a service keeps failing
# at start-up), restarting services that exit by themselves.
supervise() {
    local i pid live status done_pid done_status
    for i in "${!STACK_NAMES[@]}"; do
        SVC_BACKOFF[i]=1; SVC_QUICK_EXITS[i]=0; SVC_RESTARTS[i]=0; SVC_DUE[i]=""
    done
    while :; do
        restart_due
        # Wait for a service to exit, a back-off to end, or 1 s, whichever is first.
        live=()
        for pid in "${STACK_PIDS[@]}"; do
            if [[ -n "$pid" ]]; then live+=("$pid"); fi
        done
        start_timer
        done_pid=""
        done_status=0
        # (2>/dev/null: bash's own "Killed" job notice; on_service_exit says more.)
        wait -n -p done_pid "${live[@]}" "$TIMER_PID" 2>/dev/null || done_status=$?
        stop_timer
        # Every service that is gone: several may have exited at once.
        for i in "${!STACK_PIDS[@]}"; do
            pid=${STACK_PIDS[$i]}
            if [[ -z "$pid" ]] || pid_alive "$pid"; then continue; fi
            status=$done_status
            if [[ "$pid" != "$done_pid" ]]; then
                status=0
                wait "$pid" 2>/dev/null || status=$?
            fi
            on_service_exit "$i" "$pid" "$status"
        done
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

    # Before the services start: social-service reads its providers once, at start-up.
    demo_provider_start "$RUN_DIR" "${GATEHOUSE_DEMO_PROVIDER_PORT:-8099}"
    mail_sink_start "$RUN_DIR" "${GATEHOUSE_MAIL_SINK_PORT:-8025}"
    stack_migrate
    stack_start
    stack_wait_ready "$READY_TIMEOUT"
    wait_for_startup_work
    print_banner
    supervise
}

main "$@"
