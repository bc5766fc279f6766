from odoo import api, fields, models


class ResPartner(models.Model):
    _inherit = "res.partner"

    client_status_id = fields.Many2one(
        comodel_name="digirules.client.status",
        string="Client Status",
        index="btree_not_null",
        tracking=True,
        ondelete="restrict",
        help="Commercial standing of the company. Contacts share the status of "
        "their company; automation rules can set it.",
    )

    @api.model
    def _commercial_fields(self):
        return super()._commercial_fields() + ["client_status_id"]
