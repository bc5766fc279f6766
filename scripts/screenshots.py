"""Take the README screenshots from the French demo database with headless Chromium.

Start the demo server first (make demo), then, from the repository folder:

    make screenshots

or, with a Python environment that has the pinned Playwright of
scripts/screenshots-requirements.txt:

    python scripts/screenshots.py --url http://127.0.0.1:8069

The script logs in as the demo administrator, whose language is French, and
writes PNG files to docs/screenshots/. It drives the Debian Chromium
(/usr/bin/chromium, or --chromium): Playwright never downloads a browser here.

The run log picture needs a rule application. When the database has none, the
script moves the HACCP opportunity of Boulangeries Delaunay to the "Agreement
signed" column (Convention signée), as a salesperson would in the kanban. The
rule "Convention signée → Client" then applies: this is the only change the
script makes to the database. The portal signature is drawn but never
submitted, so the quotation stays unsigned and the script can be run again.
"""

import argparse
import sys
import uuid
from pathlib import Path

from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import sync_playwright

PROJECT_DIR = Path(__file__).resolve().parent.parent
DEFAULT_OUTPUT = PROJECT_DIR / "docs" / "screenshots"
# Flags for a shared machine without a display or sandbox support.
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
# Wide enough for the chatter beside the form and four smart buttons.
VIEWPORT = {"width": 1600, "height": 1000}
# Milliseconds to wait for a page or an element before giving up.
TIMEOUT_MS = 30_000
# Milliseconds left for the last renderings (avatars, badges) once a view is
# shown. The web client keeps its bus connection open, so the network is never
# idle and Playwright's "networkidle" cannot be used.
SETTLE_MS = 1_000

RULE_ACTION = "digirules.digirules_rule_action"
PIPELINE_ACTION = "crm.crm_lead_action_pipeline"
# Demo records, by xmlid in the digirules module.
RULE_WITH_TWO_ACTIONS = "digirules_rule_quotation_signed_demo"
LEAD_TO_MOVE = "crm_lead_haccp_delaunay_demo"
STAGE_AGREEMENT_SIGNED = "crm_stage_agreement_signed_demo"
QUOTATION_TO_SIGN = "sale_order_excel_lumiere_demo"


class ScreenshotError(Exception):
    """A failure to report in one line, without a traceback."""


def parse_arguments(argv):
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument(
        "--url",
        default="http://127.0.0.1:8069",
        help="address of the demo server (default: %(default)s)",
    )
    parser.add_argument("--login", default="admin", help="user to log in as")
    parser.add_argument("--password", default="admin", help="password of --login")
    parser.add_argument(
        "--output",
        type=Path,
        default=DEFAULT_OUTPUT,
        help="folder of the PNG files (default: docs/screenshots)",
    )
    parser.add_argument(
        "--chromium",
        default="/usr/bin/chromium",
        help="Chromium executable (default: %(default)s)",
    )
    return parser.parse_args(argv)


class DemoSession:
    """A logged-in browser page on the demo server, with JSON-RPC calls in its session."""

    def __init__(self, page, url):
        self.page = page
        self.url = url.rstrip("/")

    def login(self, login, password):
        self.page.goto(f"{self.url}/web/login")
        self.page.fill("input[name=login]", login)
        self.page.fill("input[name=password]", password)
        self.page.click("form.oe_login_form button[type=submit]")
        self.page.wait_for_selector(".o_main_navbar", timeout=TIMEOUT_MS)

    def call(self, model, method, *args, **kwargs):
        response = self.page.request.post(
            f"{self.url}/web/dataset/call_kw/{model}/{method}",
            data={
                "jsonrpc": "2.0",
                "method": "call",
                "params": {
                    "model": model,
                    "method": method,
                    "args": list(args),
                    "kwargs": kwargs,
                },
            },
        )
        payload = response.json()
        if "error" in payload:
            message = (
                payload["error"].get("data", {}).get("message") or payload["error"]
            )
            raise ScreenshotError(
                f"{model}.{method} failed on the demo server: {message}"
            )
        return payload["result"]

    def demo_id(self, xmlid):
        """Return the database id of the digirules demo record ``xmlid``."""
        rows = self.call(
            "ir.model.data",
            "search_read",
            [("module", "=", "digirules"), ("name", "=", xmlid)],
            fields=["res_id"],
        )
        if not rows:
            raise ScreenshotError(
                f"demo record digirules.{xmlid} not found: is this the database of make demo?"
            )
        return rows[0]["res_id"]

    def open(self, path, ready_selector):
        self.page.goto(f"{self.url}{path}")
        self.wait_for(ready_selector)

    def wait_for(self, selector):
        self.page.wait_for_selector(selector, timeout=TIMEOUT_MS)
        self.page.wait_for_timeout(SETTLE_MS)

    def capture(self, output, name, element=None):
        path = output / f"{name}.png"
        target = self.page.locator(element) if element else self.page
        target.screenshot(path=str(path))
        report_written(path)


def report_written(path):
    if path.is_relative_to(PROJECT_DIR):
        path = path.relative_to(PROJECT_DIR)
    print(f"wrote {path}")


