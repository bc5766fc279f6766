#!/usr/bin/env bash
# Run Odoo's own test suites that digirules hooks into, with digirules
# installed (make test-odoo): crm, sale_crm and sale in full, and the account
# tests of payment registration, reconciliation and bank statements. They must
# pass unchanged. Takes about half an hour on 2 cores; not part of make test.
#
# ODOO_TEST_TAGS replaces the selection, for example
# ODOO_TEST_TAGS=/sale_crm make test-odoo
set -euo pipefail

# shellcheck source=scripts/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

ODOO_TEST_DB="${ADDON_NAME}_odoo_tests_$$"
ODOO_TEST_CONF="$STATE_DIR/test-odoo-$$.conf"
ODOO_TEST_LOG="$LOG_DIR/test-odoo-$$.log"
DEFAULT_TAGS="/crm,/sale_crm,/sale,/account:TestAccountPaymentRegister,/account:TestAccountMoveReconcile,/account:TestAccountBankStatementLine"
ODOO_TEST_DB_CREATED=0

cleanup() {
    local status=$?
    if [[ "$ODOO_TEST_DB_CREATED" == "1" ]]; then
        drop_database "$ODOO_TEST_DB" || warn "Dropping database $ODOO_TEST_DB failed; drop it with: dropdb -h $DB_HOST -p $DB_PORT $ODOO_TEST_DB"
        rm -rf "$ODOO_DATA_DIR/filestore/$ODOO_TEST_DB"
    fi
    rm -f "$ODOO_TEST_CONF"
    stop_local_cluster
    exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

main() {
    local started=$SECONDS
    local tags="${ODOO_TEST_TAGS:-$DEFAULT_TAGS}"
    check_odoo_src "make test-odoo"
    ensure_venv
    ensure_postgres
    write_odoo_config "$ODOO_TEST_CONF" 8069

    # Installing digirules installs crm, sale_crm, sale and account in the same
    # run, so their at_install tests run as in Odoo's own CI, then the
    # post_install ones.
    ODOO_TEST_DB_CREATED=1
    log "Installing $ADDON_NAME in $ODOO_TEST_DB and running Odoo's tests $tags (log: $ODOO_TEST_LOG)"
    local status=0
    odoo_bin -c "$ODOO_TEST_CONF" -d "$ODOO_TEST_DB" -i "$ADDON_NAME" --without-demo=all \
        --test-enable --test-tags "$tags" --stop-after-init \
        --logfile="$ODOO_TEST_LOG" --log-level=test || status=$?

    local summary
    summary="$(grep -E 'odoo.tests.result: [0-9]+ failed, [0-9]+ error\(s\) of [0-9]+ tests' "$ODOO_TEST_LOG" | tail -n 1 | sed -E 's/.*odoo.tests.result: //' || true)"
    grep -E '(ERROR|FAIL): ' "$ODOO_TEST_LOG" | head -n 40 || true
    if [[ -z "$summary" ]]; then
        show_log_tail "$ODOO_TEST_LOG"
        die "Odoo printed no test summary (odoo-bin exit status $status); see $ODOO_TEST_LOG."
    fi
    log "Odoo tests with $ADDON_NAME installed: $summary ($((SECONDS - started)) s)"
    if [[ "$status" != "0" ]] || ! grep -qE '^0 failed, 0 error\(s\)' <<<"$summary"; then
        die "Odoo's own tests failed with $ADDON_NAME installed: $summary; see $ODOO_TEST_LOG."
    fi
}

main "$@"
