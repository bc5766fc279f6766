import base64
from datetime import date
from unittest import SkipTest
from unittest.mock import patch

from odoo import Command, fields
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import Form, new_test_user, tagged
from odoo.tools import file_open, mute_logger

from ..const import (
    ACTION_STATUS,
    AGREEMENT_CANCELLED,
    AGREEMENT_DRAFT,
    AGREEMENT_SENT,
    AGREEMENT_SIGNED,
    STATUS_UNDECIDED,
    STATUS_WON,
    TRIGGER_AGREEMENT_SIGNED,
)
from ..models.digirules_rule_action import DigirulesRuleAction
from .common import DigirulesCase, DigirulesHttpCase

REPORT = "digirules.action_report_digirules_agreement"


class AgreementMixin:
    """Training agreements of the client company, and the rule "Agreement signed → Won"."""

    @classmethod
    def _setup_agreements(cls):
        cls.client.company_registry = "07255118700015"
        cls.company.company_registry = "05533314000014"
        cls.company.training_declaration_number = "84 69 12345 69"
        cls.training = cls.env["product.product"].create(
            {
                "name": "Sauveteur secouriste du travail (SST)",
                "type": "service",
                "list_price": 2400.0,
                "taxes_id": [Command.clear()],
            }
        )
        cls.rule_won = cls.make_rule(
            "Convention signée → Gagné",
            TRIGGER_AGREEMENT_SIGNED,
            None,
            [(ACTION_STATUS, STATUS_WON)],
        )
        cls.signature = base64.b64encode(
            file_open("web/static/img/placeholder.png", "rb").read()
        ).decode()

    @classmethod
    def make_agreement(cls, lead=None, **values):
        return cls.env["digirules.agreement"].create(
            {
                "contact_id": cls.contact.id,
                "opportunity_id": lead.id if lead else False,
                "user_id": cls.user_salesman.id,
                "training_title": "Sauveteur secouriste du travail (SST)",
                "date_start": date(2026, 3, 9),
                "date_end": date(2026, 3, 10),
                "duration_hours": 14,
                "place_type": "on_site",
                "place_address": "12 boulevard Ferdinand de Lesseps, 76000 Rouen",
                "trainee_count": 2,
                "trainee_names": "Julie Lefèvre\nKarim Haddad",
                "amount_untaxed": 2400,
                "amount_total": 2880,
                **values,
            }
        )


