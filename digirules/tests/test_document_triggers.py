from unittest.mock import patch

from odoo import Command, fields
from odoo.tests import tagged

from odoo.addons.account.models.account_move import AccountMove

from ..const import (
    ACTION_CLIENT_STATUS,
    ACTION_STAGE,
    ACTION_STATUS,
    STATUS_FINALIZED,
    STATUS_WON,
)
from .common import DigirulesAccountCase


def enterprise_in_payment(func):
    """Run ``func`` with Odoo's "in payment" state, as the enterprise accounting app has it."""
    return patch.object(
        AccountMove, "_get_invoice_in_payment_state", lambda self: "in_payment"
    )(func)


@tagged("post_install", "-at_install")
class TestInvoicePaid(DigirulesAccountCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.lead = cls.make_lead(cls.stage_won)

    def make_paid_rule(self, **values):
        return self.make_rule(
            "Facture payée → Finalisé",
            "invoice_paid",
            None,
            [(ACTION_STATUS, STATUS_FINALIZED), (ACTION_STAGE, self.stage_finalized)],
            **values,
        )

    def test_paid_in_one_payment_runs_once(self):
        rule = self.make_paid_rule()
        invoice = self.make_invoice_from_order(self.lead, 1200)
        self.assertEqual(invoice.opportunity_ids, self.lead)
        messages_before = len(self.lead.message_ids)
        self.pay(invoice)
        self.assertEqual(invoice.payment_state, "paid")
        run = self.runs_of(rule, self.lead)
        self.assertEqual(len(run), 1)
        self.assertEqual(run.state, "done")
        self.assertEqual(run.source_ref, invoice)
        self.assertEqual(self.lead.stage_id, self.stage_finalized)
        self.assertEqual(self.lead.opportunity_status, STATUS_FINALIZED)
        self.lead.invalidate_recordset(["message_ids"])
        notes = self.lead.message_ids[: len(self.lead.message_ids) - messages_before]
        self.assertEqual(
            len(notes.filtered(lambda m: "Facture payée → Finalisé" in m.body)), 1
        )

    def test_partial_payments_fire_on_last(self):
        rule = self.make_paid_rule()
        invoice = self.make_invoice_from_order(self.lead, 1000)
        self.pay(invoice, 400)
        self.assertEqual(invoice.payment_state, "partial")
        self.assertFalse(self.runs_of(rule))
        self.pay(invoice, 600)
        self.assertEqual(len(self.runs_of(rule, self.lead)), 1)

    def test_reconcile_again_fires_once(self):
        rule = self.make_paid_rule()
        invoice = self.make_invoice_from_order(self.lead, 1000)
        payment = self.pay(invoice)
        payment.action_draft()
        self.assertEqual(invoice.payment_state, "not_paid")
        payment.action_post()
        receivable = lambda move: move.line_ids.filtered(
            lambda l: l.account_type == "asset_receivable"
        )
        (receivable(invoice) | receivable(payment.move_id)).reconcile()
        self.assertEqual(invoice.payment_state, "paid")
        self.assertEqual(len(self.runs_of(rule, self.lead)), 1)

    def test_credit_note_fires_nothing(self):
        rule = self.make_paid_rule()
        invoice = self.make_invoice_from_order(self.lead, 1000)
        reversal = (
            self.env["account.move.reversal"]
            .with_context(active_model="account.move", active_ids=invoice.ids)
            .create({"journal_id": invoice.journal_id.id, "reason": "Annulation"})
        )
        reversal.refund_moves()
        credit_note = invoice.reversal_move_ids
        if credit_note.state == "draft":
            credit_note.action_post()
        lines = (invoice | credit_note).line_ids.filtered(
            lambda l: l.account_type == "asset_receivable"
        )
        if not lines.filtered("reconciled"):
            lines.reconcile()
        self.assertEqual(invoice.payment_state, "reversed")
        self.assertFalse(self.runs_of(rule))

    def test_one_payment_for_several_invoices(self):
        rule = self.make_paid_rule()
        other_lead = self.make_lead(self.stage_won, name="SST")
        invoices = self.make_invoice_from_order(
            self.lead, 1200
        ) | self.make_invoice_from_order(other_lead, 800)
        self.pay(invoices, group_payment=True)
        self.assertEqual(len(self.runs_of(rule, self.lead)), 1)
        self.assertEqual(len(self.runs_of(rule, other_lead)), 1)

    def test_grouped_payment_invoice_sources(self):
        rule_paid = self.make_paid_rule()
        rule_client = self.make_rule(
            "Finalisé → Client",
            "status",
            STATUS_FINALIZED,
            [(ACTION_CLIENT_STATUS, self.status_customer)],
        )
        other_lead = self.make_lead(self.stage_won, name="SST")
        invoice = self.make_invoice_from_order(self.lead, 1200)
        other_invoice = self.make_invoice_from_order(other_lead, 800)
        self.pay(invoice | other_invoice, group_payment=True)
        for lead, source in ((self.lead, invoice), (other_lead, other_invoice)):
            run_paid = self.runs_of(rule_paid, lead)
            run_client = self.runs_of(rule_client, lead)
            self.assertEqual(run_paid.source_ref, source)
            self.assertEqual(run_client.source_ref, source)
            self.assertEqual(run_client.depth, 1)
            self.assertEqual(run_client.parent_rule_id, rule_paid)
            self.assertEqual(run_paid.message_id, run_client.message_id)
            self.assertEqual(lead.opportunity_status, STATUS_FINALIZED)
        self.assertEqual(self.client.client_status_id, self.status_customer)

    def test_repaid_invoice_with_new_invoice(self):
        rule = self.make_paid_rule()
        first = self.make_invoice_from_order(self.lead, 1000)
        payment = self.pay(first)
        self.assertEqual(self.runs_of(rule, self.lead).source_ref, first)
        payment.action_draft()
        self.assertEqual(first.payment_state, "not_paid")
        second = self.make_invoice_from_order(self.lead, 500)
        # the first invoice comes first, but the rule already applied for it
        self.pay(first | second, group_payment=True)
        runs = self.runs_of(rule, self.lead)
        self.assertEqual(len(runs), 2)
        self.assertEqual(set(runs.mapped("source_ref")), {first, second})

    def test_bank_statement_matched_with_invoice(self):
        rule = self.make_paid_rule()
        invoice = self.make_invoice_from_order(self.lead, 1200)
        self._match_invoice_with_bank(
            invoice, self.company_data["default_journal_bank"]
        )
        self.assertEqual(invoice.payment_state, "paid")
        self.assertEqual(len(self.runs_of(rule, self.lead)), 1)

    @enterprise_in_payment
    def test_only_paid_waits_for_bank_match(self):
        rule = self.make_paid_rule(invoice_paid_state="paid")
        rule_in_payment = self.make_rule(
            "Facture en paiement → Client",
            "invoice_paid",
            None,
            [(ACTION_CLIENT_STATUS, self.status_customer)],
            invoice_paid_state="in_payment",
        )
        invoice = self.make_invoice_from_order(self.lead, 2000)
        payments = self.pay(invoice, 1000) | self.pay(invoice, 1000)
        self.env.flush_all()
        self.env.cr.flush()
        self.assertEqual(invoice.payment_state, "in_payment")
        self.assertFalse(self.runs_of(rule))
        self.assertEqual(len(self.runs_of(rule_in_payment, self.lead)), 1)
        for payment in payments:
            self._match_with_bank(payment)
            self.env.flush_all()
            self.env.cr.flush()
            if payment != payments[-1]:
                self.assertEqual(invoice.payment_state, "in_payment")
                self.assertFalse(self.runs_of(rule))
        self.assertEqual(invoice.payment_state, "paid")
        self.assertEqual(len(self.runs_of(rule, self.lead)), 1)
        self.assertEqual(len(self.runs_of(rule_in_payment, self.lead)), 1)

    @enterprise_in_payment
    def test_payment_without_outstanding_account_waits_for_bank(self):
        rule = self.make_paid_rule(invoice_paid_state="paid")
        invoice = self.make_invoice_from_order(self.lead, 1200)
        method_line = self.inbound_payment_method_line
        method_line.payment_account_id = False
        payment = self.pay(invoice, payment_method_line_id=method_line.id)
        self.env.flush_all()
        self.env.cr.flush()
        self.assertFalse(payment.move_id)
        self.assertEqual(invoice.payment_state, "in_payment")
        self.assertFalse(self.runs_of(rule))

        self._match_invoice_with_bank(invoice, payment.journal_id)
        self.env.flush_all()
        self.env.cr.flush()
        self.assertEqual(invoice.payment_state, "paid")
        self.assertEqual(len(self.runs_of(rule, self.lead)), 1)

    def _match_invoice_with_bank(self, invoice, journal):
        """Match a bank statement line straight with the invoice, as a bank reconciliation does."""
        statement_line = self.env["account.bank.statement.line"].create(
            {
                "payment_ref": invoice.name,
                "journal_id": journal.id,
                "amount": invoice.amount_residual,
                "date": fields.Date.today(),
                "partner_id": self.client.id,
            }
        )
        _liquidity, suspense, _other = statement_line.with_context(
            skip_account_move_synchronization=True
        )._seek_for_lines()
        receivable = invoice.line_ids.filtered(
            lambda line: line.account_type == "asset_receivable"
        )
        suspense.account_id = receivable.account_id
        (suspense | receivable).reconcile()

    def _match_with_bank(self, payment):
        statement_line = self.env["account.bank.statement.line"].create(
            {
                "payment_ref": payment.name,
                "journal_id": payment.journal_id.id,
                "amount": payment.amount,
                "date": fields.Date.today(),
                "partner_id": self.client.id,
            }
        )
        _liquidity, suspense, _other = statement_line.with_context(
            skip_account_move_synchronization=True
        )._seek_for_lines()
        outstanding = payment.move_id.line_ids.filtered(
            lambda l: l.account_id == payment.outstanding_account_id
        )
        suspense.account_id = outstanding.account_id
        (suspense | outstanding).reconcile()

    def test_manual_invoice_without_opportunity_skipped(self):
        rule = self.make_paid_rule()
        invoice = self.init_invoice(
            "out_invoice", partner=self.client, amounts=[700], taxes=[], post=True
        )
        self.pay(invoice)
        run = self.env["digirules.run"].search([("rule_id", "=", rule.id)])
        self.assertEqual(len(run), 1)
        self.assertEqual(run.state, "skipped")
        self.assertEqual(run.reason, "no_opportunity")
        self.assertEqual(run.source_ref, invoice)
        self.assertFalse(run.lead_id)

    def test_manual_invoice_linked_by_hand(self):
        rule = self.make_paid_rule()
        invoice = self.init_invoice(
            "out_invoice", partner=self.client, amounts=[700], taxes=[]
        )
        invoice.opportunity_ids = self.lead
        invoice.action_post()
        self.pay(invoice)
        self.assertEqual(invoice.opportunity_ids, self.lead)
        self.assertEqual(len(self.runs_of(rule, self.lead)), 1)
        self.assertIn(invoice, self.lead.invoice_ids)
        self.assertEqual(self.lead.invoice_count, 1)

    def test_invoice_of_two_opportunities_applies_to_both(self):
        rule = self.make_paid_rule()
        other_lead = self.make_lead(self.stage_won, name="SST")
        orders = self.make_order(self.lead, 1000) | self.make_order(other_lead, 500)
        orders.action_confirm()
        invoice = orders._create_invoices()
        invoice.action_post()
        self.assertEqual(invoice.opportunity_ids, self.lead | other_lead)
        self.pay(invoice)
        self.assertEqual(len(self.runs_of(rule, self.lead)), 1)
        self.assertEqual(len(self.runs_of(rule, other_lead)), 1)

    def _down_payment_then_final(self):
        order = self.make_order(self.lead, 2500)
        order.action_confirm()
        self.env["sale.advance.payment.inv"].with_context(
            active_model="sale.order", active_ids=order.ids
        ).create(
            {"advance_payment_method": "percentage", "amount": 30}
        ).create_invoices()
        down_payment = order.invoice_ids
        down_payment.action_post()
        self.pay(down_payment)
        final = order._create_invoices(final=True)
        final.action_post()
        return down_payment, final

    def test_each_invoice_fires_on_down_payment(self):
        rule = self.make_paid_rule(invoice_scope="each")
        down_payment, final = self._down_payment_then_final()
        self.assertEqual(self.runs_of(rule, self.lead).source_ref, down_payment)
        self.pay(final)
        self.assertEqual(len(self.runs_of(rule, self.lead)), 2)

    def test_all_invoices_waits_for_final(self):
        rule = self.make_paid_rule(invoice_scope="all")
        down_payment, final = self._down_payment_then_final()
        self.assertEqual(down_payment.payment_state, "paid")
        self.assertFalse(self.runs_of(rule))
        self.pay(final)
        run = self.runs_of(rule, self.lead)
        self.assertEqual(len(run), 1)
        self.assertEqual(run.source_ref, final)

    def test_accountant_without_crm_rights_pays(self):
        rule = self.make_paid_rule()
        accountant = self.env["res.users"].create(
            {
                "name": "Comptable",
                "login": "dr_accountant",
                "email": "comptable@formavenir.example",
                "groups_id": [
                    Command.set(self.env.ref("account.group_account_invoice").ids)
                ],
            }
        )
        invoice = self.make_invoice_from_order(self.lead, 1200)
        self.env["account.payment.register"].with_user(accountant).with_context(
            active_model="account.move", active_ids=invoice.ids
        ).create({})._create_payments()
        self.assertEqual(self.runs_of(rule, self.lead).state, "done")
        self.assertEqual(self.lead.stage_id, self.stage_finalized)


@tagged("post_install", "-at_install")
class TestInvoiceSent(DigirulesAccountCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.lead = cls.make_lead(cls.stage_won)
        cls.rule = cls.make_rule(
            "Facture envoyée → Facturé",
            "invoice_sent",
            None,
            [(ACTION_STAGE, cls.stage_finalized)],
        )

    def send(self, invoices, methods):
        model = (
            "account.move.send.wizard"
            if len(invoices) == 1
            else "account.move.send.batch.wizard"
        )
        wizard = (
            self.env[model]
            .with_context(active_model="account.move", active_ids=invoices.ids)
            .create({"sending_methods": methods} if len(invoices) == 1 else {})
        )
        if len(invoices) == 1:
            return wizard.action_send_and_print()
        return wizard.action_send_and_print(force_synchronous=True)

    def test_download_only_fires_nothing(self):
        invoice = self.make_invoice_from_order(self.lead, 1200)
        self.send(invoice, ["manual"])
        self.assertTrue(invoice.is_move_sent)
        self.assertFalse(self.runs_of(self.rule))

    def test_email_fires_once(self):
        invoice = self.make_invoice_from_order(self.lead, 1200)
        self.send(invoice, ["email"])
        run = self.runs_of(self.rule, self.lead)
        self.assertEqual(len(run), 1)
        self.assertEqual(run.source_ref, invoice)
        self.assertEqual(self.lead.stage_id, self.stage_finalized)
        # correct and send again: no second run
        invoice.button_draft()
        invoice.invoice_line_ids.price_unit = 1300
        invoice.action_post()
        self.send(invoice, ["email"])
        self.assertEqual(len(self.runs_of(self.rule, self.lead)), 1)

    def test_batch_email_fires_each(self):
        other_lead = self.make_lead(self.stage_won, name="SST")
        invoices = self.make_invoice_from_order(
            self.lead, 1200
        ) | self.make_invoice_from_order(other_lead, 900)
        self.client.invoice_sending_method = "email"
        self.send(invoices, ["email"])
        self.assertEqual(len(self.runs_of(self.rule, self.lead)), 1)
        self.assertEqual(len(self.runs_of(self.rule, other_lead)), 1)

    def test_customer_without_email_skipped(self):
        self.client.email = False
        invoice = self.make_invoice_from_order(self.lead, 1200)
        invoice.partner_id.email = False
        self.send(invoice, ["email"])
        run = self.runs_of(self.rule, self.lead)
        self.assertEqual(len(run), 1)
        self.assertEqual(run.state, "skipped")
        self.assertEqual(run.reason, "no_recipient")
        self.assertEqual(self.lead.stage_id, self.stage_won)


@tagged("post_install", "-at_install")
class TestQuotationSigned(DigirulesAccountCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.lead = cls.make_lead(cls.stage_quoted)
        cls.rule_won = cls.make_rule(
            "Devis signé → Gagné",
            "quotation_signed",
            None,
            [(ACTION_STATUS, STATUS_WON)],
        )
        cls.rule_client = cls.make_rule(
            "Devis signé → Client",
            "quotation_signed",
            None,
            [(ACTION_CLIENT_STATUS, cls.status_customer)],
        )

    def test_signed_box_records_who_and_fires(self):
        order = self.make_order(self.lead, 4800)
        order.with_user(self.user_manager).write({"signed_manually": True})
        self.assertEqual(order.signed_manually_by_id, self.user_manager)
        self.assertTrue(order.signed_manually_on)
        self.assertEqual(self.lead.opportunity_status, STATUS_WON)
        self.assertEqual(self.client.client_status_id, self.status_customer)
        self.assertEqual(self.runs_of(self.rule_won, self.lead).source_ref, order)
        order.signed_manually = False
        self.assertFalse(order.signed_manually_by_id)
        order.signed_manually = True
        self.assertEqual(len(self.runs_of(self.rule_won, self.lead)), 1)

    def test_second_quotation_signed_then_first_cancelled(self):
        first = self.make_order(self.lead, 2000)
        second = self.make_order(self.lead, 2600)
        second.write({"signed_manually": True})
        first._action_cancel()
        self.assertEqual(self.lead.opportunity_status, STATUS_WON)
        self.assertEqual(self.runs_of(self.rule_won, self.lead).source_ref, second)
        self.assertEqual(
            self.env["digirules.run"].search_count([("lead_id", "=", self.lead.id)]), 2
        )

    def test_signed_and_paid_set_client_once(self):
        rule_paid = self.make_rule(
            "Facture payée → Client",
            "invoice_paid",
            None,
            [(ACTION_CLIENT_STATUS, self.status_customer)],
        )
        order = self.make_order(self.lead, 1200)
        order.write({"signed_manually": True})
        order.action_confirm()
        invoice = order._create_invoices()
        invoice.action_post()
        self.pay(invoice)
        run = self.runs_of(rule_paid, self.lead)
        self.assertEqual(run.state, "unchanged")
        self.assertEqual(run.line_ids.state, "unchanged")

    def test_paid_online_fires(self):
        order = self.make_order(
            self.lead, 1200, require_signature=False, require_payment=True
        )
        provider = self.env["payment.provider"].create(
            {"name": "Virement test", "state": "test"}
        )
        transaction = self.env["payment.transaction"].create(
            {
                "provider_id": provider.id,
                "payment_method_id": self.env.ref("payment.payment_method_unknown").id,
                "amount": order.amount_total,
                "currency_id": order.currency_id.id,
                "partner_id": self.client.id,
                "reference": "DR-TEST-1",
                "sale_order_ids": [Command.set(order.ids)],
            }
        )
        transaction._set_done()
        # the step of sale's payment post-processing that accepts the quotation
        transaction._check_amount_and_confirm_order()
        self.assertEqual(order.state, "sale")
        run = self.runs_of(self.rule_won, self.lead)
        self.assertEqual(run.state, "done")
        self.assertEqual(run.source_ref, order)
        self.assertEqual(self.lead.opportunity_status, STATUS_WON)

    def test_rule_failure_never_blocks_signature(self):
        order = self.make_order(self.lead, 4800)
        with patch.object(
            type(self.env["digirules.engine"]),
            "_process",
            side_effect=RuntimeError("boom"),
        ):
            order.write({"signed_manually": True})
        self.assertTrue(order.signed_manually)
