# shellcheck shell=bash
# The local demo identity provider `make run` starts (GATEHOUSE_ENV=local only): oidc-provider-mock
# on loopback, offered through social-service's generic OpenID Connect provider with the settings
# in scripts/demo-provider.env. Any name typed on its page signs in. Source after common.sh.

DEMO_PROVIDER_PID=""
DEMO_PROVIDER_PID_FILE=""

# Start it in RUN_DIR on PORT and export its settings, unless this is not local mode or the
# operator configured a real OpenID Connect provider (GATEHOUSE_SOCIAL_OIDC_CLIENT_ID).
demo_provider_start() {
    local dir=$1 port=$2 line deadline
    [[ "$GATEHOUSE_ENV" == local && -z "${GATEHOUSE_SOCIAL_OIDC_CLIENT_ID:-}" ]] || return 0
    python_extra oidc_provider_mock demo-provider-requirements.txt "the demo identity provider (oidc-provider-mock)" \
        "starting without the demo identity provider" || return 0
    require_free_port "$port" "demo identity provider" GATEHOUSE_DEMO_PROVIDER_PORT
    setsid python3 -m oidc_provider_mock --host 127.0.0.1 --port "$port" -n </dev/null >>"$dir/logs/demo-provider.log" 2>&1 &
    DEMO_PROVIDER_PID=$!
    DEMO_PROVIDER_PID_FILE=$dir/pids/oidc_provider_mock.pid
    echo "$DEMO_PROVIDER_PID" >"$DEMO_PROVIDER_PID_FILE"
    deadline=$((SECONDS + 20))
    until curl -fsS -o /dev/null "http://127.0.0.1:$port/jwks" 2>/dev/null; do
        pid_alive "$DEMO_PROVIDER_PID" || die "the demo identity provider did not start (log: $dir/logs/demo-provider.log)"
        ((SECONDS < deadline)) || die "the demo identity provider did not answer in 20 s (log: $dir/logs/demo-provider.log)"
        sleep 0.25
    done
    while IFS= read -r line; do
        line=${line%$'\r'}
        [[ "$line" == *=* && "$line" != \#* ]] || continue
        # Split at the first '=' only: a value may hold '=' itself.
        export "${line%%=*}=$(printf '%s' "${line#*=}" | sed "s/{port}/$port/g")"
    done <"$GATEHOUSE_ROOT/scripts/demo-provider.env"
}

demo_provider_stop() {
    [[ -n "$DEMO_PROVIDER_PID" ]] || return 0
    terminate_pids 5 "$DEMO_PROVIDER_PID"
    rm -f "$DEMO_PROVIDER_PID_FILE"
    DEMO_PROVIDER_PID=""
}
