from odoo import api, fields, models


class CrmStage(models.Model):
    _inherit = "crm.stage"

    # Odoo 18.0 has no way to retire a column without deleting it; archiving
    # keeps the opportunities and the run log pointing at it.
    active = fields.Boolean(default=True)

    @api.ondelete(at_uninstall=False)
    def _unlink_except_used_by_rules(self):
        rules = (
            self.env["digirules.rule"]
            .sudo()
            .with_context(active_test=False)
            .search(
                [
                    "|",
                    ("trigger_stage_id", "in", self.ids),
                    ("action_ids.stage_id", "in", self.ids),
                ]
            )
        )
        if rules:
            used = rules.trigger_stage_id | rules.action_ids.stage_id
            raise self.env["digirules.rule"]._used_by_rules_error(used & self, rules)

    def write(self, vals):
        res = super().write(vals)
        if "active" in vals:
            self.env["digirules.rule"]._flag_rules_using(stages=self)
        return res
