#!/usr/bin/env bash
# Private PostgreSQL and Redis for one working folder (.run, .test-run, .bench-run).
#
#   scripts/stores.sh start [--no-fsync] DIR PG_PORT REDIS_PORT
#   scripts/stores.sh stop DIR
#   scripts/stores.sh destroy DIR      # stop, then delete DIR and its data
#   scripts/stores.sh status DIR
#   scripts/stores.sh pg-start [--no-fsync] DIR PG_PORT    # PostgreSQL alone (fault tests)
#   scripts/stores.sh pg-restart DIR                       # pg_ctl restart -m fast
#   scripts/stores.sh pg-stop DIR                          # pg_ctl stop -m fast
#
# Layout: DIR/pg (cluster), DIR/pg.log, DIR/redis (redis working dir),
# DIR/redis.pid, DIR/redis.log, DIR/ports (the ports last used, for `stop`).
#
# Both stores listen on 127.0.0.1 only. PostgreSQL trusts every loopback
# connection (no passwords): a local-only convenience, never a deployment setup.
# `start` is idempotent: stores of DIR that are already up are reused.
#
# Environment: GATEHOUSE_PG_OWNER_USER (gatehouse_owner), GATEHOUSE_PG_USER
# (gatehouse_app), GATEHOUSE_PG_DATABASE (gatehouse) name the roles and database;
# GATEHOUSE_STORES_PG_PORT_VAR / GATEHOUSE_STORES_REDIS_PORT_VAR name the
# variables quoted in "port in use" messages (callers with other variables set them).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"

PG_PORT_VAR=${GATEHOUSE_STORES_PG_PORT_VAR:-GATEHOUSE_PG_PORT}
REDIS_PORT_VAR=${GATEHOUSE_STORES_REDIS_PORT_VAR:-GATEHOUSE_REDIS_PORT}
PG_OWNER=${GATEHOUSE_PG_OWNER_USER:-gatehouse_owner}
PG_APP=${GATEHOUSE_PG_USER:-gatehouse_app}
PG_DB=${GATEHOUSE_PG_DATABASE:-gatehouse}

usage() {
    sed -n '4,10p' "${BASH_SOURCE[0]}" | sed 's/^# *//' >&2
    exit 2
}

# ---------------------------------------------------------------- PostgreSQL

pg_bin_dir() {
    local dir
    # Newest installed major version (sort -V so 9.6 < 10 < 15 < 16).
    dir="$(printf '%s\n' /usr/lib/postgresql/*/bin | sort -V | tail -n1)"
    [[ -x "$dir/pg_ctl" ]] || die "PostgreSQL server binaries not found under /usr/lib/postgresql/*/bin (run scripts/install-deps.sh)"
    printf '%s\n' "$dir"
}

# initdb and pg_ctl refuse to run as root: as root, run them as the `postgres`
# system user (created by Debian's postgresql package). cd / first so that
# they do not trip over a cwd that user cannot read.
as_pg() {
    if ((EUID == 0)); then
        id -u postgres >/dev/null 2>&1 || die "running as root needs the 'postgres' system user (apt-get install postgresql)"
        (cd / && runuser -u postgres -- "$@")
    else
        "$@"
    fi
}

# Can the server user reach DIR? When root runs a checkout under e.g. /root
# (mode 700), the postgres user cannot, so the cluster goes to a folder under
# /tmp named after DIR, and DIR/pg and DIR/pg.log become symlinks to it.
pg_can_reach() {
    local dir=$1
    ((EUID != 0)) || runuser -u postgres -- test -x "$dir" 2>/dev/null
}

# Where the cluster of DIR lives (follows the symlink described above).
pg_data_dir() {
    local dir=$1
    if [[ -L "$dir/pg" ]]; then readlink -f "$dir/pg"; else printf '%s\n' "$dir/pg"; fi
}

pg_running() {
    local data=$1
    [[ -f "$data/PG_VERSION" ]] || return 1
    as_pg "$PG_BIN/pg_ctl" status -D "$data" >/dev/null 2>&1
}

# Port of a running cluster, from line 4 of postmaster.pid.
pg_running_port() {
    sed -n 4p "$1/postmaster.pid" 2>/dev/null || true
}

