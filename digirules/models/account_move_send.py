from odoo import api, models

from ..const import TRIGGER_INVOICE_SENT


class AccountMoveSend(models.AbstractModel):
    _inherit = "account.move.send"

    @api.model
    def _send_mail(self, move, mail_template, **kwargs):
        # the one place where Odoo 18.0 really e-mails an invoice; is_move_sent
        # is also set by a mere PDF download
        res = super()._send_mail(move, mail_template, **kwargs)
        if move.move_type == "out_invoice" and move.state == "posted":
            self.env["digirules.engine"]._fire_documents(
                TRIGGER_INVOICE_SENT,
                move,
                get_leads=lambda invoice: invoice.opportunity_ids,
                event_name="sent",
            )
        return res

    @api.model
    def _hook_if_success(self, moves_data):
        # Odoo silently skips the invoices that have no recipient with an e-mail address
        unreachable = self.env["account.move"].browse(
            move.id
            for move, move_data in moves_data.items()
            if move.move_type == "out_invoice"
            and "email" in move_data["sending_methods"]
            and not self._digirules_has_recipient(move, move_data)
        )
        res = super()._hook_if_success(moves_data)
        if unreachable:
            self.env["digirules.engine"]._log_skipped_documents(
                TRIGGER_INVOICE_SENT,
                unreachable,
                reason="no_recipient",
                get_leads=lambda invoice: invoice.opportunity_ids,
            )
        return res

    @api.model
    def _digirules_has_recipient(self, move, move_data):
        """Return whether Odoo 18.0 will e-mail ``move`` (see ``_hook_if_success`` and ``_send_mails``)."""
        return self._is_applicable_to_move("email", move, **move_data) and bool(
            move.partner_id.email or move_data.get("mail_partner_ids")
        )
