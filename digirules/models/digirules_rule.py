from collections import defaultdict

from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.tools.safe_eval import safe_eval

from ..const import (
    ACTION_STAGE,
    PAID_STATES,
    TRIGGER_AGREEMENT_SIGNED,
    TRIGGER_INVOICE_PAID,
    TRIGGER_INVOICE_SENT,
    TRIGGER_QUOTATION_SIGNED,
    TRIGGER_STAGE,
    TRIGGER_STATUS,
)
from ..rule_graph import find_cycle
from .crm_lead import STATUS_SELECTION

TRIGGER_SELECTION = [
    (TRIGGER_STATUS, "Opportunity status becomes"),
    (TRIGGER_STAGE, "Opportunity enters a column"),
    (TRIGGER_QUOTATION_SIGNED, "Quotation signed or accepted"),
    (TRIGGER_AGREEMENT_SIGNED, "Training agreement signed"),
    (TRIGGER_INVOICE_SENT, "Customer invoice sent by e-mail"),
    (TRIGGER_INVOICE_PAID, "Customer invoice fully paid"),
]

# fields of a rule that change what it listens to or what it produces
GRAPH_FIELDS = (
    "active",
    "company_id",
    "trigger",
    "trigger_status",
    "trigger_stage_id",
    "action_ids",
)


