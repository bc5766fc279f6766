import logging
from collections import defaultdict

from odoo import api, fields, models
from odoo.exceptions import ValidationError

from ..const import (
    ACTION_CLIENT_STATUS,
    ACTION_STAGE,
    ACTION_STATUS,
    RESULT_DONE,
    RESULT_FAILED,
    RESULT_SKIPPED,
    RESULT_UNCHANGED,
    STATUS_FINALIZED,
    STATUS_LOST,
    STATUS_UNDECIDED,
    STATUS_WON,
    TRIGGER_STAGE,
    TRIGGER_STATUS,
    WON_STATUSES,
)
from ..isolation import try_in_savepoint
from .crm_lead import STATUS_SELECTION

_logger = logging.getLogger(__name__)

ACTION_SELECTION = [
    (ACTION_STAGE, "Move to a column"),
    (ACTION_STATUS, "Set the opportunity status"),
    (ACTION_CLIENT_STATUS, "Set the client status"),
]


class DigirulesRuleAction(models.Model):
    """One step of a rule, run on a batch of opportunities.

    ``_execute`` returns one result per opportunity, a dict of
    ``digirules.run.line`` values; a failing step is rolled back alone.
    """

    _name = "digirules.rule.action"
    _description = "Automation Rule Action"
    _order = "sequence, id"

    rule_id = fields.Many2one(
        comodel_name="digirules.rule", required=True, ondelete="cascade", index=True
    )
    sequence = fields.Integer(default=10)
    action_type = fields.Selection(
        selection=ACTION_SELECTION, string="Action", required=True, default=ACTION_STAGE
    )
    stage_id = fields.Many2one(
        comodel_name="crm.stage",
        string="Column",
        ondelete="restrict",
        help="Column the opportunity moves to.",
    )
    status = fields.Selection(
        selection=STATUS_SELECTION,
        help="Won marks the opportunity won the Odoo way (it moves to a won column). "
        "Lost archives it with the lost reason below. Undecided restores a lost "
        "opportunity, or moves a won one back to the last open column.",
    )
    lost_reason_id = fields.Many2one(
        comodel_name="crm.lost.reason", string="Lost Reason", ondelete="restrict"
    )
    client_status_id = fields.Many2one(
        comodel_name="digirules.client.status",
        string="Client Status",
        ondelete="restrict",
        help="Set on the company of the opportunity's customer.",
    )
    allow_downgrade = fields.Boolean(
        help="Without this option, the action never replaces a client status by one "
        "of lower rank (a Client never goes back to Prospect)."
    )
    summary = fields.Char(compute="_compute_summary")

    @api.depends(
        "action_type",
        "stage_id",
        "status",
        "lost_reason_id",
        "client_status_id",
        "allow_downgrade",
    )
    @api.depends_context("lang")
    def _compute_summary(self):
        statuses = dict(self._fields["status"]._description_selection(self.env))
        for action in self:
            match action.action_type:
                case "stage":
                    action.summary = self.env._(
                        "Move to %(stage)s", stage=action.stage_id.name or "?"
                    )
                case "status" if action.status == STATUS_LOST:
                    action.summary = self.env._(
                        "Set status Lost (%(reason)s)",
                        reason=action.lost_reason_id.name or "?",
                    )
                case "status":
                    action.summary = self.env._(
                        "Set status %(status)s", status=statuses.get(action.status, "?")
                    )
                case "client_status":
                    action.summary = self.env._(
                        "Set client status %(status)s",
                        status=action.client_status_id.name or "?",
                    )
                case _:
                    action.summary = ""

    @api.constrains(
        "action_type", "stage_id", "status", "lost_reason_id", "client_status_id"
    )
    def _check_parameters(self):
        for action in self:
            missing = action._get_missing_field()
            if missing:
                raise ValidationError(
                    self.env._(
                        "Rule “%(rule)s”: the action “%(action)s” needs the field “%(field)s”.",
                        rule=action.rule_id.name,
                        action=dict(
                            self._fields["action_type"]._description_selection(self.env)
                        )[action.action_type],
                        field=self._fields[missing]._description_string(self.env),
                    )
                )

    @api.constrains("action_type", "stage_id", "status")
    def _check_rule_loops(self):
        self.rule_id._check_loops()

    def _get_missing_field(self):
        self.ensure_one()
        match self.action_type:
            case "stage" if not self.stage_id:
                return "stage_id"
            case "status" if not self.status:
                return "status"
            case "status" if self.status == STATUS_LOST and not self.lost_reason_id:
                return "lost_reason_id"
            case "client_status" if not self.client_status_id:
                return "client_status_id"
        return None

    def _get_produced_events(self):
        """Return the trigger nodes (see ``digirules.rule``) these actions cause."""
        nodes = set()
        for action in self:
            if action.action_type == ACTION_STAGE and action.stage_id:
                nodes.add((TRIGGER_STAGE, action.stage_id.id))
            elif action.action_type == ACTION_STATUS and action.status:
                nodes.add((TRIGGER_STATUS, action.status))
        return nodes

    # ------------------------------------------------------------------
    # Execution
    # ------------------------------------------------------------------

    def _execute(self, leads):
        """Apply this action to ``leads`` and return {lead id: line values}."""
        self.ensure_one()
        handlers = {
            ACTION_STAGE: self._execute_stage,
            ACTION_STATUS: self._execute_status,
            ACTION_CLIENT_STATUS: self._execute_client_status,
        }
        return handlers[self.action_type](leads)

    def _prepare_line_vals(self, state, reason=False, error=False, **values):
        return {
            "action_id": self.id,
            "action_type": self.action_type,
            "sequence": self.sequence,
            "state": state,
            "reason": reason,
            "error": error,
            **values,
        }

    def _execute_stage(self, leads):
        target = self.stage_id
        results, to_move_ids = {}, []
        for lead in leads:
            values = {"old_stage_id": lead.stage_id.id, "new_stage_id": target.id}
            if not target.active:
                results[lead.id] = self._prepare_line_vals(
                    RESULT_SKIPPED, "stage_archived", **values
                )
            elif target.team_id and target.team_id != lead.team_id:
                results[lead.id] = self._prepare_line_vals(
                    RESULT_SKIPPED, "stage_other_team", **values
                )
            elif lead.stage_id == target:
                results[lead.id] = self._prepare_line_vals(RESULT_UNCHANGED, **values)
            else:
                results[lead.id] = self._prepare_line_vals(RESULT_DONE, **values)
                to_move_ids.append(lead.id)

        errors = self._run_isolated(
            leads.browse(to_move_ids),
            lambda records: records.write({"stage_id": target.id}),
        )
        self._apply_errors(results, errors)
        return results

    def _execute_status(self, leads):
        target = self.status
        results, to_change_ids = {}, []
        for lead in leads:
            values = {"old_status": lead.opportunity_status, "new_status": target}
            current = lead.opportunity_status
            already = current == target or (
                target == STATUS_WON and current in WON_STATUSES
            )
            if already:
                results[lead.id] = self._prepare_line_vals(RESULT_UNCHANGED, **values)
            else:
                results[lead.id] = self._prepare_line_vals(RESULT_DONE, **values)
                to_change_ids.append(lead.id)

        setters = {
            STATUS_WON: lambda records: records._digirules_set_won(),
            STATUS_FINALIZED: lambda records: records._digirules_set_finalized(
                track=False
            ),
            STATUS_LOST: lambda records: records.action_set_lost(
                lost_reason_id=self.lost_reason_id.id
            ),
            STATUS_UNDECIDED: lambda records: records._digirules_set_undecided(),
        }
        errors = self._run_isolated(leads.browse(to_change_ids), setters[target])
        self._apply_errors(results, errors)
        return results

    def _execute_client_status(self, leads):
        target = self.client_status_id
        results, leads_by_partner = {}, defaultdict(lambda: leads.browse())
        for lead in leads:
            partner = lead.partner_id.commercial_partner_id
            old = partner.client_status_id
            values = {"old_client_status_id": old.id, "new_client_status_id": target.id}
            if not partner:
                results[lead.id] = self._prepare_line_vals(
                    RESULT_SKIPPED, "no_client", **values
                )
            elif old == target:
                results[lead.id] = self._prepare_line_vals(RESULT_UNCHANGED, **values)
            elif not target.active:
                results[lead.id] = self._prepare_line_vals(
                    RESULT_SKIPPED, "client_status_archived", **values
                )
            elif old and old.rank > target.rank and not self.allow_downgrade:
                results[lead.id] = self._prepare_line_vals(
                    RESULT_SKIPPED, "downgrade", **values
                )
            else:
                results[lead.id] = self._prepare_line_vals(RESULT_DONE, **values)
                leads_by_partner[partner] |= lead

        partners = leads.partner_id.browse([partner.id for partner in leads_by_partner])
        errors = self._run_isolated(
            partners, lambda records: records.write({"client_status_id": target.id})
        )
        lead_errors = {
            lead.id: error
            for partner_id, error in errors.items()
            for lead in leads_by_partner[partners.browse(partner_id)]
        }
        self._apply_errors(results, lead_errors)
        return results

    def _run_isolated(self, records, operation):
        """Run ``operation(records)`` so that a failure rolls back only itself.

        The batch runs in one savepoint; if it fails, each record is retried in
        its own savepoint to find which ones fail.

        :return: {record id: exception} for the records that failed
        """
        if not records:
            return {}
        error = self._try_in_savepoint(records, operation)
        if error is None:
            return {}
        if len(records) == 1:
            return {records.id: error}
        errors = {}
        for record in records:
            error = self._try_in_savepoint(record, operation)
            if error is not None:
                errors[record.id] = error
        return errors

    def _try_in_savepoint(self, records, operation):
        error = try_in_savepoint(self.env, operation, records)
        if error is not None:
            _logger.info(
                "digirules: action %s of rule %s failed on %s %s: %s",
                self.id,
                self.rule_id.id,
                records._name,
                records.ids,
                error,
            )
        return error

    def _apply_errors(self, results, errors):
        for record_id, error in errors.items():
            results[record_id].update(
                state=RESULT_FAILED, reason="error", error=_error_text(error)
            )


def _error_text(error):
    """Return the message a user would read for ``error``."""
    return getattr(error, "args", None) and str(error.args[0]) or repr(error)
