import base64
from unittest.mock import patch

from odoo import Command
from odoo.tests import new_test_user, tagged
from odoo.tools import file_open

from ..const import ACTION_CLIENT_STATUS, ACTION_STATUS, STATUS_WON
from ..models.digirules_rule_action import DigirulesRuleAction
from .common import DigirulesHttpCase


@tagged("post_install", "-at_install")
class TestPortalSignature(DigirulesHttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.signature = base64.b64encode(
            file_open("web/static/img/placeholder.png", "rb").read()
        ).decode()
        cls.training = cls.env["product.product"].create(
            {
                "name": "Habilitation électrique B1V",
                "type": "service",
                "list_price": 4800.0,
                "taxes_id": [Command.clear()],
            }
        )
        cls.make_rule(
            "Devis signé → Gagné",
            "quotation_signed",
            None,
            [(ACTION_STATUS, STATUS_WON)],
        )
        cls.make_rule(
            "Devis signé → Client",
            "quotation_signed",
            None,
            [(ACTION_CLIENT_STATUS, cls.status_customer)],
        )

    def make_quotation(self, **values):
        lead = self.make_lead(self.stage_quoted)
        order = self.env["sale.order"].create(
            {
                "partner_id": self.contact.id,
                "opportunity_id": lead.id,
                "require_signature": True,
                "require_payment": False,
                "order_line": [
                    Command.create(
                        {
                            "product_id": self.training.id,
                            "price_unit": 4800,
                            "tax_id": [Command.clear()],
                        }
                    )
                ],
                **values,
            }
        )
        order.action_quotation_sent()
        order._portal_ensure_token()
        return lead, order

    def sign(self, order, with_token=True):
        url = (
            order.get_portal_url(suffix="/accept")
            if with_token
            else f"/my/orders/{order.id}/accept"
        )
        return self.make_jsonrpc_request(
            url, {"name": "Claire Martin", "signature": self.signature}
        )

    def assert_signed_and_won(self, lead, order, result, confirmed=True):
        self.assertFalse(result.get("error"), result)
        self.assertTrue(result.get("force_refresh"))
        order.invalidate_recordset()
        lead.invalidate_recordset()
        self.assertTrue(order.signature)
        self.assertEqual(order.state, "sale" if confirmed else "sent")
        self.assertEqual(lead.opportunity_status, STATUS_WON)
        self.assertEqual(self.client.client_status_id, self.status_customer)

    def test_public_visitor_signs_with_link(self):
        lead, order = self.make_quotation()
        self.authenticate(None, None)
        result = self.sign(order)
        self.assert_signed_and_won(lead, order, result)
        runs = self.env["digirules.run"].search([("lead_id", "=", lead.id)])
        self.assertEqual(runs.mapped("state"), ["done", "done"])
        self.assertEqual(set(runs.mapped("source_ref")), {order})

    def test_portal_user_signs(self):
        lead, order = self.make_quotation()
        new_test_user(
            self.env,
            login="dr_portal",
            password="dr_portal_pw",
            groups="base.group_portal",
            partner_id=self.contact.id,
        )
        order.message_subscribe(partner_ids=self.contact.ids)
        self.authenticate("dr_portal", "dr_portal_pw")
        result = self.sign(order, with_token=False)
        self.assert_signed_and_won(lead, order, result)

    def test_sign_and_pay_fires_on_signature(self):
        lead, order = self.make_quotation(require_payment=True, prepayment_percent=1.0)
        self.authenticate(None, None)
        result = self.sign(order)
        self.assert_signed_and_won(lead, order, result, confirmed=False)

    def test_failing_rule_shows_no_error(self):
        _lead, order = self.make_quotation()
        self.authenticate(None, None)
        with patch.object(
            DigirulesRuleAction, "_execute", side_effect=RuntimeError("règle cassée")
        ):
            result = self.sign(order)
        self.assertFalse(result.get("error"), result)
        order.invalidate_recordset()
        self.assertEqual(order.state, "sale")
