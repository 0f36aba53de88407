# shellcheck shell=bash
# The local mail sink `make run` starts (GATEHOUSE_ENV=local only): scripts/smtp_sink.py, a real
# SMTP server (aiosmtpd) on loopback that keeps each message token-service sends (verification
# and password-reset links) as a .eml file and a .json summary under RUN_DIR/mail. Not started
# when the operator set GATEHOUSE_SMTP_HOST. Source after common.sh.

MAIL_SINK_PID=""
MAIL_SINK_PID_FILE=""

# Start it in RUN_DIR on PORT and export token-service's SMTP settings for it.
mail_sink_start() {
    local dir=$1 port=$2 deadline
    [[ "$GATEHOUSE_ENV" == local && -z "${GATEHOUSE_SMTP_HOST:-}" ]] || return 0
    python_extra aiosmtpd mail-sink-requirements.txt "the local mail sink (aiosmtpd)" \
        "starting without mail (no verification or reset links)" || return 0
    require_free_port "$port" "local mail sink" GATEHOUSE_MAIL_SINK_PORT
    mkdir -p "$dir/mail"
    setsid python3 "$GATEHOUSE_ROOT/scripts/smtp_sink.py" --port "$port" --dir "$dir/mail" \
        </dev/null >>"$dir/logs/mail-sink.log" 2>&1 &
    MAIL_SINK_PID=$!
    MAIL_SINK_PID_FILE=$dir/pids/smtp_sink.pid
    echo "$MAIL_SINK_PID" >"$MAIL_SINK_PID_FILE"
    deadline=$((SECONDS + 20))
    until grep -q '^ready' "$dir/logs/mail-sink.log" 2>/dev/null; do
        pid_alive "$MAIL_SINK_PID" || die "the local mail sink did not start (log: $dir/logs/mail-sink.log)"
        ((SECONDS < deadline)) || die "the local mail sink did not answer in 20 s (log: $dir/logs/mail-sink.log)"
        sleep 0.25
    done
    # Local demo defaults: plain SMTP on loopback, nothing secret.
    export GATEHOUSE_SMTP_HOST=127.0.0.1 GATEHOUSE_SMTP_PORT=$port GATEHOUSE_SMTP_SECURITY=none \
        GATEHOUSE_SMTP_FROM="Gatehouse demo <no-reply@gatehouse.localhost>"
}

mail_sink_stop() {
    [[ -n "$MAIL_SINK_PID" ]] || return 0
    terminate_pids 5 "$MAIL_SINK_PID"
    rm -f "$MAIL_SINK_PID_FILE"
    MAIL_SINK_PID=""
}
