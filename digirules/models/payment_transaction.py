from odoo import models


class PaymentTransaction(models.Model):
    _inherit = "payment.transaction"

    def _check_amount_and_confirm_order(self):
        # a quotation paid online is accepted by the customer
        confirmed_orders = super()._check_amount_and_confirm_order()
        confirmed_orders._digirules_fire_signed()
        return confirmed_orders
