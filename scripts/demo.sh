#!/usr/bin/env bash
# Create (or upgrade) the French demo database and serve it on 127.0.0.1
# (make demo). Safe to run again: the venv, the database and the PostgreSQL
# server are reused.
#
# Environment variables (besides those of common.sh):
#   DEMO_PORT  HTTP port of the demo server (default 8069)
#   DEMO_DB    name of the demo database (default digirules_demo)
#   DEMO_UPGRADE=1  upgrade digirules and reload the demo data even when the
#              addon's files are unchanged since the last make demo
set -euo pipefail

# shellcheck source=scripts/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

DEMO_DB="${DEMO_DB:-digirules_demo}"
DEMO_PORT="${DEMO_PORT:-8069}"
DEMO_CONF="$STATE_DIR/demo.conf"
DEMO_URL="http://127.0.0.1:$DEMO_PORT"
READY_WATCHER_PID=""
SOURCE_HASH=""

cleanup() {
    if [[ -n "$READY_WATCHER_PID" ]]; then
        kill "$READY_WATCHER_PID" 2>/dev/null || true
    fi
    stop_local_cluster
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# Hash of the addon's files. make demo stores it in the database after an
# install or upgrade, and skips the next upgrade while it is unchanged.
addon_source_hash() {
    (
        cd "$PROJECT_DIR"
        find "$ADDON_NAME" -type f ! -path '*/__pycache__/*' ! -name '*.py[co]' -print0 \
            | sort -z | xargs -0 sha256sum | sha256sum | cut -d' ' -f1
    )
}

stored_source_hash() {
    run_psql -d "$DEMO_DB" -tAc \
        "SELECT value FROM ir_config_parameter WHERE key = 'digirules.demo_source_hash'" 2>/dev/null || true
}

run_demo_setup() {
    "$VENV_PYTHON" "$PROJECT_DIR/scripts/demo_setup.py" -c "$DEMO_CONF" -d "$DEMO_DB" "$@"
}

# Steps on a new database. Odoo's own demo data is never loaded
# (--without-demo=all), so the database shows only digirules' French records.
create_demo_database() {
    run_odoo_step "Creating database $DEMO_DB with French (fr_FR) installed" \
        "$LOG_DIR/demo-1-base.log" \
        -c "$DEMO_CONF" -d "$DEMO_DB" -i base --without-demo=all \
        --load-language=fr_FR --stop-after-init

    # Country and currency go first, so that installing account below loads the
    # French chart of accounts instead of the generic one.
    log "Setting the company to France/EUR and the admin user to French"
    run_demo_setup prepare-company || die "Preparing the company in $DEMO_DB failed (see the messages above)."

    run_odoo_step "Installing $ADDON_NAME and the French chart of accounts (l10n_fr_account) in $DEMO_DB, a few minutes" \
        "$LOG_DIR/demo-2-install.log" \
        -c "$DEMO_CONF" -d "$DEMO_DB" -i "$ADDON_NAME,l10n_fr_account" \
        --without-demo=all --stop-after-init
    check_addon_installed

    log "Loading the demo data of $ADDON_NAME"
    run_demo_setup load-demo --require-chart fr --source-hash "$SOURCE_HASH" || die "Loading the demo data into $DEMO_DB failed (see the messages above). Fix the file, then run make demo again: it upgrades the database and loads the demo data again."
}

upgrade_demo_database() {
    run_odoo_step "Upgrading $ADDON_NAME in database $DEMO_DB" \
        "$LOG_DIR/demo-upgrade.log" \
        -c "$DEMO_CONF" -d "$DEMO_DB" -u "$ADDON_NAME" \
        --without-demo=all --stop-after-init
    check_addon_installed

    log "Loading the demo data of $ADDON_NAME again (new records only)"
    run_demo_setup load-demo --source-hash "$SOURCE_HASH" || die "Loading the demo data into $DEMO_DB failed (see the messages above)."
}

check_addon_installed() {
    local state
    state="$(module_state "$DEMO_DB" "$ADDON_NAME")"
    if [[ "$state" != "installed" ]]; then
        die "$ADDON_NAME is not installed in $DEMO_DB (module state: '${state:-unknown}') although odoo-bin reported no failure; look for ERROR lines in $LOG_DIR."
    fi
}

# Print the URL and login once /web/login returns HTTP 200. Runs in the
# background while odoo-bin serves in the foreground.
watch_until_ready() {
    local started=$SECONDS
    while ((SECONDS - started < 300)); do
        if "$VENV_PYTHON" - "$DEMO_URL/web/login" <<'EOF' 2>/dev/null; then
import sys
import urllib.request

with urllib.request.urlopen(sys.argv[1], timeout=5) as response:
    sys.exit(0 if response.status == 200 else 1)
EOF
            log "Odoo is ready, $SECONDS s after make demo started: open $DEMO_URL and log in with login admin, password admin. Stop the server with Ctrl+C."
            return 0
        fi
        sleep 1
    done
    warn "$DEMO_URL/web/login did not answer within 300 s."
}

serve_demo() {
    log "Starting Odoo on $DEMO_URL (database $DEMO_DB; only warnings and errors are shown)"
    watch_until_ready &
    READY_WATCHER_PID=$!
    local status=0
    odoo_bin -c "$DEMO_CONF" -d "$DEMO_DB" --db-filter="^${DEMO_DB}\$" --log-level=warn || status=$?
    log "Odoo stopped (exit status $status)"
    return "$status"
}

main() {
    check_odoo_src "make demo"
    if ! [[ "$DEMO_PORT" =~ ^[0-9]+$ ]] || ((DEMO_PORT < 1 || DEMO_PORT > 65535)); then
        die "DEMO_PORT=$DEMO_PORT is not a valid TCP port. Set DEMO_PORT to a number between 1 and 65535, for example: DEMO_PORT=8070 make demo"
    fi
    if ! port_is_free "$DEMO_PORT"; then
        die "Port $DEMO_PORT on 127.0.0.1 is already in use, so the demo server cannot start there. Stop the program that uses it, or choose another port with DEMO_PORT, for example: DEMO_PORT=8070 make demo"
    fi

    ensure_venv
    "$VENV_PYTHON" "$PROJECT_DIR/scripts/demo_setup.py" check-demo-files "$PROJECT_DIR/$ADDON_NAME" \
        || exit 1
    ensure_apt_packages wkhtmltopdf
    ensure_postgres
    write_odoo_config "$DEMO_CONF" "$DEMO_PORT"

    if database_exists "$DEMO_DB"; then
        local state
        state="$(module_state "$DEMO_DB" "$ADDON_NAME")"
        if [[ "$state" != "installed" ]]; then
            log "Database $DEMO_DB exists but $ADDON_NAME is not installed in it (an earlier make demo stopped before the end); dropping it and starting again"
            drop_database "$DEMO_DB"
            rm -rf "$ODOO_DATA_DIR/filestore/$DEMO_DB"
        fi
    fi

    # Taken before the upgrade: a file changed while it runs leads to another
    # upgrade on the next run.
    SOURCE_HASH="$(addon_source_hash)"
    if database_exists "$DEMO_DB"; then
        if [[ "${DEMO_UPGRADE:-0}" != "1" && "$(stored_source_hash)" == "$SOURCE_HASH" ]]; then
            log "$ADDON_NAME is unchanged since the last make demo: no upgrade (DEMO_UPGRADE=1 make demo forces one)"
        else
            upgrade_demo_database
        fi
    else
        create_demo_database
    fi

    serve_demo
}

main "$@"
