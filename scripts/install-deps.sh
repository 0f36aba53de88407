#!/usr/bin/env bash
# Install the Debian packages Gatehouse needs, and only those that are missing.
#
#   postgresql       local PostgreSQL (scripts/stores.sh runs its own cluster)
#   redis-server     local Redis (likewise; the system instance is not used)
#   libhiredis-dev   the CHiredis system-library target links against it
#   libqrencode-dev  CQREncode: QR codes for TOTP enrolment
#   libpng-dev       CPNG: writes those QR codes as PNG
#   pkg-config       SwiftPM finds hiredis through pkg-config
#   wrk              HTTP load generator for `make bench`
#   curl             readiness checks in scripts/run.sh and scripts/bench.sh
#   python3          test helpers (local OAuth/OIDC providers)
#
# With --test (what `make test` passes), also what the browser tests of the hosted pages need:
#   chromium, chromium-driver   the real browser selenium drives (Tests/python/browser_sso.py)
#   fonts-nanum                 Korean glyphs, so the Korean pages' screenshots can be read
#
# Runs non-interactively. As root it calls apt-get directly; otherwise through
# sudo when that exists. `apt-get update` runs once, and only if something is missing.
# Swift itself is not installed here: it must already be on PATH.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"

PACKAGES=(postgresql redis-server libhiredis-dev libqrencode-dev libpng-dev pkg-config wrk curl)
if [[ "${1:-}" == "--test" ]]; then
    PACKAGES+=(chromium chromium-driver fonts-nanum)
fi

installed() {
    dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'install ok installed'
}

missing=()
for pkg in "${PACKAGES[@]}"; do
    installed "$pkg" || missing+=("$pkg")
done
# Any python3 on PATH will do (pyenv, a venv, ...); only install Debian's if none.
command -v python3 >/dev/null 2>&1 || installed python3 || missing+=(python3)

if ((${#missing[@]})); then
    command -v apt-get >/dev/null 2>&1 ||
        die "missing packages (${missing[*]}) and no apt-get: install them by hand"
    sudo=()
    if ((EUID != 0)); then
        command -v sudo >/dev/null 2>&1 ||
            die "missing packages (${missing[*]}); run as root or install sudo: apt-get install ${missing[*]}"
        sudo=(sudo)
    fi
    say "installing missing packages: ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -q
    "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

command -v swift >/dev/null 2>&1 ||
    die "swift is not on PATH; install a Swift 6 toolchain (https://www.swift.org/install/linux/)"
