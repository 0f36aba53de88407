# shellcheck shell=bash
# Helpers shared by the scripts in scripts/. Source it; do not run it.
#
# Everything here works on a bare Debian machine: bash, coreutils and /proc.
# `ss` (iproute2) is used when present, with a /dev/tcp fallback.

# Repository root (the folder that holds Package.swift), whatever the caller's cwd.
# shellcheck disable=SC2034  # used by the scripts that source this file
GATEHOUSE_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd -P)"

say()  { printf '==> %s\n' "$*" >&2; }
warn() { printf 'warning: %s\n' "$*" >&2; }

# A demo extra of make run from PyPI: true when Python module MODULE imports, installing
# REQUIREMENTS (a file under scripts/) first if needed; false, with WITHOUT said, when pip fails
# (no network, a Python that refuses pip): Gatehouse then runs without the extra.
python_extra() {
    local module=$1 requirements=$2 what=$3 without=$4
    python3 -c "import $module" 2>/dev/null && return 0
    say "installing $what (PyPI)"
    if ! python3 -m pip install --quiet --disable-pip-version-check --root-user-action=ignore \
        -r "$GATEHOUSE_ROOT/scripts/$requirements"; then
        warn "could not install $what; $without"
        return 1
    fi
}
die()  { printf 'error: %s\n' "$*" >&2; exit 1; }

# Absolute, symlink-free path of DIR (DIR need not exist yet).
abs_path() {
    local dir=$1
    mkdir -p -- "$dir"
    (cd -- "$dir" && pwd -P)
}

