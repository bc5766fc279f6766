from odoo import fields, models


class ResCompany(models.Model):
    _inherit = "res.company"

    training_declaration_number = fields.Char(
        string="Training Declaration Number",
        help="Activity declaration number (numéro de déclaration d'activité) that the regional "
        "prefecture gives a training organisation. Printed on training agreements.",
    )