pg_init() {
    local dir=$1 data home
    data="$(pg_data_dir "$dir")"
    [[ -f "$data/PG_VERSION" ]] && return 0

    home=$dir
    if ! pg_can_reach "$dir"; then
        home="${TMPDIR:-/tmp}/gatehouse-pg-$(printf '%s' "$dir" | sha256sum | cut -c1-12)"
        warn "user postgres cannot reach $dir; keeping the cluster in $home (linked from $dir/pg)"
        mkdir -p "$home"
        chmod 755 "$home"
        ln -sfn "$home/pg" "$dir/pg"
        ln -sfn "$home/pg.log" "$dir/pg.log"
    fi
    data=$home/pg

    say "initialising PostgreSQL cluster in $data"
    rm -rf "$data"
    mkdir -p "$data"
    chmod 700 "$data"
    touch "$home/pg.log"
    if ((EUID == 0)); then chown postgres: "$data" "$home/pg.log"; fi
    # --no-sync: a throw-away local cluster does not need initdb's fsyncs.
    as_pg "$PG_BIN/initdb" -D "$data" -U postgres -A trust -E UTF8 --locale=C.UTF-8 --no-sync >"$home/initdb.log" 2>&1 ||
        { cat "$home/initdb.log" >&2; die "initdb failed (log above)"; }

    # TCP on loopback only. No Unix socket: its path is limited to ~107 bytes,
    # which a deep checkout path would overflow; everything connects over TCP.
    cat >>"$data/postgresql.conf" <<'EOF'

# --- Gatehouse local cluster (scripts/stores.sh) ---
listen_addresses = '127.0.0.1'
unix_socket_directories = ''
max_connections = 200
log_line_prefix = '%m [%p] %q%u@%d '
EOF
    # Trust loopback connections, nothing else. Local clusters only.
    cat >"$data/pg_hba.conf" <<'EOF'
# Gatehouse local cluster: trust on loopback only, no passwords (local-only convenience).
# TYPE  DATABASE  USER  ADDRESS        METHOD
host    all       all   127.0.0.1/32   trust
EOF
}

# The server's certificate and key beside its data (the key readable by the server's user only,
# as PostgreSQL insists), and connections over TLS only.
pg_tls() {
    local data=$1 source=$2 tls
    tls="$(dirname "$data")/tls"
    mkdir -p "$tls"
    cp "$source/server.pem" "$tls/server.crt"
    cp "$source/server.key" "$tls/server.key"
    chmod 600 "$tls/server.key"
    if ((EUID == 0)); then chown -R postgres: "$tls"; fi
    cat >"$data/pg_hba.conf" <<'EOF'
# Gatehouse test cluster with TLS: trust on loopback over TLS only.
# TYPE     DATABASE  USER  ADDRESS        METHOD
hostssl    all       all   127.0.0.1/32   trust
hostnossl  all       all   127.0.0.1/32   reject
EOF
}

pg_start() {
    local dir=$1 port=$2 fsync=$3 data running_port opts
    data="$(pg_data_dir "$dir")"
    if pg_running "$data"; then
        running_port="$(pg_running_port "$data")"
        if [[ "$running_port" == "$port" ]]; then
            say "PostgreSQL of $dir already running on port $port; reusing it"
            return 0
        fi
        say "PostgreSQL of $dir runs on port $running_port, wanted $port; restarting it"
        pg_stop "$dir"
    fi
    require_free_port "$port" "PostgreSQL" "$PG_PORT_VAR"
    pg_init "$dir"
    data="$(pg_data_dir "$dir")"

    # Port and durability are start options, not config, so a cluster can be
    # reused with other ports. fsync=off only for test data (--no-fsync).
    # The server writes its log as the postgres user, so make sure it may.
    local log
    log="$(dirname "$data")/pg.log"
    touch "$log"
    if ((EUID == 0)); then chown postgres: "$log"; fi

    # GATEHOUSE_PG_EXTRA_OPTS: more server options for a diagnosis, e.g.
    # "-c shared_preload_libraries=pg_stat_statements" while profiling a benchmark.
    opts="-c port=$port ${GATEHOUSE_PG_EXTRA_OPTS:-}"
    # GATEHOUSE_PG_TLS_DIR: a folder with server.pem and server.key (a test's own CA): the server
    # speaks TLS and refuses every connection without it (docs/plumbing.md, "The PostgreSQL pool").
    if [[ -n "${GATEHOUSE_PG_TLS_DIR:-}" ]]; then
        pg_tls "$data" "$GATEHOUSE_PG_TLS_DIR"
        opts+=" -c ssl=on -c ssl_cert_file=$(dirname "$data")/tls/server.crt -c ssl_key_file=$(dirname "$data")/tls/server.key"
    fi
    if [[ "$fsync" == off ]]; then
        opts+=" -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
    fi
    say "starting PostgreSQL on 127.0.0.1:$port"
    if ! as_pg "$PG_BIN/pg_ctl" start -D "$data" -l "$log" -w -t 60 -o "$opts" >/dev/null; then
        tail -n 20 "$log" >&2 || true
        die "PostgreSQL did not start (log: $dir/pg.log)"
    fi
}