# True when something listens on TCP PORT on any local address.
port_in_use() {
    local port=$1
    if command -v ss >/dev/null 2>&1; then
        [[ -n "$(ss -Hltn "sport = :$port" 2>/dev/null)" ]]
    else
        # No ss: try to connect. A refused connection means the port is free.
        (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null
    fi
}

# Stop with a one-line message when PORT is taken. WHAT names the listener,
# VAR the environment variable that moves it.
require_free_port() {
    local port=$1 what=$2 var=$3
    if port_in_use "$port"; then
        die "port $port ($what) is already in use by another process; set $var to a free port"
    fi
}

# A process that exists and is not a zombie. (kill -0 succeeds on zombies,
# which our own exited-but-unreaped children are until we `wait` for them.)
pid_alive() {
    local pid=$1 stat
    [[ "$pid" =~ ^[0-9]+$ ]] || return 1
    stat="$(cat "/proc/$pid/stat" 2>/dev/null)" || return 1
    # Field 3 is the state; the command name (field 2) may hold spaces, so
    # cut after its closing parenthesis.
    stat="${stat##*) }"
    [[ "${stat%% *}" != Z ]]
}

# The command line of PID with NULs turned into spaces ("" if it is gone).
pid_cmdline() {
    tr '\0' ' ' <"/proc/$1/cmdline" 2>/dev/null || true
}

# Read a pid file; prints the pid only if that process is alive and its
# command line contains NEEDLE (protects against pid reuse after a reboot or crash).
live_pid_from_file() {
    local file=$1 needle=$2 pid
    [[ -r "$file" ]] || return 1
    pid="$(head -n1 "$file" 2>/dev/null | tr -dc 0-9)"
    pid_alive "$pid" || return 1
    [[ "$(pid_cmdline "$pid")" == *"$needle"* ]] || return 1
    printf '%s\n' "$pid"
}

# SIGTERM every pid given, wait up to GRACE seconds for all of them to go,
# then SIGKILL whatever is left. Children of the caller are reaped as well.
terminate_pids() {
    local grace=$1; shift
    local pids=() pid deadline
    for pid in "$@"; do pid_alive "$pid" && pids+=("$pid"); done
    ((${#pids[@]})) || return 0
    kill -TERM "${pids[@]}" 2>/dev/null || true
    deadline=$((SECONDS + grace))
    while ((SECONDS < deadline)); do
        local left=()
        for pid in "${pids[@]}"; do pid_alive "$pid" && left+=("$pid"); done
        ((${#left[@]})) || break
        sleep 0.1
    done
    for pid in "${pids[@]}"; do
        if pid_alive "$pid"; then
            warn "pid $pid ($(pid_cmdline "$pid")) did not stop within ${grace}s; sending SIGKILL"
            kill -KILL "$pid" 2>/dev/null || true
        fi
    done
    # Reap our own children so no zombie is left behind; ignore non-children.
    for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
}

# Pids of the caller and all its ancestors, so sweeps never hit the shell running them.
self_and_ancestors() {
    local pid=$BASHPID ppid
    while [[ -n "$pid" && "$pid" != 0 ]]; do
        printf '%s\n' "$pid"
        ppid="$(awk '/^PPid:/ {print $2}' "/proc/$pid/status" 2>/dev/null)" || break
        pid=$ppid
    done
    printf '%s\n' "$$"
}

# Kill (TERM, then KILL) every process that belongs to DIR, and their
# descendants: its command line mentions DIR, or it is a redis-server/postgres
# whose working directory is inside DIR (redis-server and postgres chdir into
# their data dir, and redis rewrites its command line, so the cwd is the
# reliable mark).
kill_procs_under() {
    local dir=$1 grace=${2:-5}
    local skip p pid ppid cwd stat
    local -A parent=() marked=()
    skip=" $(self_and_ancestors | tr '\n' ' ') "
    for p in /proc/[0-9]*; do
        pid=${p#/proc/}
        [[ "$skip" == *" $pid "* ]] && continue
        pid_alive "$pid" || continue
        stat="$(cat "$p/stat" 2>/dev/null)" || continue
        stat="${stat##*) }"            # "S PPID ..." after the command name
        ppid="${stat#* }"; ppid="${ppid%% *}"
        parent[$pid]=$ppid
        if [[ "$(pid_cmdline "$pid")" == *"$dir"* ]]; then
            marked[$pid]=1
            continue
        fi
        # Gatehouse processes a test started carry the run folder in their environment.
        if { tr '\0' '\n' <"$p/environ"; } 2>/dev/null | grep -qxF "GATEHOUSE_TEST_RUN_DIR=$dir"; then
            marked[$pid]=1
            continue
        fi
        case "$(cat "$p/comm" 2>/dev/null)" in
            redis-server|redis-sentinel|postgres)
                cwd="$(readlink "$p/cwd" 2>/dev/null || true)"
                if [[ "$cwd" == "$dir" || "$cwd" == "$dir"/* ]]; then marked[$pid]=1; fi
                ;;
        esac
    done
    # Descendants of marked processes (a shell wrapper's children, say): walk
    # up from every process; collected now, before killing reparents them.
    local pids=() anc
    for pid in "${!parent[@]}"; do
        anc=$pid
        while [[ -n "$anc" && "$anc" != 0 && "$anc" != 1 ]]; do
            if [[ -n "${marked[$anc]:-}" ]]; then pids+=("$pid"); break; fi
            anc=${parent[$anc]:-}
        done
    done
    ((${#pids[@]})) || return 0
    say "stopping ${#pids[@]} leftover process(es) under $dir"
    terminate_pids "$grace" "${pids[@]}"
}

# swift build configuration: debug (default) or release.
build_config() {
    local config=${GATEHOUSE_BUILD_CONFIG:-debug}
    case "$config" in
        debug|release) printf '%s\n' "$config" ;;
        *) die "GATEHOUSE_BUILD_CONFIG must be debug or release, not '$config'" ;;
    esac
}

# Build the executables (not the test helpers: Tests/Support imports Shared @testable, which a
# release build refuses), in configuration $1. Prints nothing but SwiftPM's progress.
build_executables() {
    local config=$1 product
    for product in gateway token-service social-service idp-service gatehouse-bench; do
        swift build -c "$config" --product "$product"
    done
}

# Export the variables that point the executables (and tests) at a pair of stores.
export_store_env() {
    local pg_port=$1 redis_port=$2
    export GATEHOUSE_PG_HOST=127.0.0.1
    export GATEHOUSE_PG_PORT=$pg_port
    export GATEHOUSE_PG_DATABASE=${GATEHOUSE_PG_DATABASE:-gatehouse}
    export GATEHOUSE_PG_USER=${GATEHOUSE_PG_USER:-gatehouse_app}
    export GATEHOUSE_PG_OWNER_USER=${GATEHOUSE_PG_OWNER_USER:-gatehouse_owner}
    export GATEHOUSE_REDIS_HOST=127.0.0.1
    export GATEHOUSE_REDIS_PORT=$redis_port
}
