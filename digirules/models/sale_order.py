import logging

from odoo import fields, models
from odoo.tools import plaintext2html

from ..const import TRIGGER_QUOTATION_SIGNED

_logger = logging.getLogger(__name__)


class SaleOrder(models.Model):
    _inherit = "sale.order"

    signed_manually = fields.Boolean(
        string="Signed",
        copy=False,
        tracking=True,
        help="Tick when the customer signed the quotation outside Odoo (on paper, "
        "by e-mail). Ticking it fires the rules “Quotation signed or accepted”; "
        "unticking it fires nothing.",
    )
    signed_manually_by_id = fields.Many2one(
        comodel_name="res.users", string="Ticked By", readonly=True, copy=False
    )
    signed_manually_on = fields.Datetime(string="Ticked On", readonly=True, copy=False)

    def write(self, vals):
        newly_signed = self.browse()
        if vals.get("signature"):
            newly_signed |= self.filtered(lambda order: not order.signature)
        ticked = self.browse()
        if "signed_manually" in vals:
            if vals["signed_manually"]:
                ticked = self.filtered(lambda order: not order.signed_manually)
            else:
                vals = {
                    **vals,
                    "signed_manually_by_id": False,
                    "signed_manually_on": False,
                }
        res = super().write(vals)
        if ticked:
            ticked.write(
                {
                    "signed_manually_by_id": self.env.uid,
                    "signed_manually_on": fields.Datetime.now(),
                }
            )
        (newly_signed | ticked)._digirules_fire_signed()
        return res

    def _digirules_fire_signed(self):
        """Fire "quotation signed or accepted", once per quotation whatever the path."""
        if self:
            self.env["digirules.engine"]._fire_documents(
                TRIGGER_QUOTATION_SIGNED,
                self,
                get_leads=lambda order: order.opportunity_id,
                event_name="signed",
            )

    def action_new_agreement(self):
        """Open a new training agreement filled in from the quotation."""
        self.ensure_one()
        return self.env["digirules.agreement"]._get_form_action(
            self._prepare_agreement_vals()
        )

    def _prepare_agreement_vals(self):
        """Return the values of a new training agreement for this quotation."""
        self.ensure_one()
        customer = self.partner_id
        commercial_partner = customer.commercial_partner_id
        product_lines = self.order_line.filtered(lambda line: not line.display_type)
        descriptions = [
            line.name
            for line in self.order_line
            if line.name and line.display_type != "line_section"
        ]
        return {
            "company_id": self.company_id.id,
            "user_id": self.user_id.id,
            "partner_id": commercial_partner.id,
            "contact_id": customer.id if customer != commercial_partner else False,
            "opportunity_id": self.opportunity_id.id,
            "sale_order_id": self.id,
            "training_title": product_lines[:1].product_id.name or self.name,
            "program": plaintext2html("\n\n".join(descriptions))
            if descriptions
            else False,
            "currency_id": self.currency_id.id,
            "amount_untaxed": self.amount_untaxed,
            "amount_total": self.amount_total,
            "payment_term_id": self.payment_term_id.id,
        }
