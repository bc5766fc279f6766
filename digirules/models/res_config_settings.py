from odoo import api, fields, models


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    digirules_rule_count = fields.Integer(
        string="Active Automation Rules", compute="_compute_digirules_rule_count"
    )

    # without a dependency, the settings form keeps the value it started with
    @api.depends("company_id")
    def _compute_digirules_rule_count(self):
        count = self.env["digirules.rule"].search_count(
            [("company_id", "=", self.env.company.id)]
        )
        for settings in self:
            settings.digirules_rule_count = count

    def action_open_digirules_rules(self):
        return self.env["ir.actions.act_window"]._for_xml_id(
            "digirules.digirules_rule_action"
        )
