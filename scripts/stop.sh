#!/usr/bin/env bash
# `make stop`: stop what `make run` (or `make bench`) started, from another shell.
#
#   scripts/stop.sh [DIR]     DIR defaults to .run
#
# First asks the owning script (run.sh / bench.sh, via its pid file) to stop:
# it then shuts the services down in order and stops the stores. If that
# script is gone or does not finish in time, stops the services by their pid
# files and the stores directly.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"
source "$GATEHOUSE_ROOT/scripts/lib/stack.sh"
cd "$GATEHOUSE_ROOT"

# run.sh needs up to STACK_STOP_GRACE for the services plus a few seconds for the stores.
OWNER_TIMEOUT=30

# Signal the owning script and wait for it to exit. True if it did.
stop_owner() {
    local dir=$1 file script pid deadline
    for script in run bench; do
        file=$dir/pids/$script.pid
        pid="$(live_pid_from_file "$file" "$script.sh")" || continue
        say "asking $script.sh (pid $pid) to stop"
        kill -TERM "$pid" 2>/dev/null || true
        deadline=$((SECONDS + OWNER_TIMEOUT))
        while pid_alive "$pid" && ((SECONDS < deadline)); do sleep 0.2; done
        if pid_alive "$pid"; then
            warn "$script.sh (pid $pid) did not stop within ${OWNER_TIMEOUT}s; stopping its processes directly"
            kill -KILL "$pid" 2>/dev/null || true
            return 1
        fi
        return 0
    done
    return 1
}

main() {
    local dir=${1:-.run}
    if [[ ! -d "$dir" ]]; then
        say "nothing to stop ($dir does not exist)"
        return 0
    fi
    dir="$(abs_path "$dir")"
    stop_owner "$dir" || true
    # Fallback, and a no-op when the owner cleaned up after itself.
    stack_stop_leftovers "$dir"
    bash "$GATEHOUSE_ROOT/scripts/stores.sh" stop "$dir"
    rm -f "$dir/pids/run.pid" "$dir/pids/bench.pid"
    say "stopped ($dir)"
}

main "$@"
