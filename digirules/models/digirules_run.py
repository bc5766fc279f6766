from collections import defaultdict

from markupsafe import Markup

from odoo import api, fields, models, tools
from odoo.tools import SQL

from ..const import (
    ACTION_STATUS,
    RESULT_DONE,
    RESULT_FAILED,
    RESULT_SKIPPED,
    RESULT_UNCHANGED,
    TRIGGER_STAGE,
    TRIGGER_STATUS,
)
from .crm_lead import STATUS_SELECTION
from .digirules_rule import TRIGGER_SELECTION
from .digirules_rule_action import ACTION_SELECTION

RESULT_SELECTION = [
    (RESULT_DONE, "Done"),
    (RESULT_UNCHANGED, "Nothing to change"),
    (RESULT_SKIPPED, "Skipped"),
    (RESULT_FAILED, "Failed"),
]

REASON_SELECTION = [
    ("stage_archived", "The column is archived"),
    ("stage_other_team", "The column belongs to another sales team"),
    ("no_client", "The opportunity has no customer"),
    ("client_status_archived", "The client status is archived"),
    (
        "downgrade",
        "The client already has a higher status and the rule does not allow a downgrade",
    ),
    ("no_opportunity", "The document has no opportunity"),
    ("no_recipient", "The customer has no e-mail address"),
    ("error", "Error"),
]