class DigirulesRule(models.Model):
    """A trigger and the ordered actions applied to the opportunity it concerns.

    The rule engine (``digirules.engine``) finds the rules of an event with
    ``_get_rules_for``, narrows the opportunities with ``_filter_leads`` and
    ``_filter_leads_for_trigger``, and runs the actions in ``_apply_rule``.
    Addons adding a trigger extend the ``trigger`` field with
    ``selection_add``, fire it with ``digirules.engine._fire_documents`` (or
    ``_fire``) and, if the trigger has a parameter, override ``_matches_event``.
    """

    _name = "digirules.rule"
    _description = "Automation Rule"
    _inherit = ["mail.thread"]
    _order = "sequence, id"

    name = fields.Char(required=True, tracking=True)
    active = fields.Boolean(default=True, tracking=True)
    sequence = fields.Integer(
        default=10,
        tracking=True,
        help="Rules triggered by the same change run in this order, lowest first.",
    )
    company_id = fields.Many2one(
        comodel_name="res.company",
        required=True,
        default=lambda self: self.env.company,
        tracking=True,
        help="The rule only applies to opportunities of this company.",
    )
    team_ids = fields.Many2many(
        comodel_name="crm.team",
        string="Sales Teams",
        check_company=True,
        help="Leave empty to apply the rule to every sales team.",
    )
    filter_domain = fields.Char(
        string="Condition",
        default="[]",
        tracking=True,
        help="The rule only applies to opportunities matching this condition.",
    )
    description = fields.Text(help="Why the rule exists, for the team.")

    # trigger
    trigger = fields.Selection(
        selection=TRIGGER_SELECTION, required=True, tracking=True
    )
    trigger_status = fields.Selection(
        selection=STATUS_SELECTION,
        string="Trigger Status",
        tracking=True,
        help="The rule fires when an opportunity reaches this status.",
    )
    trigger_stage_id = fields.Many2one(
        comodel_name="crm.stage",
        string="Trigger Column",
        ondelete="restrict",
        tracking=True,
        help="The rule fires when an opportunity enters this column, from any "
        "other column or at creation.",
    )

    invoice_paid_state = fields.Selection(
        selection=[
            ("in_payment", "In payment or paid"),
            ("paid", "Paid (bank matched)"),
        ],
        string="Counts as Paid",
        default="in_payment",
        help="In payment: the payment is registered, the bank statement is not matched "
        "yet. Where Odoo marks invoices paid at once (without the accounting app), "
        "both choices fire when the payment is registered.",
    )
    invoice_scope = fields.Selection(
        selection=[
            ("each", "Each invoice"),
            ("all", "All invoices of the opportunity"),
        ],
        string="Invoices",
        default="each",
        help="All invoices: the rule fires when the last unpaid customer invoice of the "
        "opportunity is paid and its confirmed orders have nothing left to invoice, "
        "for example when the final invoice after a down payment is paid.",
    )

    # actions
    action_ids = fields.One2many(
        comodel_name="digirules.rule.action",
        inverse_name="rule_id",
        string="Actions",
        copy=True,
    )
    action_summary = fields.Char(
        compute="_compute_action_summary", string="Actions Summary"
    )
    trigger_summary = fields.Char(
        compute="_compute_trigger_summary", string="Trigger Summary"
    )

    # health and history
    warning_message = fields.Text(compute="_compute_warning_message")
    is_flagged = fields.Boolean(
        string="Needs Attention",
        compute="_compute_is_flagged",
        store=True,
        help="A column or client status this rule uses is archived.",
    )
    run_ids = fields.One2many(
        comodel_name="digirules.run", inverse_name="rule_id", string="Applications"
    )
    run_count = fields.Integer(
        compute="_compute_run_count", string="Applications Count"
    )

    @api.depends("action_ids.summary")
    def _compute_action_summary(self):
        for rule in self:
            rule.action_summary = " · ".join(rule.action_ids.mapped("summary"))

    @api.depends("trigger", "trigger_status", "trigger_stage_id")
    @api.depends_context("lang")
    def _compute_trigger_summary(self):
        statuses = dict(self._fields["trigger_status"]._description_selection(self.env))
        for rule in self:
            match rule.trigger:
                case "status" if rule.trigger_status:
                    rule.trigger_summary = self.env._(
                        "Status becomes %(status)s",
                        status=statuses[rule.trigger_status],
                    )
                case "stage" if rule.trigger_stage_id:
                    rule.trigger_summary = self.env._(
                        "Enters %(stage)s", stage=rule.trigger_stage_id.display_name
                    )
                case "invoice_paid" if rule.invoice_scope == "all":
                    rule.trigger_summary = self.env._(
                        "All invoices of the opportunity paid"
                    )
                case _:
                    triggers = dict(
                        self._fields["trigger"]._description_selection(self.env)
                    )
                    rule.trigger_summary = triggers.get(rule.trigger, "")

    @api.depends(
        "trigger",
        "trigger_stage_id.active",
        "action_ids.action_type",
        "action_ids.stage_id.active",
        "action_ids.client_status_id.active",
    )
    def _compute_is_flagged(self):
        for rule in self:
            rule.is_flagged = bool(rule._get_archived_targets())

    @api.depends(
        "trigger",
        "trigger_stage_id.active",
        "action_ids.action_type",
        "action_ids.stage_id.active",
        "action_ids.client_status_id.active",
    )
    @api.depends_context("lang")
    def _compute_warning_message(self):
        for rule in self:
            problems = []
            for record in rule._get_archived_targets():
                if record._name == "crm.stage":
                    message = self.env._(
                        "The column “%(stage)s” is archived: restore it or choose another one.",
                        stage=record.name,
                    )
                else:
                    message = self.env._(
                        "The client status “%(status)s” is archived: restore it or choose another one.",
                        status=record.name,
                    )
                problems.append(message)
            rule.warning_message = "\n".join(problems)

    def _compute_run_count(self):
        counts = dict(
            self.env["digirules.run"]._read_group(
                [("rule_id", "in", self.ids)],
                groupby=["rule_id"],
                aggregates=["__count"],
            )
        )
        for rule in self:
            rule.run_count = counts.get(rule, 0)

    @api.constrains("trigger", "trigger_status", "trigger_stage_id")
    def _check_trigger(self):
        for rule in self:
            if rule.trigger == TRIGGER_STATUS and not rule.trigger_status:
                raise ValidationError(
                    self.env._(
                        "Rule “%(rule)s”: choose the status that triggers it (field “Trigger Status”).",
                        rule=rule.name,
                    )
                )
            if rule.trigger == TRIGGER_STAGE and not rule.trigger_stage_id:
                raise ValidationError(
                    self.env._(
                        "Rule “%(rule)s”: choose the column that triggers it (field “Trigger Column”).",
                        rule=rule.name,
                    )
                )

    @api.constrains("action_ids", "trigger")
    def _check_action_ids(self):
        for rule in self:
            if not rule.action_ids:
                raise ValidationError(
                    self.env._(
                        "Rule “%(rule)s” has no action: add at least one line under “Actions”.",
                        rule=rule.name,
                    )
                )

    @api.constrains("filter_domain")
    def _check_filter_domain(self):
        for rule in self:
            try:
                domain = rule._get_filter_domain()
                self.env["crm.lead"].sudo().with_context(
                    active_test=False
                ).search_count(domain, limit=1)
            except Exception as error:
                raise ValidationError(
                    self.env._(
                        "Rule “%(rule)s”: the condition %(domain)s is not a valid filter on "
                        "opportunities (%(error)s). Edit it with the condition editor.",
                        rule=rule.name,
                        domain=rule.filter_domain,
                        error=error,
                    )
                ) from error

    @api.constrains(*GRAPH_FIELDS)
    def _check_loops(self):
        rules = self.sudo().search([("company_id", "in", self.company_id.ids)])
        edges = rules._get_graph_edges()
        for rule in self.filtered("active"):
            cycle = find_cycle(edges, start=rule.id)
            if cycle:
                names = " → ".join(
                    self._quote(name)
                    for name in self.browse(cycle).sudo().mapped("name")
                )
                raise ValidationError(
                    self.env._(
                        "These rules feed each other in a loop: %(rules)s. Each rule would run "
                        "at most once per opportunity, so the loop stops, but the result would "
                        "depend on the order. Change a trigger or an action to break it.",
                        rules=names,
                    )
                )

    def write(self, vals):
        if "action_ids" not in vals:
            return super().write(vals)
        before = {rule: rule.action_summary for rule in self}
        res = super().write(vals)
        for rule in self:
            if rule.action_summary != before[rule]:
                rule.message_post(
                    body=self.env._(
                        "Actions changed: %(old)s → %(new)s",
                        old=before[rule] or "-",
                        new=rule.action_summary or "-",
                    ),
                    subtype_xmlid="mail.mt_note",
                )
        return res

    def action_view_runs(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "digirules.digirules_run_action"
        )
        action["domain"] = [("rule_id", "=", self.id)]
        action["context"] = {"create": False}
        return action

    # ------------------------------------------------------------------
    # Business helpers
    # ------------------------------------------------------------------

    def _get_archived_targets(self):
        """Return the archived columns and client statuses the rule uses."""
        self.ensure_one()
        stages = self.action_ids.filtered(
            lambda a: a.action_type == ACTION_STAGE
        ).stage_id
        if self.trigger == TRIGGER_STAGE:
            stages |= self.trigger_stage_id
        client_statuses = self.action_ids.client_status_id
        return [record for record in (*stages, *client_statuses) if not record.active]

    def _get_filter_domain(self):
        self.ensure_one()
        if not self.filter_domain:
            return []
        return safe_eval(
            self.filter_domain, {"uid": self.env.uid, "user": self.env.user}
        )

    def _get_trigger_node(self):
        """Return the event this rule listens to, as a hashable value."""
        self.ensure_one()
        match self.trigger:
            case "status":
                return (TRIGGER_STATUS, self.trigger_status)
            case "stage":
                return (TRIGGER_STAGE, self.trigger_stage_id.id)
        return (self.trigger, None)

    def _get_graph_edges(self):
        """Return {rule id: ids of the rules its actions trigger}."""
        listeners = defaultdict(set)
        for rule in self.filtered("active"):
            listeners[rule._get_trigger_node()].add(rule.id)
        edges = {}
        for rule in self.filtered("active"):
            produced = rule.action_ids._get_produced_events()
            edges[rule.id] = set().union(
                *(listeners.get(node, ()) for node in produced)
            )
        return edges

    @api.model
    def _get_rules_for(self, triggers):
        """Return the active rules of ``triggers``, in execution order (sudo)."""
        # sudo: rules are configuration; the user who moved the opportunity
        # only needs them to be applied, not to read them
        return self.sudo().search([("trigger", "in", list(triggers))])

    def _matches_event(self, event):
        self.ensure_one()
        match self.trigger:
            case "status":
                return event.value == self.trigger_status
            case "stage":
                return event.value == self.trigger_stage_id.id
            case "invoice_paid":
                return event.value == "paid" or self.invoice_paid_state == "in_payment"
        return True

    def _filter_leads_for_trigger(self, leads):
        """Return the opportunities of ``leads`` on which the trigger is complete.

        Only "all invoices paid" requires more than the event itself: no
        unpaid invoice and nothing left to invoice.
        """
        self.ensure_one()
        if (
            self.trigger != TRIGGER_INVOICE_PAID
            or self.invoice_scope != "all"
            or not leads
        ):
            return leads
        paid_states = (
            PAID_STATES if self.invoice_paid_state == "in_payment" else ("paid",)
        )
        # sudo: every invoice and order counts, whichever user registered the payment
        unpaid = (
            self.env["account.move"]
            .sudo()
            .search(
                [
                    ("opportunity_ids", "in", leads.ids),
                    ("move_type", "=", "out_invoice"),
                    ("state", "=", "posted"),
                    ("payment_state", "not in", (*paid_states, "reversed")),
                ]
            )
        )
        # an order with something left to invoice (after a down payment) is not paid yet
        to_invoice = (
            self.env["sale.order"]
            .sudo()
            .search(
                [
                    ("opportunity_id", "in", leads.ids),
                    ("state", "=", "sale"),
                    ("invoice_status", "=", "to invoice"),
                ]
            )
        )
        return leads - unpaid.opportunity_ids - to_invoice.opportunity_id

    def _filter_leads(self, leads):
        """Return the opportunities of ``leads`` this rule applies to."""
        self.ensure_one()
        default_company = self.env.company
        leads = leads.filtered(
            lambda lead: (
                (lead.company_id or default_company) == self.company_id
                and (not self.team_ids or lead.team_id in self.team_ids)
            )
        )
        domain = self._get_filter_domain()
        if leads and domain:
            leads = leads.filtered_domain(domain)
        return leads

    @api.model
    def _used_by_rules_error(self, records, rules):
        """Return the error refusing to delete ``records`` (columns or client statuses)."""
        values = {
            "names": ", ".join(
                self._quote(name) for name in records.mapped("display_name")
            ),
            "rules": ", ".join(self._quote(name) for name in rules.mapped("name")),
        }
        if records._name == "crm.stage":
            message = self.env._(
                "You cannot delete the column %(names)s: the rules %(rules)s use it. Change or "
                "delete these rules first, or archive the column instead.",
                **values,
            )
        else:
            message = self.env._(
                "You cannot delete the client status %(names)s: the rules %(rules)s use it. "
                "Change or delete these rules first, or archive the client status instead.",
                **values,
            )
        return UserError(message)

    @api.model
    def _quote(self, text):
        return self.env._("“%(text)s”", text=text)

    @api.model
    def _flag_rules_using(self, stages=None, client_statuses=None):
        """Post a note on the rules that use archived ``stages`` or ``client_statuses``."""
        if stages:
            domain = [
                "|",
                ("trigger_stage_id", "in", stages.ids),
                ("action_ids.stage_id", "in", stages.ids),
            ]
        elif client_statuses:
            domain = [("action_ids.client_status_id", "in", client_statuses.ids)]
        else:
            return
        # sudo: the note informs rule owners of a change made elsewhere
        rules = self.sudo().with_context(active_test=False).search(domain)
        for rule in rules.filtered("is_flagged"):
            rule.message_post(body=rule.warning_message, subtype_xmlid="mail.mt_note")