# Roles and database, created only when missing, attributes re-asserted each time.
pg_bootstrap() {
    local port=$1
    # \gexec runs each generated statement on its own, outside a transaction,
    # which CREATE DATABASE needs. format(%I) quotes the names safely.
    psql -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$port" -U postgres -d postgres \
        -v owner="$PG_OWNER" -v app="$PG_APP" -v db="$PG_DB" >/dev/null <<'SQL'
SELECT format('CREATE ROLE %I', :'owner') WHERE NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = :'owner') \gexec
SELECT format('CREATE ROLE %I', :'app')   WHERE NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = :'app') \gexec
-- Owner runs migrations and owns every table; the app role owns nothing and
-- bypasses nothing, so row-level security applies to it.
SELECT format('ALTER ROLE %I LOGIN CREATEDB NOSUPERUSER NOCREATEROLE NOBYPASSRLS', :'owner') \gexec
SELECT format('ALTER ROLE %I LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOBYPASSRLS', :'app') \gexec
SELECT format('CREATE DATABASE %I OWNER %I', :'db', :'owner') WHERE NOT EXISTS (SELECT 1 FROM pg_database WHERE datname = :'db') \gexec
SELECT format('ALTER DATABASE %I OWNER TO %I', :'db', :'owner') \gexec
SELECT format('GRANT CONNECT, TEMPORARY ON DATABASE %I TO %I', :'db', :'app') \gexec
SQL
}

pg_stop() {
    local dir=$1 data
    data="$(pg_data_dir "$dir")"
    [[ -n "${PG_BIN:-}" ]] || return 0
    if pg_running "$data"; then
        say "stopping PostgreSQL of $dir"
        as_pg "$PG_BIN/pg_ctl" stop -D "$data" -m fast -w -t 30 >/dev/null ||
            as_pg "$PG_BIN/pg_ctl" stop -D "$data" -m immediate -w -t 10 >/dev/null || true
    fi
}

# --------------------------------------------------------------------- Redis

# Pid of DIR's redis-server if it runs: the pid file names it and its working
# directory is DIR/redis (redis chdirs into --dir), which rules out pid reuse.
redis_pid() {
    local dir=$1 pid
    pid="$(head -n1 "$dir/redis.pid" 2>/dev/null | tr -dc 0-9)"
    pid_alive "$pid" || return 1
    [[ "$(readlink "/proc/$pid/cwd" 2>/dev/null)" == "$dir/redis" ]] || return 1
    printf '%s\n' "$pid"
}

redis_ping() {
    [[ "$(timeout 2 redis-cli -h 127.0.0.1 -p "$1" ping 2>/dev/null)" == PONG ]]
}

redis_start() {
    local dir=$1 port=$2 pid deadline
    if pid="$(redis_pid "$dir")"; then
        if [[ "$(timeout 2 redis-cli -h 127.0.0.1 -p "$port" config get dir 2>/dev/null | sed -n 2p)" == "$dir/redis" ]]; then
            say "Redis of $dir already running on port $port; reusing it"
            return 0
        fi
        say "Redis of $dir runs on another port; restarting it on $port"
        redis_stop "$dir"
    fi
    require_free_port "$port" "Redis" "$REDIS_PORT_VAR"
    command -v redis-server >/dev/null || die "redis-server not found (run scripts/install-deps.sh)"

    mkdir -p "$dir/redis"
    rm -f "$dir/redis.pid"
    say "starting Redis on 127.0.0.1:$port"
    # No persistence: these stores are scratch space; services rebuild state
    # from PostgreSQL. The process title carries DIR so `ps` shows whose it is.
    redis-server --port "$port" --bind 127.0.0.1 --dir "$dir/redis" \
        --daemonize yes --pidfile "$dir/redis.pid" --logfile "$dir/redis.log" \
        --save '' --appendonly no \
        --proc-title-template "{title} {listen-addr} {server-mode} gatehouse:$dir" >/dev/null

    deadline=$((SECONDS + 10))
    until redis_ping "$port"; do
        if ((SECONDS >= deadline)); then
            tail -n 20 "$dir/redis.log" >&2 || true
            die "Redis did not answer PING on port $port within 10 s (log: $dir/redis.log)"
        fi
        sleep 0.1
    done
}

redis_stop() {
    local dir=$1 pid
    pid="$(redis_pid "$dir")" || return 0
    say "stopping Redis of $dir"
    # SIGTERM is a clean shutdown for redis; with --save '' it writes nothing.
    terminate_pids 10 "$pid"
    rm -f "$dir/redis.pid"
}

# ------------------------------------------------------------------ commands

