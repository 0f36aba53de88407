# shellcheck shell=bash
# Start, watch and stop the four Gatehouse executables. Shared by run.sh and bench.sh.
# Source after common.sh. The caller sets:
#   STACK_DIR           absolute working folder (.run, .bench-run): logs/ and pids/ go there
#   STACK_BIN           folder with the built executables (swift build --show-bin-path)
#   STACK_HTTP_PORT     gateway port
#   STACK_METRICS_BASE  token/social/idp metrics listen on BASE+1, +2, +3
#   STACK_HTTP_PORT_VAR variable named in "port in use" messages (GATEHOUSE_HTTP_PORT)

# Back-end services, in start order; the gateway starts after them.
STACK_SERVICES=(token-service social-service idp-service)
STACK_GATEWAY=gateway

# What we started, for stack_stop and the wait loop (parallel arrays).
# STACK_PIDS[i] is "" while that process is down (between exit and restart);
# STACK_ARGS[i] holds its arguments, shell-quoted, for stack_restart_one;
# STACK_STARTED[i] is when it was last started (stack_now_ms).
STACK_NAMES=()
STACK_PIDS=()
STACK_ARGS=()
STACK_STARTED=()

# How long a service gets after SIGTERM before SIGKILL (seconds).
STACK_STOP_GRACE=${STACK_STOP_GRACE:-10}

stack_metrics_port() {  # NAME -> its metrics port
    local i
    for i in "${!STACK_SERVICES[@]}"; do
        if [[ "${STACK_SERVICES[$i]}" == "$1" ]]; then
            echo $((STACK_METRICS_BASE + i + 1))
            return
        fi
    done
    return 1
}

# Host to reach the gateway on: a wildcard listener is reachable on loopback.
stack_http_host() {
    local host=${GATEHOUSE_HTTP_HOST:-127.0.0.1}
    case "$host" in
        0.0.0.0|'::'|'[::]') echo 127.0.0.1 ;;
        *:*) echo "[$host]" ;;  # IPv6 literal in a URL
        *) echo "$host" ;;
    esac
}

stack_url() { echo "http://$(stack_http_host):$STACK_HTTP_PORT"; }

stack_check_binaries() {
    local name
    for name in "${STACK_SERVICES[@]}" "$STACK_GATEWAY"; do
        [[ -x "$STACK_BIN/$name" ]] || die "$STACK_BIN/$name is missing; did the build succeed?"
    done
}

# Every listener we are about to open must be free, or start-up fails later
# with a less obvious message from inside a service.
stack_check_ports() {
    local name
    require_free_port "$STACK_HTTP_PORT" "gateway HTTP" "$STACK_HTTP_PORT_VAR"
    for name in "${STACK_SERVICES[@]}"; do
        require_free_port "$(stack_metrics_port "$name")" "$name metrics" "GATEHOUSE_RUN_METRICS_BASE"
    done
}