@tagged("post_install", "-at_install")
class TestAgreement(AgreementMixin, DigirulesCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._setup_agreements()
        cls.lead = cls.make_lead(cls.stage_quoted)

    def test_reference_numbered_per_company(self):
        first = self.make_agreement(self.lead)
        second = self.make_agreement(self.lead)
        year = fields.Date.context_today(first).year
        self.assertRegex(first.name, rf"^CONV/{year}/\d{{4}}$")
        self.assertEqual(int(second.name[-4:]), int(first.name[-4:]) + 1)

        other_company = self.env["res.company"].create({"name": "Formavenir Sud"})
        other = self.make_agreement(company_id=other_company.id, user_id=False)
        self.assertEqual(other.name, f"CONV/{year}/0001")
        sequence = self.env["ir.sequence"].search(
            [
                ("code", "=", "digirules.agreement"),
                ("company_id", "=", other_company.id),
            ]
        )
        self.assertEqual(len(sequence), 1)

    def test_client_company_follows_contact(self):
        agreement = self.make_agreement(self.lead)
        self.assertEqual(agreement.partner_id, self.client)

    def test_signed_box_records_who_and_fires(self):
        agreement = self.make_agreement(self.lead)
        agreement.with_user(self.user_salesman).write({"signed_manually": True})
        self.assertEqual(agreement.state, AGREEMENT_SIGNED)
        self.assertEqual(agreement.signed_manually_by_id, self.user_salesman)
        self.assertTrue(agreement.signed_manually_on)
        self.assertEqual(self.lead.opportunity_status, STATUS_WON)
        run = self.runs_of(self.rule_won, self.lead)
        self.assertEqual(len(run), 1)
        self.assertEqual(run.state, "done")
        self.assertEqual(run.source_ref, agreement)
        self.assertIn(f"training agreement {agreement.name} signed", run.summary)
        notes = self.lead.message_ids.filtered(
            lambda message: "Convention signée → Gagné" in message.body
        )
        self.assertEqual(len(notes), 1)

    def test_mark_signed_button_fires(self):
        agreement = self.make_agreement(self.lead)
        agreement.with_user(self.user_salesman).action_mark_signed()
        self.assertTrue(agreement.signed_manually)
        self.assertEqual(agreement.state, AGREEMENT_SIGNED)
        self.assertEqual(len(self.runs_of(self.rule_won, self.lead)), 1)

    def test_untick_and_tick_again_fire_nothing(self):
        agreement = self.make_agreement(self.lead)
        agreement.signed_manually = True
        self.lead.action_set_lost()
        agreement.signed_manually = False
        self.assertEqual(agreement.state, AGREEMENT_DRAFT)
        self.assertFalse(agreement.signed_manually_by_id)
        self.assertFalse(agreement.signed_manually_on)
        agreement.signed_manually = True
        self.assertEqual(agreement.state, AGREEMENT_SIGNED)
        self.assertEqual(len(self.runs_of(self.rule_won, self.lead)), 1)
        self.assertFalse(self.lead.active)

    def test_signature_written_in_backend_fires(self):
        agreement = self.make_agreement(self.lead)
        agreement.write({"signature": self.signature, "signed_by": "Claire Martin"})
        self.assertEqual(agreement.state, AGREEMENT_SIGNED)
        self.assertTrue(agreement.signed_on)
        self.assertEqual(self.lead.opportunity_status, STATUS_WON)

    def test_created_signed_fires(self):
        agreement = self.make_agreement(self.lead, signed_manually=True)
        self.assertEqual(agreement.state, AGREEMENT_SIGNED)
        self.assertEqual(agreement.signed_manually_by_id, self.env.user)
        self.assertEqual(len(self.runs_of(self.rule_won, self.lead)), 1)

    def test_sign_twice_rejected(self):
        agreement = self.make_agreement(self.lead)
        agreement.action_mark_signed()
        with self.assertRaisesMessage(UserError, "is already signed"):
            agreement.write({"signature": self.signature, "signed_by": "Claire Martin"})
        self.assertFalse(agreement.signature)
        self.assertEqual(len(self.runs_of(self.rule_won, self.lead)), 1)

    def test_sign_cancelled_rejected(self):
        agreement = self.make_agreement(self.lead)
        agreement.action_cancel()
        self.assertEqual(agreement.state, AGREEMENT_CANCELLED)
        with self.assertRaisesMessage(
            UserError, "is cancelled and can no longer be signed"
        ):
            agreement.action_mark_signed()
        self.assertFalse(self.runs_of(self.rule_won))
        self.assertEqual(self.lead.opportunity_status, STATUS_UNDECIDED)

    def test_reset_to_draft_drops_signature(self):
        agreement = self.make_agreement(self.lead)
        agreement.write({"signature": self.signature, "signed_by": "Claire Martin"})
        with self.assertRaisesMessage(UserError, "Cancel a signed training agreement"):
            agreement.action_draft()
        agreement.action_cancel()
        agreement.action_draft()
        self.assertEqual(agreement.state, AGREEMENT_DRAFT)
        self.assertFalse(agreement.signature)
        self.assertFalse(agreement.signed_by)
        self.assertFalse(agreement.signed_on)
        # signing again is allowed, and the rules do not apply a second time
        agreement.action_mark_signed()
        self.assertEqual(agreement.state, AGREEMENT_SIGNED)
        self.assertEqual(len(self.runs_of(self.rule_won, self.lead)), 1)

    def test_without_opportunity_logged_as_skipped(self):
        agreement = self.make_agreement()
        agreement.action_mark_signed()
        run = self.runs_of(self.rule_won)
        self.assertEqual(len(run), 1)
        self.assertEqual(run.state, "skipped")
        self.assertEqual(run.reason, "no_opportunity")
        self.assertEqual(run.source_ref, agreement)

    def test_failing_rule_never_blocks_signature(self):
        agreement = self.make_agreement(self.lead)
        with (
            patch.object(
                DigirulesRuleAction,
                "_execute",
                side_effect=RuntimeError("règle cassée"),
            ),
            mute_logger("odoo.addons.digirules.models.digirules_engine"),
        ):
            agreement.action_mark_signed()
        self.assertEqual(agreement.state, AGREEMENT_SIGNED)
        self.assertEqual(self.lead.opportunity_status, STATUS_UNDECIDED)

    def test_signed_agreement_not_deletable(self):
        agreement = self.make_agreement(self.lead)
        agreement.action_mark_signed()
        with self.assertRaisesMessage(UserError, "cannot be deleted"):
            agreement.unlink()
        agreement.action_cancel()
        agreement.unlink()
        self.assertFalse(agreement.exists())

    def test_end_date_before_start_rejected(self):
        with self.assertRaisesMessage(
            ValidationError, "end date .* is before its start date"
        ):
            self.make_agreement(
                self.lead, date_start=date(2026, 3, 10), date_end=date(2026, 3, 9)
            )

    def test_new_agreement_from_opportunity(self):
        payment_term = self.env.ref("account.account_payment_term_30days")
        order = self.env["sale.order"].create(
            {
                "partner_id": self.contact.id,
                "opportunity_id": self.lead.id,
                "user_id": self.user_salesman.id,
                "payment_term_id": payment_term.id,
                "order_line": [
                    Command.create(
                        {
                            "product_id": self.training.id,
                            "price_unit": 2400,
                            "tax_id": [Command.clear()],
                        }
                    ),
                    Command.create(
                        {
                            "display_type": "line_note",
                            "name": "Session au dépôt de Rouen",
                        }
                    ),
                ],
            }
        )
        action = self.lead.with_user(self.user_salesman).action_new_agreement()
        agreement_form = Form(
            self.env["digirules.agreement"]
            .with_user(self.user_salesman)
            .with_context(**action["context"]),
            view="digirules.digirules_agreement_view_form",
        )
        agreement = agreement_form.save()
        self.assertEqual(agreement.opportunity_id, self.lead)
        self.assertEqual(agreement.sale_order_id, order)
        self.assertEqual(agreement.partner_id, self.client)
        self.assertEqual(agreement.contact_id, self.contact)
        self.assertEqual(agreement.user_id, self.user_salesman)
        self.assertEqual(agreement.training_title, self.lead.name)
        self.assertEqual(agreement.amount_untaxed, 2400)
        self.assertEqual(agreement.amount_total, 2400)
        self.assertEqual(agreement.payment_term_id, payment_term)
        self.assertIn("Session au dépôt de Rouen", agreement.program)
        self.assertTrue(agreement.cancellation_terms)
        self.assertEqual(self.lead.agreement_count, 1)
        self.assertEqual(
            self.lead.action_view_agreements()["domain"],
            [("opportunity_id", "=", self.lead.id)],
        )

    def test_new_agreement_from_quotation(self):
        order = self.env["sale.order"].create(
            {
                "partner_id": self.contact.id,
                "opportunity_id": self.lead.id,
                "order_line": [
                    Command.create(
                        {
                            "product_id": self.training.id,
                            "price_unit": 1900,
                            "tax_id": [Command.clear()],
                        }
                    ),
                ],
            }
        )
        action = order.action_new_agreement()
        agreement = Form(
            self.env["digirules.agreement"].with_context(**action["context"]),
            view="digirules.digirules_agreement_view_form",
        ).save()
        self.assertEqual(agreement.sale_order_id, order)
        self.assertEqual(agreement.opportunity_id, self.lead)
        self.assertEqual(agreement.training_title, self.training.name)
        self.assertEqual(agreement.amount_untaxed, 1900)

    def test_report_renders_contents(self):
        agreement = self.make_agreement(self.lead, objectives="<p>Porter secours</p>")
        html = (
            self.env["ir.actions.report"]
            ._render_qweb_html(REPORT, agreement.ids)[0]
            .decode()
        )
        for expected in (
            agreement.name,
            "Professional Training Agreement",
            "L6353-1",
            self.company.name,
            "05533314000014",
            "84 69 12345 69",
            self.client.name,
            "07255118700015",
            "Claire Martin",
            "Sauveteur secouriste du travail (SST)",
            "Training action",
            "Porter secours",
            "14.0",
            "12 boulevard Ferdinand de Lesseps",
            "Karim Haddad",
            "2,400.00",
            "2,880.00",
            "Cancellation by the client",
            "Date, name, signature and company stamp",
        ):
            self.assertIn(expected, html)

        agreement.write({"signature": self.signature, "signed_by": "Claire Martin"})
        html = (
            self.env["ir.actions.report"]
            ._render_qweb_html(REPORT, agreement.ids)[0]
            .decode()
        )
        self.assertIn("Signed by", html)
        self.assertIn("data:image/png;base64,", html)
        self.assertNotIn("Date, name, signature and company stamp", html)

    def test_report_renders_pdf(self):
        if self.env["ir.actions.report"].get_wkhtmltopdf_state() != "ok":
            raise SkipTest("wkhtmltopdf is not installed")
        agreement = self.make_agreement(self.lead)
        pdf, report_format = (
            self.env["ir.actions.report"]
            .with_context(force_report_rendering=True)
            ._render_qweb_pdf(REPORT, agreement.ids)
        )
        self.assertEqual(report_format, "pdf")
        self.assertTrue(pdf.startswith(b"%PDF"))

    def test_send_by_email_marks_sent(self):
        self.contact.email = "claire.martin@lumiere-industrie.example"
        agreement = self.make_agreement(self.lead)
        action = agreement.with_user(self.user_salesman).action_send()
        composer = (
            self.env["mail.compose.message"]
            .with_user(self.user_salesman)
            .with_context(**action["context"])
            .create({})
        )
        self.assertEqual(composer.partner_ids, self.contact)
        composer._action_send_mail()
        self.assertEqual(agreement.state, AGREEMENT_SENT)
        self.assertTrue(agreement.access_token)
        message = agreement.message_ids[0]
        self.assertIn(agreement.get_portal_url(), message.body)
        self.assertEqual(len(message.attachment_ids), 1)
        self.assertIn(self.contact, agreement.message_partner_ids)
        self.assertFalse(self.runs_of(self.rule_won))


@tagged("post_install", "-at_install")
class TestAgreementAccess(AgreementMixin, DigirulesCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._setup_agreements()
        cls.lead = cls.make_lead(cls.stage_quoted)
        cls.other_salesman = new_test_user(
            cls.env,
            login="dr_salesman_2",
            name="Luc Vendeur",
            groups="sales_team.group_sale_salesman",
        )
        cls.own = cls.make_agreement(cls.lead)
        cls.colleague = cls.make_agreement(user_id=cls.other_salesman.id)
        cls.other_client = cls.env["res.partner"].create(
            {"name": "Boulangeries Delaunay", "is_company": True}
        )
        cls.other_contact = cls.env["res.partner"].create(
            {"name": "Hugo Delaunay", "parent_id": cls.other_client.id}
        )
        cls.foreign = cls.make_agreement(contact_id=cls.other_contact.id)
        cls.own.message_subscribe(partner_ids=cls.contact.ids)
        cls.foreign.message_subscribe(partner_ids=cls.other_contact.ids)
        cls.user_portal = new_test_user(
            cls.env,
            login="dr_portal",
            groups="base.group_portal",
            partner_id=cls.contact.id,
        )

    def test_salesperson_manages_own(self):
        Agreement = self.env["digirules.agreement"].with_user(self.user_salesman)
        visible = Agreement.search([])
        self.assertIn(self.own, visible)
        self.assertNotIn(self.colleague, visible)
        with self.assertRaises(AccessError):
            self.colleague.with_user(self.user_salesman).read(["name"])
        with self.assertRaises(AccessError):
            self.colleague.with_user(self.user_salesman).write({"trainee_count": 3})
        created = Agreement.create(
            {"contact_id": self.contact.id, "training_title": "Excel"}
        )
        self.assertTrue(created.name.startswith("CONV/"))
        self.assertEqual(created.user_id, self.user_salesman)
        self.own.with_user(self.user_salesman).action_mark_signed()
        self.assertEqual(self.own.state, AGREEMENT_SIGNED)

    def test_manager_sees_all(self):
        visible = (
            self.env["digirules.agreement"].with_user(self.user_manager).search([])
        )
        self.assertTrue((self.own | self.colleague | self.foreign) <= visible)
        self.colleague.with_user(self.user_manager).action_cancel()
        self.assertEqual(self.colleague.state, AGREEMENT_CANCELLED)

    def test_other_company_hidden(self):
        other_company = self.env["res.company"].create({"name": "Formavenir Sud"})
        hidden = self.make_agreement(
            company_id=other_company.id, user_id=self.user_manager.id
        )
        visible = (
            self.env["digirules.agreement"].with_user(self.user_manager).search([])
        )
        self.assertNotIn(hidden, visible)
        with self.assertRaises(AccessError):
            hidden.with_user(self.user_manager).read(["name"])

    def test_portal_user_reads_own_only(self):
        Agreement = self.env["digirules.agreement"].with_user(self.user_portal)
        visible = Agreement.search([])
        self.assertIn(self.own, visible)
        self.assertNotIn(self.foreign, visible)
        with self.assertRaises(AccessError):
            self.foreign.with_user(self.user_portal).read(["name"])
        with self.assertRaises(AccessError):
            self.own.with_user(self.user_portal).write({"signed_manually": True})
        self.assertEqual(self.own.state, AGREEMENT_DRAFT)

    def test_public_user_has_no_access(self):
        public = self.env.ref("base.public_user")
        with self.assertRaises(AccessError):
            self.own.with_user(public).read(["name"])


@tagged("post_install", "-at_install")
class TestAgreementPortal(AgreementMixin, DigirulesHttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._setup_agreements()

    def setUp(self):
        super().setUp()
        self.lead = self.make_lead(self.stage_quoted)
        self.agreement = self.make_agreement(self.lead, state=AGREEMENT_SENT)
        self.agreement._portal_ensure_token()

    def sign(self, agreement, access_token=True, name="Claire Martin"):
        if access_token is True:
            url = agreement.get_portal_url(suffix="/accept")
        elif access_token:
            url = f"/my/agreements/{agreement.id}/accept?access_token={access_token}"
        else:
            url = f"/my/agreements/{agreement.id}/accept"
        return self.make_jsonrpc_request(
            url, {"name": name, "signature": self.signature}
        )

    def make_portal_user(self):
        self.agreement.message_subscribe(partner_ids=self.contact.ids)
        return new_test_user(
            self.env,
            login="dr_portal",
            password="dr_portal_pw",
            groups="base.group_portal",
            partner_id=self.contact.id,
        )

    def assert_not_signed(self, agreement, result):
        self.assertEqual(
            result.get("error"),
            "This training agreement does not exist or the link is invalid.",
        )
        agreement.invalidate_recordset()
        self.assertFalse(agreement.signature)
        self.assertEqual(agreement.state, AGREEMENT_SENT)

    def test_public_visitor_signs_with_link(self):
        self.authenticate(None, None)
        result = self.sign(self.agreement)
        self.assertFalse(result.get("error"), result)
        self.assertTrue(result.get("force_refresh"))
        self.assertIn("message=sign_ok", result["redirect_url"])
        self.agreement.invalidate_recordset()
        self.lead.invalidate_recordset()
        self.assertEqual(self.agreement.state, AGREEMENT_SIGNED)
        self.assertEqual(self.agreement.signed_by, "Claire Martin")
        self.assertTrue(self.agreement.signature)
        self.assertTrue(self.agreement.signed_on)
        self.assertFalse(self.agreement.signed_manually)
        self.assertEqual(self.lead.opportunity_status, STATUS_WON)
        run = self.runs_of(self.rule_won, self.lead)
        self.assertEqual(len(run), 1)
        self.assertEqual(run.source_ref, self.agreement)
        message = self.agreement.message_ids.filtered(
            lambda m: "signed by Claire Martin" in (m.body or "")
        )
        self.assertEqual(len(message), 1)
        self.assertEqual(message.author_id, self.contact)
        self.assertEqual(len(message.attachment_ids), 1)

    def test_double_submission_fires_once(self):
        self.authenticate(None, None)
        first = self.sign(self.agreement)
        self.assertFalse(first.get("error"), first)
        second = self.sign(self.agreement, name="Quelqu'un d'autre")
        self.assertEqual(
            second.get("error"),
            f"Training agreement {self.agreement.name} is already signed.",
        )
        self.agreement.invalidate_recordset()
        self.assertEqual(self.agreement.signed_by, "Claire Martin")
        self.assertEqual(len(self.runs_of(self.rule_won, self.lead)), 1)

    def test_signed_by_hand_then_online_rejected(self):
        self.agreement.action_mark_signed()
        self.authenticate(None, None)
        result = self.sign(self.agreement)
        self.assertEqual(
            result.get("error"),
            f"Training agreement {self.agreement.name} is already signed.",
        )
        self.assertEqual(len(self.runs_of(self.rule_won, self.lead)), 1)

    def test_cancelled_rejected(self):
        self.agreement.action_cancel()
        self.authenticate(None, None)
        result = self.sign(self.agreement)
        self.assertEqual(
            result.get("error"),
            f"Training agreement {self.agreement.name} is cancelled and can no longer be signed.",
        )
        self.agreement.invalidate_recordset()
        self.assertFalse(self.agreement.signature)
        self.assertFalse(self.runs_of(self.rule_won))

    def test_bad_or_missing_token_rejected(self):
        self.authenticate(None, None)
        self.assert_not_signed(
            self.agreement, self.sign(self.agreement, access_token="not-the-token")
        )
        self.assert_not_signed(
            self.agreement, self.sign(self.agreement, access_token=False)
        )
        missing_id = self.agreement.search([], order="id desc", limit=1).id + 1000
        result = self.make_jsonrpc_request(
            f"/my/agreements/{missing_id}/accept",
            {"name": "X", "signature": self.signature},
        )
        self.assertEqual(
            result.get("error"),
            "This training agreement does not exist or the link is invalid.",
        )
        self.assertFalse(self.runs_of(self.rule_won))

    def test_invalid_signature_rejected(self):
        self.authenticate(None, None)
        url = self.agreement.get_portal_url(suffix="/accept")
        result = self.make_jsonrpc_request(
            url, {"name": "Claire Martin", "signature": ""}
        )
        self.assertIn("signature is missing", result.get("error", ""))
        result = self.make_jsonrpc_request(
            url, {"name": "Claire Martin", "signature": "bm90IGFuIGltYWdl"}
        )
        self.assertTrue(result.get("error"))
        self.agreement.invalidate_recordset()
        self.assertEqual(self.agreement.state, AGREEMENT_SENT)
        self.assertFalse(self.runs_of(self.rule_won))

    def test_portal_user_signs_own(self):
        self.make_portal_user()
        self.authenticate("dr_portal", "dr_portal_pw")
        result = self.sign(self.agreement, access_token=False)
        self.assertFalse(result.get("error"), result)
        self.agreement.invalidate_recordset()
        self.assertEqual(self.agreement.state, AGREEMENT_SIGNED)
        self.assertEqual(len(self.runs_of(self.rule_won, self.lead)), 1)

    def test_other_customer_agreement_rejected(self):
        self.make_portal_user()
        other_client = self.env["res.partner"].create(
            {"name": "Boulangeries Delaunay", "is_company": True}
        )
        other_lead = self.make_lead(self.stage_quoted, partner_id=other_client.id)
        foreign = self.make_agreement(
            other_lead,
            contact_id=False,
            partner_id=other_client.id,
            state=AGREEMENT_SENT,
        )
        self.authenticate("dr_portal", "dr_portal_pw")
        self.assert_not_signed(foreign, self.sign(foreign, access_token=False))
        self.assertFalse(self.runs_of(self.rule_won))

    def test_failing_rule_shows_no_error(self):
        self.authenticate(None, None)
        with (
            patch.object(
                DigirulesRuleAction,
                "_execute",
                side_effect=RuntimeError("règle cassée"),
            ),
            mute_logger("odoo.addons.digirules.models.digirules_engine"),
        ):
            result = self.sign(self.agreement)
        self.assertFalse(result.get("error"), result)
        self.agreement.invalidate_recordset()
        self.assertEqual(self.agreement.state, AGREEMENT_SIGNED)

    def test_page_shows_signature_form_in_modal(self):
        self.authenticate(None, None)
        response = self.url_open(self.agreement.get_portal_url())
        self.assertEqual(response.status_code, 200)
        self.assertIn('id="modal_agreement_sign"', response.text)
        self.assertIn('name="portal.signature_form"', response.text)
        self.assertIn(self.agreement.name, response.text)
        report = self.url_open(self.agreement.get_portal_url(report_type="html"))
        self.assertEqual(report.status_code, 200)
        self.assertIn("Professional Training Agreement", report.text)

    def test_page_with_bad_token_reveals_nothing(self):
        self.authenticate(None, None)
        response = self.url_open(
            f"/my/agreements/{self.agreement.id}?access_token=not-the-token"
        )
        self.assertIn("/web/login", response.url)
        self.assertNotIn(self.agreement.name, response.text)

    def test_portal_list_and_counter(self):
        self.make_portal_user()
        other_client = self.env["res.partner"].create(
            {"name": "Boulangeries Delaunay", "is_company": True}
        )
        foreign = self.make_agreement(
            partner_id=other_client.id, contact_id=False, state=AGREEMENT_SENT
        )
        self.authenticate("dr_portal", "dr_portal_pw")
        response = self.url_open("/my/agreements")
        self.assertEqual(response.status_code, 200)
        self.assertIn(self.agreement.name, response.text)
        self.assertNotIn(foreign.name, response.text)
        counters = self.make_jsonrpc_request(
            "/my/counters", {"counters": ["agreement_count"]}
        )
        self.assertEqual(counters["agreement_count"], 1)
        home = self.url_open("/my")
        self.assertEqual(home.status_code, 200)
        self.assertIn('href="/my/agreements"', home.text)
