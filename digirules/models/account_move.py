from odoo import api, fields, models

from ..const import PAID_STATES, TRIGGER_INVOICE_PAID


class AccountMove(models.Model):
    _inherit = "account.move"

    opportunity_ids = fields.Many2many(
        comodel_name="crm.lead",
        relation="account_move_crm_lead_rel",
        column1="move_id",
        column2="lead_id",
        string="Opportunities",
        compute="_compute_opportunity_ids",
        store=True,
        readonly=False,
        copy=False,
        domain="[('type', '=', 'opportunity'), ('company_id', 'in', (company_id, False))]",
        help="Opportunities of the quotations invoiced here. Set it by hand on an "
        "invoice made without a quotation.",
    )

    @api.depends("invoice_line_ids.sale_line_ids.order_id.opportunity_id")
    def _compute_opportunity_ids(self):
        for move in self:
            from_orders = move.invoice_line_ids.sale_line_ids.order_id.opportunity_id
            move.opportunity_ids = from_orders or move.opportunity_ids

    def _invoice_paid_hook(self):
        res = super()._invoice_paid_hook()
        self._digirules_fire_paid()
        return res

    def _compute_field_value(self, field):
        # Odoo 18.0 calls _invoice_paid_hook only from reconciliations that touch
        # the invoice. When the bank statement is matched with the payment,
        # "in payment" becomes "paid" by a recompute alone, which is caught here.
        if field.name != "payment_state":
            return super()._compute_field_value(field)
        invoices = self.filtered(
            lambda move: move.id and move.move_type == "out_invoice"
        )
        old_states = {invoice.id: invoice.payment_state for invoice in invoices}
        res = super()._compute_field_value(field)
        paid = invoices.filtered(
            lambda invoice: (
                invoice.payment_state in PAID_STATES
                and invoice.payment_state != old_states[invoice.id]
            )
        )
        if paid:
            self._digirules_defer_paid(paid.ids)
        return res

    def _digirules_defer_paid(self, invoice_ids):
        """Fire "invoice paid" for ``invoice_ids`` before the transaction commits.

        The payment state is being computed, possibly in the middle of a flush:
        rules must not run inside it.
        """
        data = self.env.cr.precommit.data
        pending = data.get("digirules.paid_invoice_ids")
        if pending is None:
            pending = data["digirules.paid_invoice_ids"] = set()
            env = self.env

            @self.env.cr.precommit.add
            def fire_paid():
                invoices = env["account.move"].sudo().browse(sorted(pending)).exists()
                invoices._digirules_fire_paid()

        pending.update(invoice_ids)

    def _digirules_fire_paid(self):
        invoices = self.filtered(
            lambda move: (
                move.move_type == "out_invoice"
                and move.state == "posted"
                and move.payment_state in PAID_STATES
            )
        )
        if invoices:
            self.env["digirules.engine"]._fire_documents(
                TRIGGER_INVOICE_PAID,
                invoices,
                get_leads=lambda invoice: invoice.opportunity_ids,
                event_name="paid",
                get_value=lambda invoice: invoice.payment_state,
            )
