from odoo import api, fields, models


class DigirulesClientStatus(models.Model):
    """Commercial standing of a client company, ordered by rank."""

    _name = "digirules.client.status"
    _description = "Client Status"
    _order = "rank, id"

    name = fields.Char(required=True, translate=True)
    rank = fields.Integer(
        required=True,
        default=10,
        help="Higher ranks are better standings. Rules never lower a client's "
        "rank unless they explicitly allow a downgrade.",
    )
    active = fields.Boolean(default=True)
    color = fields.Integer()
    description = fields.Text(translate=True)
    partner_count = fields.Integer(compute="_compute_partner_count")

    def _compute_partner_count(self):
        counts = dict(
            self.env["res.partner"]._read_group(
                [("client_status_id", "in", self.ids)],
                groupby=["client_status_id"],
                aggregates=["__count"],
            )
        )
        for status in self:
            status.partner_count = counts.get(status, 0)

    @api.ondelete(at_uninstall=False)
    def _unlink_except_used_by_rules(self):
        actions = (
            self.env["digirules.rule.action"]
            .sudo()
            .with_context(active_test=False)
            .search([("client_status_id", "in", self.ids)])
        )
        if actions:
            raise self.env["digirules.rule"]._used_by_rules_error(
                actions.client_status_id, actions.rule_id
            )

    def write(self, vals):
        res = super().write(vals)
        if "active" in vals:
            self.env["digirules.rule"]._flag_rules_using(client_statuses=self)
        return res
