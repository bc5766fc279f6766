"""Prepare the demo database: French company settings and digirules' demo data.

Run with the Python of .venv, which imports Odoo through a .pth file:

    python scripts/demo_setup.py -c CONF -d DB prepare-company
    python scripts/demo_setup.py -c CONF -d DB load-demo [--require-chart fr]
    python scripts/demo_setup.py check-demo-files ADDON_FOLDER

prepare-company sets the main company to France and EUR and the admin user's
language to French. It must run before the account module is installed,
because account picks the chart of accounts from the company's country.

load-demo loads the files listed under "demo" in digirules/__manifest__.py, in
that order, as Odoo does for a module installed with demo data. The first load
uses mode "init", which also writes the records of other modules that the
files change (the main company, say). Later loads use mode "update", which
skips every record that already exists because demo records are noupdate, and
creates only the records added to the files since.

check-demo-files stops with an error when a listed demo file is missing; it
needs no database, so make demo runs it before the slow steps.
"""

import argparse
import ast
import logging
import os
import sys
import threading

import odoo
from odoo import SUPERUSER_ID, api
from odoo.modules.module import get_module_path
from odoo.tools import convert

ADDON = "digirules"
# Set in the same transaction as the first complete load of the demo files.
DEMO_LOADED_PARAMETER = "digirules.demo_data_loaded"
# Hash of the addon's files at the last upgrade, set by make demo (demo.sh).
SOURCE_HASH_PARAMETER = "digirules.demo_source_hash"

_logger = logging.getLogger("digirules.demo_setup")


class DemoSetupError(Exception):
    """A failure to report in one line, without a traceback."""


def prepare_company(env):
    """Set the main company to France/EUR and the admin user to French."""
    french = env["res.lang"]._lang_get("fr_FR")
    if not french or not french.active:
        raise DemoSetupError(
            "the language fr_FR is not installed in this database "
            "(it is loaded by odoo-bin --load-language=fr_FR)."
        )

    admin = env.ref("base.user_admin")
    admin.write({"lang": "fr_FR", "tz": "Europe/Paris"})
    env.cr.commit()

    # Writing the country installs the localization modules of that country
    # that have all their dependencies installed (l10n_fr with only base
    # installed); Odoo commits and reloads the registry while doing so.
    company = env.ref("base.main_company")
    company_name = company.name
    company.write(
        {
            "country_id": env.ref("base.fr").id,
            "currency_id": env.ref("base.EUR").id,
        }
    )
    env.cr.commit()
    print(
        f"Company {company_name!r}: country FR, currency EUR; "
        "user admin: language fr_FR"
    )


def find_addon_path():
    """Return the addon's folder, found through the configured addons path."""
    addon_path = get_module_path(ADDON, display_warning=False)
    if not addon_path:
        addons_path = odoo.tools.config["addons_path"]
        raise DemoSetupError(
            f"addon {ADDON} not found in the addons path {addons_path}"
        )
    return addon_path


def read_demo_files(addon_path):
    """Return the demo files listed in the addon's manifest; stop if one is missing."""
    manifest_path = os.path.join(addon_path, "__manifest__.py")
    with open(manifest_path, encoding="utf-8") as manifest_file:
        manifest = ast.literal_eval(manifest_file.read())
    demo_files = manifest.get("demo", [])

    missing = [
        name
        for name in demo_files
        if not os.path.isfile(os.path.join(addon_path, name))
    ]
    if missing:
        raise DemoSetupError(
            f"demo files listed in {manifest_path} but not found: "
            f"{', '.join(missing)}. "
            'Add the files or remove them from the manifest\'s "demo" list.'
        )
    return demo_files


def check_chart(env, required_chart):
    """Print the main company's accounting settings; stop if the chart differs."""
    company = env.ref("base.main_company")
    chart = company.chart_template if "chart_template" in company._fields else None
    print(
        f"Company {company.name!r}: country {company.country_id.code}, "
        f"currency {company.currency_id.name}, chart of accounts {chart}"
    )
    if required_chart and chart != required_chart:
        raise DemoSetupError(
            f"the main company's chart of accounts is {chart!r}, expected "
            f"{required_chart!r}. The company's country must be set before the "
            "account module is installed."
        )


def load_demo(env, required_chart, source_hash):
    """Load the addon's demo files in manifest order, then commit."""
    check_chart(env, required_chart)
    addon_path = find_addon_path()
    demo_files = read_demo_files(addon_path)
    parameters = env["ir.config_parameter"]
    mode = "update" if parameters.get_param(DEMO_LOADED_PARAMETER) else "init"
    note = " (existing demo records are kept as they are)" if mode == "update" else ""
    print(f"Loading {len(demo_files)} demo files of {ADDON} in mode {mode!r}{note}")

    idref = {}
    # Odoo sets this flag while it loads demo data (odoo/modules/loading.py,
    # load_data), which, for example, keeps mail from being sent.
    thread = threading.current_thread()
    thread.testing = True
    try:
        for name in demo_files:
            print(f"  {name}")
            try:
                convert.convert_file(
                    env,
                    ADDON,
                    name,
                    idref,
                    mode=mode,
                    noupdate=True,
                    kind="demo",
                )
            except Exception as error:  # any failure: report it and roll back
                env.cr.rollback()
                file_path = os.path.join(addon_path, name)
                # Odoo's ParseError names the XML element; the reason is its cause.
                cause = error.__cause__ or error.__context__
                reason = f"\nReason: {type(cause).__name__}: {cause}" if cause else ""
                raise DemoSetupError(
                    f"loading {file_path} failed, so no demo data was saved: "
                    f"{error}{reason}"
                ) from error
    finally:
        thread.testing = False

    parameters.set_param(DEMO_LOADED_PARAMETER, "1")
    if source_hash:
        parameters.set_param(SOURCE_HASH_PARAMETER, source_hash)
    env.cr.commit()
    print("Demo data saved")


def parse_arguments(argv):
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("-c", "--config", help="Odoo configuration file")
    parser.add_argument("-d", "--database", help="database name")
    subparsers = parser.add_subparsers(dest="command", required=True)
    check_parser = subparsers.add_parser(
        "check-demo-files",
        help="check that the demo files listed in the manifest exist (no database)",
    )
    check_parser.add_argument("addon_path", help="folder of the addon")
    subparsers.add_parser("prepare-company", help="set the company to France/EUR")
    load_parser = subparsers.add_parser("load-demo", help="load the addon's demo files")
    load_parser.add_argument(
        "--require-chart",
        metavar="CODE",
        help="stop unless the main company uses this chart of accounts (e.g. fr)",
    )
    load_parser.add_argument(
        "--source-hash",
        help="hash of the addon's files, stored with the demo data",
    )
    return parser.parse_args(argv)


def main(argv=None):
    arguments = parse_arguments(argv)
    if arguments.command == "check-demo-files":
        try:
            read_demo_files(arguments.addon_path)
        except DemoSetupError as error:
            print(f"ERROR: {error}", file=sys.stderr)
            return 1
        return 0
    if not arguments.config or not arguments.database:
        print("ERROR: -c CONFIG and -d DATABASE are required", file=sys.stderr)
        return 2

    odoo.tools.config.parse_config(
        ["-c", arguments.config, "-d", arguments.database, "--log-level=warn"]
    )
    registry = odoo.modules.registry.Registry(arguments.database)
    try:
        with registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            if arguments.command == "prepare-company":
                prepare_company(env)
            else:
                load_demo(env, arguments.require_chart, arguments.source_hash)
    except DemoSetupError as error:
        print(f"ERROR: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