cmd_start() {
    local fsync=on
    if [[ "${1:-}" == --no-fsync ]]; then fsync=off; shift; fi
    (($# == 3)) || usage
    local dir pg_port=$2 redis_port=$3
    [[ "$pg_port" =~ ^[0-9]+$ && "$redis_port" =~ ^[0-9]+$ ]] || die "ports must be numbers: '$pg_port' '$redis_port'"
    [[ "$pg_port" != "$redis_port" ]] || die "PostgreSQL and Redis need different ports (both $pg_port)"
    dir="$(abs_path "$1")"

    PG_BIN="$(pg_bin_dir)"
    command -v psql >/dev/null || die "psql not found (run scripts/install-deps.sh)"
    # Check both ports before starting anything, so a clash leaves nothing half-up.
    if ! pg_running "$(pg_data_dir "$dir")"; then require_free_port "$pg_port" "PostgreSQL" "$PG_PORT_VAR"; fi
    if ! redis_pid "$dir" >/dev/null; then require_free_port "$redis_port" "Redis" "$REDIS_PORT_VAR"; fi

    pg_start "$dir" "$pg_port" "$fsync"
    pg_bootstrap "$pg_port"
    redis_start "$dir" "$redis_port"
    printf 'pg_port=%s\nredis_port=%s\n' "$pg_port" "$redis_port" >"$dir/ports"
    say "stores ready: PostgreSQL 127.0.0.1:$pg_port (db $PG_DB, roles $PG_OWNER/$PG_APP), Redis 127.0.0.1:$redis_port"
}

cmd_stop() {
    (($# == 1)) || usage
    local dir=$1
    [[ -d "$dir" ]] || return 0
    dir="$(abs_path "$dir")"
    PG_BIN="$(pg_bin_dir 2>/dev/null)" || PG_BIN=""
    redis_stop "$dir"
    pg_stop "$dir"
}

cmd_destroy() {
    (($# == 1)) || usage
    local dir=$1 data
    [[ -d "$dir" || -L "$dir" ]] || return 0
    dir="$(abs_path "$dir")"
    cmd_stop "$dir"
    # A cluster kept outside DIR (see pg_init) goes too.
    if [[ -L "$dir/pg" ]]; then
        data="$(readlink -f "$dir/pg")"
        case "$data" in */gatehouse-pg-*/pg) rm -rf "$(dirname "$data")" ;; esac
    fi
    rm -rf "$dir"
}

cmd_status() {
    (($# == 1)) || usage
    local dir=$1 data
    dir="$(abs_path "$dir")"
    PG_BIN="$(pg_bin_dir)"
    data="$(pg_data_dir "$dir")"
    if pg_running "$data"; then echo "postgresql: running on port $(pg_running_port "$data")"; else echo "postgresql: stopped"; fi
    if redis_pid "$dir" >/dev/null; then echo "redis: running (pid $(redis_pid "$dir"))"; else echo "redis: stopped"; fi
}

# PostgreSQL alone, for tests that stop and restart it under load.
cmd_pg_start() {
    local fsync=on
    if [[ "${1:-}" == --no-fsync ]]; then fsync=off; shift; fi
    (($# == 2)) || usage
    local dir port=$2
    [[ "$port" =~ ^[0-9]+$ ]] || die "port must be a number: '$port'"
    mkdir -p "$1"
    dir="$(abs_path "$1")"
    PG_BIN="$(pg_bin_dir)"
    pg_start "$dir" "$port" "$fsync"
    pg_bootstrap "$port"
}

cmd_pg_restart() {
    (($# == 1)) || usage
    local dir data
    dir="$(abs_path "$1")"
    PG_BIN="$(pg_bin_dir)"
    data="$(pg_data_dir "$dir")"
    pg_running "$data" || die "PostgreSQL of $dir is not running"
    # Fast mode, as a managed database's maintenance restart: sessions are ended, in-flight
    # transactions rolled back. The server keeps the options it was started with.
    as_pg "$PG_BIN/pg_ctl" restart -D "$data" -m fast -w -t 60 -l "$(dirname "$data")/pg.log" >/dev/null ||
        die "PostgreSQL of $dir did not restart (log: $(dirname "$data")/pg.log)"
}

cmd_pg_stop() {
    (($# == 1)) || usage
    PG_BIN="$(pg_bin_dir)"
    pg_stop "$(abs_path "$1")"
}

main() {
    local cmd=${1:-}
    (($#)) && shift
    case "$cmd" in
        start) cmd_start "$@" ;;
        stop) cmd_stop "$@" ;;
        destroy) cmd_destroy "$@" ;;
        status) cmd_status "$@" ;;
        pg-start) cmd_pg_start "$@" ;;
        pg-restart) cmd_pg_restart "$@" ;;
        pg-stop) cmd_pg_stop "$@" ;;
        *) usage ;;
    esac
}

main "$@"
