# promtool, Prometheus's rule checker (SecurityAlertRulesTests checks deploy/prometheus with it):
# the binary out of Debian's prometheus package, unpacked into .build/tools rather than
# installed, so no Prometheus server or service comes with it. Prints its path.
ensure_promtool() {
    local tools=.build/tools
    if [[ ! -x "$tools/promtool" ]]; then
        rm -rf "$tools/unpack" && mkdir -p "$tools/unpack"
        if ! (cd "$tools/unpack" && apt-get download prometheus >/dev/null 2>&1); then
            say "apt-get update (for prometheus's package)" >&2
            if ((EUID == 0)); then apt-get update -q >/dev/null; else sudo apt-get update -q >/dev/null; fi
            (cd "$tools/unpack" && apt-get download prometheus >/dev/null) || die "could not download Debian's prometheus package"
        fi
        dpkg-deb -x "$tools"/unpack/prometheus_*.deb "$tools/unpack/root"
        cp "$tools/unpack/root/usr/bin/promtool" "$tools/promtool"
        rm -rf "$tools/unpack"
    fi
    echo "$(abs_path "$tools")/promtool"
}
