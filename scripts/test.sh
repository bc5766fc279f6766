#!/usr/bin/env bash
# Run the digirules test suite under pytest-odoo in a new database that is
# dropped at the end (make test). Exits non-zero when a test fails or when no
# test was collected.
#
# Extra pytest options can be given through PYTEST_ADDOPTS, which pytest reads
# itself, for example: PYTEST_ADDOPTS="-k stage -x" make test
set -euo pipefail

# shellcheck source=scripts/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

TEST_DB="${ADDON_NAME}_test_$$"
TEST_CONF="$STATE_DIR/test-$$.conf"
TEST_DIR="$ADDON_NAME/tests"
TEST_DB_CREATED=0
# Summary line of the last pytest run, printed again as the very last line.
PYTEST_SUMMARY=""

cleanup() {
    local status=$?
    if [[ "$TEST_DB_CREATED" == "1" ]]; then
        if drop_database "$TEST_DB"; then
            log "Dropped database $TEST_DB"
        else
            warn "Dropping database $TEST_DB failed; drop it with: dropdb -h $DB_HOST -p $DB_PORT $TEST_DB"
        fi
        rm -rf "$ODOO_DATA_DIR/filestore/$TEST_DB"
    fi
    rm -f "$TEST_CONF"
    stop_local_cluster
    if [[ -n "$PYTEST_SUMMARY" ]]; then
        printf '%s\n' "$PYTEST_SUMMARY"
    fi
    exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# Install the addon without demo data into a new database.
install_addon() {
    # Set first, so that a database left half-created by a failure is dropped.
    TEST_DB_CREATED=1
    run_odoo_step "Creating database $TEST_DB and installing $ADDON_NAME without demo data" \
        "$LOG_DIR/test-install-$$.log" \
        -c "$TEST_CONF" -d "$TEST_DB" -i "$ADDON_NAME" --without-demo=all --stop-after-init

    local state
    state="$(module_state "$TEST_DB" "$ADDON_NAME")"
    if [[ "$state" != "installed" ]]; then
        show_log_tail "$LOG_DIR/test-install-$$.log"
        die "$ADDON_NAME is not installed in $TEST_DB (module state: '${state:-unknown}') although odoo-bin reported no failure; look for ERROR lines in $LOG_DIR/test-install-$$.log."
    fi
}

# Run the pytest-odoo suite. --odoo-http starts an Odoo HTTP server on a free
# loopback port, so that HttpCase tests (browser tours) run instead of being
# skipped. The log handler hides the error that odoo.tests.common logs, with a
# stack trace, when pytest-odoo imports it before setting test_enable.
run_pytest_suite() {
    if [[ ! -d "$PROJECT_DIR/$TEST_DIR" ]]; then
        die "Test folder $TEST_DIR not found, so there is nothing to run."
    fi

    local output_file="$LOG_DIR/pytest-$$.log"
    local status=0
    log "Running pytest on $TEST_DIR (output also in $output_file)"
    (
        cd "$PROJECT_DIR"
        "$VENV_PYTHON" -m pytest -p no:cacheprovider -rfEs \
            --odoo-config="$TEST_CONF" \
            --odoo-database="$TEST_DB" \
            --odoo-http \
            --odoo-log-level=error \
            --odoo-extra=log-handler=odoo.tests.common:CRITICAL \
            "$TEST_DIR"
    ) 2>&1 | tee "$output_file" || status=$?
    # With pipefail, the pipeline's status is pytest's unless tee failed.

    PYTEST_SUMMARY="$(grep -E '^=+ .* in [0-9.]+s.* =+$' "$output_file" | tail -n 1 || true)"
    case "$status" in
        0) return 0 ;;
        5) die "pytest collected no tests in $TEST_DIR: add test_*.py modules with test methods there. A run without tests counts as a failure." ;;
        *) die "pytest failed (exit status $status); see the report above or $output_file." ;;
    esac
}

main() {
    local started=$SECONDS
    check_odoo_src "make test"
    ensure_venv
    # wkhtmltopdf renders PDF reports; chromium runs the browser tours of
    # HttpCase tests.
    ensure_apt_packages wkhtmltopdf chromium
    ensure_postgres
    write_odoo_config "$TEST_CONF" 8069

    install_addon
    run_pytest_suite
    # Further suites (for example odoo-bin --test-tags) go here and can reuse
    # $TEST_DB and $TEST_CONF.

    log "All tests passed in $((SECONDS - started)) s"
}

main "$@"
