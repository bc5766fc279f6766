"""Browser tours in headless Chromium (digirules/static/tests/tours/digirules_tours.js)."""

from odoo import Command
from odoo.tests import new_test_user, tagged

from ..const import (
    ACTION_CLIENT_STATUS,
    ACTION_STATUS,
    AGREEMENT_SENT,
    AGREEMENT_SIGNED,
    STATUS_UNDECIDED,
    STATUS_WON,
    TRIGGER_QUOTATION_SIGNED,
    TRIGGER_STAGE,
)
from .common import DigirulesHttpCase
from .test_agreement import AgreementMixin

PIPELINE_URL = "/odoo/action-crm.crm_lead_action_pipeline"


@tagged("post_install", "-at_install")
class TestTours(AgreementMixin, DigirulesHttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._setup_agreements()

    def assert_won_in_backend(self, lead):
        """Open the opportunity as its salesperson and check it is Won, in Gagné."""
        lead.invalidate_recordset()
        self.assertEqual(lead.opportunity_status, STATUS_WON)
        self.assertEqual(lead.stage_id, self.stage_won)
        self.start_tour(
            f"{PIPELINE_URL}/{lead.id}",
            "digirules_opportunity_won",
            login=self.user_salesman.login,
        )

    def test_admin_creates_rules_from_settings(self):
        sales_admin = new_test_user(
            self.env,
            login="dr_sales_admin",
            name="Nadia Administratrice",
            groups="base.group_system,sales_team.group_sale_manager",
        )
        self.start_tour(
            "/odoo/settings#crm",
            "digirules_rules_from_settings",
            login=sales_admin.login,
        )

        Rule = self.env["digirules.rule"]
        first = Rule.search([("name", "=", "Entre dans Devis envoyé → statut Indécis")])
        self.assertEqual(len(first), 1)
        self.assertEqual(first.trigger, TRIGGER_STAGE)
        self.assertEqual(first.trigger_stage_id, self.stage_quoted)
        self.assertEqual(first.action_ids.mapped("action_type"), [ACTION_STATUS])
        self.assertEqual(first.action_ids.status, STATUS_UNDECIDED)
        self.assertEqual(first.create_uid, sales_admin)

        second = Rule.search([("name", "=", "Convention signée → Gagné et client")])
        self.assertEqual(len(second), 1)
        self.assertEqual(second.trigger_stage_id, self.stage_agreement)
        self.assertEqual(
            second.action_ids.mapped("action_type"),
            [ACTION_STATUS, ACTION_CLIENT_STATUS],
        )
        self.assertEqual(second.action_ids[0].status, STATUS_WON)
        self.assertEqual(second.action_ids[1].client_status_id, self.status_customer)

    def test_kanban_drop_shows_rule_result(self):
        # the leads come first: creating a lead in a column fires its rules
        excel = self.make_lead(self.stage_new)
        other_client = self.env["res.partner"].create(
            {"name": "Boulangeries Delaunay", "is_company": True}
        )
        word = self.make_lead(
            self.stage_quoted, name="Formation Word", partner_id=other_client.id
        )
        rule_prospect = self.make_rule(
            "Entre dans Devis envoyé → Prospect",
            TRIGGER_STAGE,
            self.stage_quoted,
            [(ACTION_CLIENT_STATUS, self.status_prospect)],
        )
        rule_won = self.make_rule(
            "Entre dans Convention signée → Gagné",
            TRIGGER_STAGE,
            self.stage_agreement,
            [(ACTION_STATUS, STATUS_WON)],
        )

        self.start_tour(
            PIPELINE_URL, "digirules_kanban_drop", login=self.user_salesman.login
        )

        self.assertEqual(excel.stage_id, self.stage_quoted)
        self.assertEqual(self.client.client_status_id, self.status_prospect)
        self.assertEqual(len(self.runs_of(rule_prospect, excel)), 1)
        self.assertEqual(word.stage_id, self.stage_won)
        self.assertEqual(word.opportunity_status, STATUS_WON)
        self.assertEqual(len(self.runs_of(rule_won, word)), 1)

    def test_customer_signs_quotation(self):
        self.make_rule(
            "Devis signé → Gagné",
            TRIGGER_QUOTATION_SIGNED,
            None,
            [(ACTION_STATUS, STATUS_WON)],
        )
        lead = self.make_lead(self.stage_quoted)
        order = self.env["sale.order"].create(
            {
                "partner_id": self.contact.id,
                "opportunity_id": lead.id,
                "user_id": self.user_salesman.id,
                "require_signature": True,
                "require_payment": False,
                "order_line": [
                    Command.create(
                        {
                            "product_id": self.training.id,
                            "price_unit": 2400,
                            "tax_id": [Command.clear()],
                        }
                    )
                ],
            }
        )
        order.action_quotation_sent()

        self.start_tour(order.get_portal_url(), "digirules_portal_sign_quotation")

        order.invalidate_recordset()
        self.assertTrue(order.signature)
        self.assertEqual(order.signed_by, "Claire Martin")
        self.assertEqual(order.state, "sale")
        self.assert_won_in_backend(lead)

    def test_customer_signs_agreement(self):
        lead = self.make_lead(self.stage_quoted)
        agreement = self.make_agreement(lead, state=AGREEMENT_SENT)

        self.start_tour(agreement.get_portal_url(), "digirules_portal_sign_agreement")

        agreement.invalidate_recordset()
        self.assertEqual(agreement.state, AGREEMENT_SIGNED)
        self.assertTrue(agreement.signature)
        self.assertEqual(agreement.signed_by, "Claire Martin")
        self.assert_won_in_backend(lead)