def ensure_rule_application(session):
    """Return the opportunity of the oldest rule application, moving the HACCP one if there is none."""
    runs = session.call(
        "digirules.run",
        "search_read",
        [("state", "=", "done")],
        fields=["lead_id"],
        limit=1,
        order="id",
    )
    if runs:
        return runs[0]["lead_id"][0]
    lead_id = session.demo_id(LEAD_TO_MOVE)
    session.call(
        "crm.lead",
        "write",
        [lead_id],
        {"stage_id": session.demo_id(STAGE_AGREEMENT_SIGNED)},
    )
    print("moved the HACCP opportunity to Agreement signed, which applied a rule")
    return lead_id


def quotation_portal_path(session):
    """Return the customer's link to the demo quotation, creating its token if needed."""
    order_id = session.demo_id(QUOTATION_TO_SIGN)
    order = session.call(
        "sale.order",
        "read",
        [order_id],
        ["access_url", "access_token", "state", "signature"],
    )[0]
    if order["state"] != "sent" or order["signature"]:
        raise ScreenshotError(
            f"demo quotation {order_id} is no longer waiting for a signature "
            f"(state {order['state']}): rebuild the demo database with make demo."
        )
    token = order["access_token"]
    if not token:
        token = str(uuid.uuid4())
        session.call("sale.order", "write", [order_id], {"access_token": token})
    return f"{order['access_url']}?access_token={token}"


def draw_signature(page, canvas_selector):
    """Draw a zigzag on the signature canvas with the mouse, as a customer would."""
    box = page.locator(canvas_selector).bounding_box()
    if not box:
        raise ScreenshotError(f"signature canvas {canvas_selector} is not visible")
    left, top = box["x"], box["y"]
    page.mouse.move(left + 40, top + box["height"] * 0.7)
    page.mouse.down()
    for step in range(1, 9):
        x = left + 40 + step * (box["width"] - 80) / 8
        y = top + box["height"] * (0.3 if step % 2 else 0.7)
        page.mouse.move(x, y, steps=5)
    page.mouse.up()


def take_backend_screenshots(session, output):
    session.open(f"/odoo/action-{RULE_ACTION}", ".o_list_view .o_data_row")
    session.capture(output, "rules_list")

    rule_id = session.demo_id(RULE_WITH_TWO_ACTIONS)
    session.open(
        f"/odoo/action-{RULE_ACTION}/{rule_id}",
        ".o_form_view div[name=action_ids] .o_data_row",
    )
    session.capture(output, "rule_form")

    lead_id = ensure_rule_application(session)
    session.open(
        f"/odoo/action-{PIPELINE_ACTION}", ".o_kanban_renderer .o_kanban_record"
    )
    # show every salesperson's opportunities, not only the administrator's
    for facet_remove in session.page.locator(
        ".o_searchview_facet .o_facet_remove"
    ).all():
        facet_remove.click()
    session.wait_for(".o_kanban_renderer .o_kanban_record")
    session.capture(output, "kanban")

    session.open(
        f"/odoo/action-{PIPELINE_ACTION}/{lead_id}",
        ".o_form_view .o_field_widget[name=opportunity_status] .badge",
    )
    session.wait_for(".o-mail-Message")
    session.capture(output, "opportunity")

    runs_button = session.page.locator(
        ".o_form_view button[name=action_view_digirules_runs]"
    )
    if not runs_button.is_visible():
        # the smart buttons that do not fit are under "Plus" (More)
        session.page.click(".o_form_view .o_button_more")
    runs_button.click()
    session.wait_for(".o_list_view .o_data_row")
    session.page.click(".o_list_view .o_data_row td.o_data_cell")
    session.wait_for(".o_form_view .o_form_saved")
    session.capture(output, "run_log")


def take_portal_screenshot(browser, url, path, output):
    """Open the quotation as a visitor who is not logged in and draw the signature."""
    context = browser.new_context(viewport=VIEWPORT, locale="fr-FR")
    try:
        page = context.new_page()
        page.goto(f"{url.rstrip('/')}{path}")
        page.click(".o_portal_sale_sidebar a[data-bs-target='#modalaccept']")
        page.wait_for_selector(
            "#modalaccept canvas.o_web_sign_signature", state="visible"
        )
        page.click("#modalaccept .o_web_sign_draw_button")
        draw_signature(page, "#modalaccept canvas.o_web_sign_signature")
        page.wait_for_selector("#modalaccept .o_portal_sign_submit:enabled")
        path = output / "portal_signature.png"
        page.locator("#modalaccept .modal-content").screenshot(path=str(path))
        report_written(path)
    finally:
        context.close()


def main(argv=None):
    args = parse_arguments(argv)
    args.output.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=args.chromium, args=CHROMIUM_ARGS
        )
        try:
            context = browser.new_context(viewport=VIEWPORT, locale="fr-FR")
            session = DemoSession(context.new_page(), args.url)
            session.login(args.login, args.password)
            take_backend_screenshots(session, args.output)
            portal_path = quotation_portal_path(session)
            context.close()
            take_portal_screenshot(browser, args.url, portal_path, args.output)
        finally:
            browser.close()


if __name__ == "__main__":
    try:
        main()
    except (ScreenshotError, PlaywrightError) as error:
        sys.exit(f"ERROR: {error}")