class DigirulesRun(models.Model):
    """One application of a rule to one opportunity, with its actions."""

    _name = "digirules.run"
    _description = "Rule Application"
    _order = "id desc"
    _rec_name = "rule_name"

    rule_id = fields.Many2one(
        comodel_name="digirules.rule", string="Rule", index=True, ondelete="set null"
    )
    rule_name = fields.Char(required=True, help="Name of the rule when it ran.")
    lead_id = fields.Many2one(
        comodel_name="crm.lead", string="Opportunity", index=True, ondelete="cascade"
    )
    company_id = fields.Many2one(comodel_name="res.company", required=True, index=True)
    date = fields.Datetime(required=True, default=fields.Datetime.now, index=True)
    user_id = fields.Many2one(
        comodel_name="res.users",
        string="User",
        default=lambda self: self.env.user,
        help="User whose change fired the rule.",
    )
    trigger = fields.Selection(selection=TRIGGER_SELECTION, required=True)
    trigger_stage_id = fields.Many2one(
        comodel_name="crm.stage", string="Trigger Column"
    )
    trigger_status = fields.Selection(
        selection=STATUS_SELECTION, string="Trigger Status"
    )
    # model and id rather than a stored Reference: the ORM checks that a
    # Reference names an existing record, one query per run written
    source_model = fields.Char(string="Source Document Model")
    source_id = fields.Many2oneReference(
        string="Source Document ID", model_field="source_model", index="btree_not_null"
    )
    source_ref = fields.Reference(
        selection="_selection_source_model",
        string="Source Document",
        compute="_compute_source_ref",
        help="Document whose change fired the rule.",
    )
    event_key = fields.Char(
        index=True,
        help="Identifies a document event, so that a rule applies once per "
        "opportunity and event.",
    )
    parent_rule_id = fields.Many2one(
        comodel_name="digirules.rule",
        string="Caused By",
        ondelete="set null",
        help="Rule whose action fired this one.",
    )
    depth = fields.Integer(string="Cascade Depth")
    state = fields.Selection(selection=RESULT_SELECTION, string="Result", required=True)
    reason = fields.Selection(
        selection=REASON_SELECTION,
        help="Why the rule was skipped before running its actions.",
    )
    line_ids = fields.One2many(
        comodel_name="digirules.run.line", inverse_name="run_id", string="Actions"
    )
    message_id = fields.Many2one(
        comodel_name="mail.message",
        string="Chatter Note",
        index="btree_not_null",
        ondelete="set null",
    )
    summary = fields.Text(compute="_compute_summary")

    def init(self):
        # at most one application per (rule, opportunity, document event)
        self.env.cr.execute(
            """
            CREATE UNIQUE INDEX IF NOT EXISTS digirules_run_event_unique
                ON digirules_run (rule_id, lead_id, event_key)
             WHERE event_key IS NOT NULL
            """
        )

    @api.model
    def _selection_source_model(self):
        # called for every source document shown: cached per language
        return list(self._get_source_model_selection(self.env.lang))

    @tools.ormcache("lang")
    def _get_source_model_selection(self, lang):
        # sudo: model names are shown to every reader of the log
        ir_model = self.env["ir.model"].sudo().with_context(lang=lang)
        return tuple(
            (model, ir_model._get(model).name)
            for model in self._get_source_models()
            if model in self.env
        )

    @api.depends("source_model", "source_id")
    def _compute_source_ref(self):
        ids_by_model = defaultdict(set)
        for run in self:
            if run.source_model in self.env and run.source_id:
                ids_by_model[run.source_model].add(run.source_id)
        # sudo: the check for deleted documents must not depend on the reader's rights
        existing = {
            model: set(self.env[model].sudo().browse(ids).exists().ids)
            for model, ids in ids_by_model.items()
        }
        for run in self:
            if run.source_id in existing.get(run.source_model, ()):
                run.source_ref = self.env[run.source_model].browse(run.source_id)
            else:
                run.source_ref = False

    @api.model
    def _get_source_models(self):
        """Return the models a rule can be fired by; trigger addons extend it."""
        return ["crm.lead", "sale.order", "account.move", "digirules.agreement"]

    @api.depends(
        "line_ids.description",
        "rule_name",
        "trigger",
        "trigger_stage_id",
        "trigger_status",
        "reason",
        "source_model",
        "source_id",
    )
    @api.depends_context("lang")
    def _compute_summary(self):
        for run in self:
            run.summary = run._render_note()

    def _get_cause(self):
        """Return what fired the rule, in the current language."""
        self.ensure_one()
        match self.trigger:
            case "stage":
                return self.env._(
                    "entered %(stage)s", stage=self.trigger_stage_id.name or "?"
                )
            case "status":
                statuses = dict(
                    self._fields["trigger_status"]._description_selection(self.env)
                )
                return self.env._(
                    "status became %(status)s",
                    status=statuses.get(self.trigger_status, "?"),
                )
        # the other triggers name the document that fired the rule
        # sudo: the reader of the log may not read the document, its name is enough
        document = self.sudo().source_ref.display_name if self.source_ref else "?"
        match self.trigger:
            case "quotation_signed":
                return self.env._("quotation %(name)s signed", name=document)
            case "agreement_signed":
                return self.env._("training agreement %(name)s signed", name=document)
            case "invoice_sent":
                return self.env._("invoice %(name)s sent", name=document)
            case "invoice_paid":
                return self.env._("invoice %(name)s paid", name=document)
        return dict(self._fields["trigger"]._description_selection(self.env)).get(
            self.trigger, ""
        )

    def _render_note(self):
        """Return the chatter sentence of this application, in the current language."""
        self.ensure_one()
        if self.reason:
            reasons = dict(self._fields["reason"]._description_selection(self.env))
            return self.env._(
                "Rule “%(rule)s” skipped (%(cause)s): %(reason)s",
                rule=self.rule_name,
                cause=self._get_cause(),
                reason=reasons[self.reason],
            )
        lines = self.line_ids.filtered(lambda line: line.state == RESULT_DONE)
        if lines:
            changes = ", ".join(lines.mapped("change_label"))
            return self.env._(
                "%(changes)s by rule “%(rule)s” (%(cause)s)",
                changes=changes[:1].upper() + changes[1:],
                rule=self.rule_name,
                cause=self._get_cause(),
            )
        return self.env._(
            "Rule “%(rule)s” (%(cause)s) changed nothing: %(details)s",
            rule=self.rule_name,
            cause=self._get_cause(),
            details="; ".join(self.line_ids.mapped("description")),
        )

    def _render_note_html(self):
        """Return ``_render_note`` as escaped chatter HTML."""
        return Markup("<p>%s</p>") % self._render_note()

    @api.model
    def _log_applications(self, rule, leads, event_by_lead, results):
        """Record the application of ``rule`` to ``leads``.

        The chatter notes are posted once the whole cascade is over, see
        ``_post_notes``.

        :param dict event_by_lead: {lead id: event that fired the rule on it}
        :param dict results: {lead id: [line values, one per action]}
        :return: the runs created (sudo)
        """
        # sudo: the log is written whatever the rights of the user whose
        # change fired the rule (an accountant, a portal customer)
        runs = self.sudo().create(
            [
                self._prepare_run_vals(
                    rule, lead, event_by_lead[lead.id], results[lead.id]
                )
                for lead in leads
            ]
        )
        runs.filtered(
            lambda run: run.state == RESULT_FAILED
        )._schedule_failure_activities()
        return runs

    @api.model
    def _prepare_run_vals(self, rule, lead, event, lines):
        states = {line["state"] for line in lines}
        if RESULT_FAILED in states:
            state = RESULT_FAILED
        elif RESULT_DONE in states:
            state = RESULT_DONE
        elif RESULT_SKIPPED in states:
            state = RESULT_SKIPPED
        else:
            state = RESULT_UNCHANGED
        return {
            "rule_id": rule.id,
            "rule_name": rule.name,
            "lead_id": lead.id,
            "company_id": rule.company_id.id,
            "trigger": rule.trigger,
            "trigger_stage_id": event.value
            if event.trigger == TRIGGER_STAGE
            else False,
            "trigger_status": event.value if event.trigger == TRIGGER_STATUS else False,
            "source_model": event.source[0] if event.source else False,
            "source_id": event.source[1] if event.source else False,
            "event_key": event.event_key,
            "parent_rule_id": event.parent_rule_id,
            "depth": event.depth,
            "state": state,
            "line_ids": [fields.Command.create(line) for line in lines],
        }

    def _post_notes(self):
        """Post one chatter note per opportunity for the runs of one cascade.

        An opportunity moved on by several rules gets one note that lists
        them in the order they ran. The stored body is written in the language
        of the salesperson; the chatter shows each reader the note in their
        own language (see ``mail.message._to_store``).
        """
        runs = self.filtered(
            lambda run: run.lead_id and run.state in (RESULT_DONE, RESULT_FAILED)
        ).sorted("id")
        run_ids_by_lead = defaultdict(list)
        for run in runs:
            run_ids_by_lead[run.lead_id.id].append(run.id)
        if not run_ids_by_lead:
            return
        runs.mapped("source_ref")  # checks the documents of all runs at once
        bodies = {}
        for lead_id, run_ids in run_ids_by_lead.items():
            lead_runs = runs.browse(run_ids)
            lang = lead_runs.lead_id.user_id.lang or self.env.lang
            # prefetch over all runs: their lines and labels are read at once
            bodies[lead_id] = (
                lead_runs.with_context(lang=lang)
                .with_prefetch(runs._prefetch_ids)
                ._render_notes_html()
            )
        messages = runs.lead_id._message_log_batch(bodies=bodies)
        runs._link_messages(messages)
        runs._leave_status_to_notes()

    def _link_messages(self, messages):
        """Set on each run the chatter note of its opportunity, in one query.

        A write per opportunity would cost one ORM call each; the runs were
        just created and flushed, so only their cache needs to be refreshed.
        """
        self.flush_recordset(["message_id"])
        self.env.cr.execute(
            SQL(
                """
                UPDATE digirules_run AS run
                   SET message_id = note.message_id
                  FROM (VALUES %s) AS note(lead_id, message_id)
                 WHERE run.id IN %s
                   AND run.lead_id = note.lead_id
                """,
                SQL(", ").join(
                    SQL("(%s, %s)", message.res_id, message.id) for message in messages
                ),
                tuple(self.ids),
            )
        )
        self.invalidate_recordset(["message_id"])

    def _render_notes_html(self):
        """Return the chatter HTML of these runs, one paragraph each."""
        return Markup().join(run._render_note_html() for run in self)

    def _leave_status_to_notes(self):
        """Drop Odoo's tracking of the statuses these runs set, since their notes describe them."""
        old_statuses = {}
        for run in self.filtered("message_id").sorted("id"):
            line = run.line_ids.filtered(
                lambda line: (
                    line.action_type == ACTION_STATUS and line.state == RESULT_DONE
                )
            )[:1]
            if line:
                # the earliest run saw the status before the cascade
                old_statuses.setdefault(run.lead_id.id, line.old_status)
        leads = self.lead_id.browse(list(old_statuses))
        leads._digirules_leave_status_to_note(old_statuses)

    def _schedule_failure_activities(self):
        for run in self:
            lead = run.lead_id
            user = lead.user_id or run.rule_id.create_uid or self.env.user
            run_lang = run.with_context(lang=user.lang or self.env.lang)
            errors = run_lang.line_ids.filtered(
                lambda line: line.state == RESULT_FAILED
            )
            lead.activity_schedule(
                "mail.mail_activity_data_todo",
                summary=run_lang.env._("Rule “%(rule)s” failed", rule=run.rule_name),
                note=run_lang.env._(
                    "The rule could not finish on this opportunity: %(errors)s. Make the change by "
                    "hand, or correct the rule under CRM › Configuration › Automation Rules.",
                    errors="; ".join(errors.mapped("description")).rstrip("."),
                ),
                user_id=user.id,
            )


