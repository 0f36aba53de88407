#!/usr/bin/env bash
# An operator command against what `make run` started (its stores under .run/), e.g.
#   bash scripts/admin.sh token-service reset-password --username admin
#   bash scripts/admin.sh token-service create-superuser --username ops --email ops@example.com
#   bash scripts/admin.sh idp-service ci-permission --help
# Runs `<service> admin <arguments>` from the build `make run` used, with its settings.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"
cd "$GATEHOUSE_ROOT"

(($# >= 1)) || die "usage: bash scripts/admin.sh token-service|social-service|idp-service COMMAND [OPTIONS]"
service=$1
shift
case "$service" in
    token-service|social-service|idp-service) ;;
    *) die "the service is token-service, social-service or idp-service, not '$service'" ;;
esac
bin="$(swift build -c "$(build_config)" --show-bin-path)/$service"
[[ -x "$bin" ]] || die "$bin is not built yet: run 'make run' first"
export GATEHOUSE_ENV=${GATEHOUSE_ENV:-local}
export_store_env "${GATEHOUSE_PG_PORT:-5433}" "${GATEHOUSE_REDIS_PORT:-6380}"
exec "$bin" admin "$@"