# Processes left by an earlier run that died without cleaning up (SIGKILL,
# a closed laptop lid): stop the ones whose pid files still name them.
stack_stop_leftovers() {
    local dir=$1 file name pid pids=()
    for file in "$dir"/pids/*.pid; do
        [[ -e "$file" ]] || continue
        name="$(basename "$file" .pid)"
        case "$name" in run|bench) continue ;; esac
        if pid="$(live_pid_from_file "$file" "$name")"; then pids+=("$pid"); fi
        rm -f "$file"
    done
    ((${#pids[@]})) || return 0
    say "stopping ${#pids[@]} leftover service process(es) from an earlier run"
    terminate_pids "$STACK_STOP_GRACE" "${pids[@]}"
}

# Apply each service's migrations (as the owner role) and stop at the first failure.
stack_migrate() {
    local name log=$STACK_DIR/logs/migrate.log
    mkdir -p "$STACK_DIR/logs"
    : >"$log"
    for name in "${STACK_SERVICES[@]}"; do
        say "migrating $name"
        if ! "$STACK_BIN/$name" migrate </dev/null >>"$log" 2>&1; then
            tail -n 30 "$log" >&2
            die "$name migrate failed (log: $log)"
        fi
    done
}

# Milliseconds since the epoch (for uptimes and back-off deadlines).
stack_now_ms() {
    local us=${EPOCHREALTIME//[!0-9]/}  # the decimal point depends on the locale
    echo $((10#$us / 1000))
}

# Launch NAME with ARGS in the background, stdout+stderr appended to
# logs/NAME.log, and write pids/NAME.pid. Sets STACK_SPAWNED_PID (no command
# substitution: the service must be a child of this shell, for `wait`).
# setsid puts it in its own session, so Ctrl-C in the terminal reaches only
# the script, which then stops everything in order (SIGTERM, grace, SIGKILL).
# (In a non-interactive shell a background job is never a process-group
# leader, so setsid execs in place and $! is the service itself.)
stack_spawn() {
    local name=$1; shift
    setsid "$STACK_BIN/$name" "$@" </dev/null >>"$STACK_DIR/logs/$name.log" 2>&1 &
    STACK_SPAWNED_PID=$!
    echo "$STACK_SPAWNED_PID" >"$STACK_DIR/pids/$name.pid"
}

# Start NAME with ARGS on a fresh logs/NAME.log (the old one becomes NAME.log.prev).
stack_start_one() {
    local name=$1; shift
    local log=$STACK_DIR/logs/$name.log
    [[ -f "$log" ]] && mv -f "$log" "$log.prev"
    stack_spawn "$name" "$@"
    STACK_NAMES+=("$name")
    STACK_PIDS+=("$STACK_SPAWNED_PID")
    STACK_ARGS+=("${*@Q}")
    STACK_STARTED+=("$(stack_now_ms)")
    say "started $name (pid $STACK_SPAWNED_PID): $name $*"
}

# Start process I again with the arguments it was first started with, in the
# same (unchanged since) environment, appending to its log after a marker
# line. ATTEMPT numbers its restarts.
stack_restart_one() {
    local i=$1 attempt=$2 name=${STACK_NAMES[$1]} args=()
    eval "args=(${STACK_ARGS[$i]})"
    printf '\n----- restarted by make run (attempt %s, %s) -----\n' "$attempt" "$(date '+%F %T %z')" \
        >>"$STACK_DIR/logs/$name.log"
    stack_spawn "$name" "${args[@]}"
    STACK_PIDS[i]=$STACK_SPAWNED_PID
    STACK_STARTED[i]=$(stack_now_ms)
    say "restarted $name (pid $STACK_SPAWNED_PID, attempt $attempt): $name ${args[*]}"
}

# Process I has exited and been reaped: drop its pid (which the system may
# reuse) from STACK_PIDS and its pid file, so stack_stop cannot hit a stranger.
stack_forget_pid() {
    local i=$1
    STACK_PIDS[i]=""
    rm -f "$STACK_DIR/pids/${STACK_NAMES[$i]}.pid"
}

stack_start() {
    local name
    mkdir -p "$STACK_DIR/logs" "$STACK_DIR/pids"
    for name in "${STACK_SERVICES[@]}"; do
        stack_start_one "$name" serve --metrics-port "$(stack_metrics_port "$name")"
    done
    stack_start_one "$STACK_GATEWAY" serve
}

# Name of the first started process that is no longer running ("" if none).
stack_first_dead() {
    local i
    for i in "${!STACK_PIDS[@]}"; do
        if ! pid_alive "${STACK_PIDS[$i]}"; then echo "${STACK_NAMES[$i]}"; return; fi
    done
}

stack_dump_logs() {
    local name
    for name in "${STACK_NAMES[@]}"; do
        printf '\n----- %s (last 30 lines of %s) -----\n' "$name" "$STACK_DIR/logs/$name.log" >&2
        tail -n 30 "$STACK_DIR/logs/$name.log" >&2 2>/dev/null || true
    done
    printf '\n' >&2
}

# Wait until the gateway's /readyz answers 2xx. Fails early if a process dies.
stack_wait_ready() {
    local timeout=$1 url deadline dead
    url="$(stack_url)/readyz"
    deadline=$((SECONDS + timeout))
    say "waiting for $url (up to ${timeout}s)"
    until curl -fsS -o /dev/null --max-time 2 "$url" 2>/dev/null; do
        dead="$(stack_first_dead)"
        if [[ -n "$dead" ]]; then
            stack_dump_logs
            die "$dead exited during start-up (log: $STACK_DIR/logs/$dead.log)"
        fi
        if ((SECONDS >= deadline)); then
            stack_dump_logs
            die "$url did not become ready within ${timeout}s"
        fi
        sleep 0.25
    done
}

# SIGTERM all, SIGKILL what is still there after the grace period, reap.
stack_stop() {
    ((${#STACK_PIDS[@]})) || return 0
    say "stopping ${STACK_NAMES[*]}"
    terminate_pids "$STACK_STOP_GRACE" "${STACK_PIDS[@]}"
    local name
    for name in "${STACK_NAMES[@]}"; do rm -f "$STACK_DIR/pids/$name.pid"; done
    STACK_NAMES=()
    STACK_PIDS=()
    STACK_ARGS=()
    STACK_STARTED=()
}