class DigirulesRunLine(models.Model):
    """Outcome of one action within a rule application."""

    _name = "digirules.run.line"
    _description = "Rule Application Action"
    _order = "sequence, id"

    run_id = fields.Many2one(
        comodel_name="digirules.run", required=True, ondelete="cascade", index=True
    )
    sequence = fields.Integer()
    action_id = fields.Many2one(
        comodel_name="digirules.rule.action", string="Rule Action", ondelete="set null"
    )
    action_type = fields.Selection(
        selection=ACTION_SELECTION, string="Action", required=True
    )
    state = fields.Selection(selection=RESULT_SELECTION, string="Result", required=True)
    reason = fields.Selection(selection=REASON_SELECTION)
    error = fields.Text()
    old_stage_id = fields.Many2one(comodel_name="crm.stage", string="Old Column")
    new_stage_id = fields.Many2one(comodel_name="crm.stage", string="New Column")
    old_status = fields.Selection(selection=STATUS_SELECTION, string="Old Status")
    new_status = fields.Selection(selection=STATUS_SELECTION, string="New Status")
    old_client_status_id = fields.Many2one(
        comodel_name="digirules.client.status", string="Old Client Status"
    )
    new_client_status_id = fields.Many2one(
        comodel_name="digirules.client.status", string="New Client Status"
    )
    old_value = fields.Char(compute="_compute_labels", string="Before")
    new_value = fields.Char(compute="_compute_labels", string="After")
    change_label = fields.Char(compute="_compute_labels")
    description = fields.Char(compute="_compute_labels")

    @api.depends(
        "action_type",
        "state",
        "reason",
        "error",
        "old_stage_id",
        "new_stage_id",
        "old_status",
        "new_status",
        "old_client_status_id",
        "new_client_status_id",
    )
    @api.depends_context("lang")
    def _compute_labels(self):
        statuses = dict(self._fields["new_status"]._description_selection(self.env))
        reasons = dict(self._fields["reason"]._description_selection(self.env))
        for line in self:
            match line.action_type:
                case "stage":
                    old, new = line.old_stage_id.name, line.new_stage_id.name
                    change = self.env._("moved to %(value)s", value=new)
                case "status":
                    old, new = (
                        statuses.get(line.old_status),
                        statuses.get(line.new_status),
                    )
                    change = self.env._("status set to %(value)s", value=new)
                case _:
                    old, new = (
                        line.old_client_status_id.name,
                        line.new_client_status_id.name,
                    )
                    change = self.env._("client status set to %(value)s", value=new)
            # no column, status or client status before the action
            line.old_value = old or self.env._("None")
            line.new_value = new or ""
            line.change_label = change
            match line.state:
                case "done":
                    line.description = change
                case "unchanged":
                    line.description = self.env._("already %(value)s", value=new)
                case _ if line.reason == "error":
                    line.description = self.env._(
                        "%(change)s: failed (%(error)s)",
                        change=change,
                        error=line.error or "?",
                    )
                case _:
                    line.description = self.env._(
                        "%(change)s: skipped (%(reason)s)",
                        change=change,
                        reason=reasons.get(line.reason, "?"),
                    )
