import logging

from odoo import api, models

from ..const import MAX_CASCADE_DEPTH
from ..isolation import try_in_savepoint
from ..lead_frame import get_frame

_logger = logging.getLogger(__name__)


class DigirulesEvent:
    """Something that happened to some opportunities and may fire rules.

    :param str trigger: trigger key of the rules to consider
    :param list lead_ids: opportunities concerned
    :param value: trigger parameter (stage id, status key, or None)
    :param int depth: 0 for a change made by a user or a document, n + 1 for a
        change made by a rule fired at depth n
    :param tuple source: (model, id) of the document that caused it, if any
    :param str event_key: identifies a document event; a rule applies at most
        once per opportunity and event key, across transactions
    :param int parent_rule_id: rule whose action caused the change
    """

    __slots__ = (
        "depth",
        "event_key",
        "lead_ids",
        "parent_rule_id",
        "source",
        "trigger",
        "value",
    )

    def __init__(
        self,
        trigger,
        lead_ids,
        value=None,
        depth=0,
        source=None,
        event_key=None,
        parent_rule_id=False,
    ):
        self.trigger = trigger
        self.lead_ids = list(lead_ids)
        self.value = value
        self.depth = depth
        self.source = source
        self.event_key = event_key
        self.parent_rule_id = parent_rule_id

    def __repr__(self):
        return f"<DigirulesEvent {self.trigger}={self.value} leads={self.lead_ids} depth={self.depth}>"


class DigirulesEngine(models.AbstractModel):
    """Applies the rules of events, then the rules of the changes they make.

    Entry point for document triggers::

        self.env["digirules.engine"]._fire_documents(
            "quotation_signed", orders,
            get_leads=lambda order: order.opportunity_id,
            event_name="signed",
        )
    """

    _name = "digirules.engine"
    _description = "Automation Rule Engine"

    @api.model
    def _fire(self, trigger, leads, value=None, source=None, event_key=None):
        """Apply the rules of ``trigger`` to ``leads`` and cascade.

        A failing action or condition is logged, not raised. Concurrency
        errors are raised, so that Odoo retries the request. Unlike
        ``_fire_documents``, nothing else is caught.

        :param leads: crm.lead records concerned
        :param value: trigger parameter, compared by ``digirules.rule._matches_event``
        :param source: record of the document that caused the event
        :param str event_key: see ``DigirulesEvent``
        """
        if not leads:
            return
        source_ref = (source._name, source.id) if source else None
        self._process(
            [DigirulesEvent(trigger, leads.ids, value, 0, source_ref, event_key)]
        )

    @api.model
    def _fire_documents(
        self, trigger, documents, get_leads, event_name, get_value=None
    ):
        """Fire ``trigger`` once per document event, on each document's opportunities.

        Documents without an opportunity are logged as skipped. Whatever the
        rules do, nothing is raised to the caller (a portal signature, a
        payment, an e-mail): failures are logged.

        :param documents: records that had the event (quotations, invoices)
        :param get_leads: function returning the opportunities of a document
        :param str event_name: event of the document ("signed", "paid"); with
            the document, it makes the key that lets a rule apply once
        :param get_value: function returning the trigger parameter of a document
        """
        events, orphan_ids = [], []
        for document in documents:
            leads = get_leads(document)
            if not leads:
                orphan_ids.append(document.id)
                continue
            events.append(
                DigirulesEvent(
                    trigger,
                    leads.ids,
                    get_value(document) if get_value else None,
                    source=(document._name, document.id),
                    event_key=f"{document._name},{document.id},{event_name}",
                )
            )

        orphans = documents.browse(orphan_ids)

        def run():
            if events:
                self._process(events)
            if orphans:
                self._log_skipped_documents(trigger, orphans, reason="no_opportunity")

        error = try_in_savepoint(self.env, run)
        if error is not None:
            _logger.error(
                "digirules: rules of trigger %s failed on %s %s: %s",
                trigger,
                documents._name,
                documents.ids,
                error,
            )

    @api.model
    def _log_skipped_documents(self, trigger, documents, reason, get_leads=None):
        """Record that the rules of ``trigger`` did not apply to ``documents``, and why."""
        Rule = self.env["digirules.rule"]
        rules = Rule._get_rules_for({trigger})
        vals_list = []
        for document in documents:
            company = document.company_id
            leads = get_leads(document) if get_leads else self.env["crm.lead"]
            for rule in rules.filtered(
                lambda rule, company=company: rule.company_id == company
            ):
                for lead in leads or [leads]:
                    vals_list.append(
                        {
                            "rule_id": rule.id,
                            "rule_name": rule.name,
                            "lead_id": lead.id,
                            "company_id": company.id,
                            "trigger": trigger,
                            "source_model": document._name,
                            "source_id": document.id,
                            "state": "skipped",
                            "reason": reason,
                        }
                    )
        if vals_list:
            # sudo: the log is written whatever the rights of the user
            self.env["digirules.run"].sudo().create(vals_list)

    @api.model
    def _make_event(
        self, trigger, lead_ids, value, depth, source=None, parent_rule_id=False
    ):
        """Return an event caused by a change of the opportunities themselves."""
        return DigirulesEvent(
            trigger, lead_ids, value, depth, source, None, parent_rule_id
        )

    @api.model
    def _process(self, events):
        """Run the rules of ``events`` level by level until nothing changes.

        Within one cascade a rule applies at most once to an opportunity, and
        changes deeper than ``MAX_CASCADE_DEPTH`` are dropped, so every cascade
        ends. Rules of one level run in sequence order.
        """
        frame = get_frame(self.env.cr)
        if frame.running:
            # fired from inside an action: the running cascade picks it up
            frame.queue.extend(events)
            return
        frame.running = True
        frame.depth += 1
        frame.queue = list(events)
        applied = set()
        runs = []
        try:
            while frame.queue:
                depth = min(event.depth for event in frame.queue)
                level = [event for event in frame.queue if event.depth == depth]
                frame.queue = [event for event in frame.queue if event.depth != depth]
                if depth > MAX_CASCADE_DEPTH:
                    _logger.warning(
                        "digirules: cascade deeper than %s levels stopped, events dropped: %s",
                        MAX_CASCADE_DEPTH,
                        level,
                    )
                    continue
                self._process_level(frame, level, applied, runs)
            self._post_notes(runs)
        finally:
            frame.take_snapshots()
            frame.queue = []
            frame.running = False
            frame.depth -= 1

    def _process_level(self, frame, events, applied, runs):
        """Run each rule once on all the events of one level that match it.

        A payment of 500 invoices makes 500 events. Taking them together keeps
        the queries of each rule the same, whatever the number of documents.
        """
        rules = self.env["digirules.rule"]._get_rules_for(
            {event.trigger for event in events}
        )
        for rule in rules:
            matching = [event for event in events if rule._matches_event(event)]
            if matching:
                self._run_rule_on_events(frame, rule, matching, applied, runs)

    def _run_rule_on_events(self, frame, rule, events, applied, runs):
        try:
            leads, event_by_lead = self._get_pending_leads(rule, events, applied)
            leads = rule._filter_leads_for_trigger(rule._filter_leads(leads))
        except Exception:
            # a broken condition must not block the change that fired the rule
            _logger.exception(
                "digirules: rule %s could not select its opportunities", rule.id
            )
            return
        if not leads:
            return
        applied.update((rule.id, lead_id) for lead_id in leads.ids)
        runs.append(self._apply_rule(rule, leads, event_by_lead))
        frame.queue += leads._digirules_pop_events(
            frame,
            events[0].depth + 1,
            parent_events=event_by_lead,
            parent_rule_id=rule.id,
        )

    def _get_pending_leads(self, rule, events, applied):
        """Return the opportunities of ``events`` that ``rule`` has yet to process.

        :return: (crm.lead records, {lead id: event}); an opportunity named by
            several events goes with the first one the rule has not applied to
        """
        candidates = [
            (lead_id, event)
            for event in events
            for lead_id in event.lead_ids
            if (rule.id, lead_id) not in applied
        ]
        done = set()
        event_keys = {event.event_key for event in events if event.event_key}
        if event_keys and candidates:
            runs = (
                self.env["digirules.run"]
                .sudo()
                .search_fetch(
                    [
                        ("rule_id", "=", rule.id),
                        ("lead_id", "in", list({lead_id for lead_id, _ in candidates})),
                        ("event_key", "in", list(event_keys)),
                    ],
                    ["lead_id", "event_key"],
                )
            )
            done = {(run.lead_id.id, run.event_key) for run in runs}
        event_by_lead = {}
        for lead_id, event in candidates:
            if event.event_key and (lead_id, event.event_key) in done:
                continue
            event_by_lead.setdefault(lead_id, event)
        # sudo: rules act on every opportunity of their company, whichever user fired them
        leads = (
            self.env["crm.lead"]
            .sudo()
            .with_company(rule.company_id)
            .with_context(active_test=False)
            .browse(list(event_by_lead))
            .exists()
        )

        def still_applies(lead):
            # a later rule of the same level may have moved the opportunity on
            event = event_by_lead[lead.id]
            match event.trigger:
                case "stage":
                    return lead.stage_id.id == event.value
                case "status":
                    return lead.opportunity_status == event.value
            return True

        return leads.filtered(still_applies), event_by_lead

    def _apply_rule(self, rule, leads, event_by_lead):
        """Run the actions of ``rule`` on ``leads`` in order, then log them.

        :param dict event_by_lead: {lead id: event that fired the rule on it}
        :return: the runs logged (``digirules.run``, sudo; empty if the log failed)
        """
        _logger.debug(
            "digirules: rule %s (%s) on crm.lead %s", rule.id, rule.name, leads.ids
        )
        results = {lead.id: [] for lead in leads}
        for action in rule.action_ids:
            for lead_id, line_vals in action._execute(leads).items():
                results[lead_id].append(line_vals)
        Run = self.env["digirules.run"].sudo()
        logged = []
        # the actions stand; a log that cannot be written must not undo them
        error = try_in_savepoint(
            self.env,
            lambda: logged.append(
                Run._log_applications(rule, leads, event_by_lead, results)
            ),
        )
        if error is not None:
            _logger.error(
                "digirules: could not log rule %s on crm.lead %s: %s",
                rule.id,
                leads.ids,
                error,
            )
        return logged[0] if logged and error is None else Run

    def _post_notes(self, runs):
        """Post the chatter notes of a finished cascade; a failure is only logged.

        :param list runs: ``digirules.run`` records of the cascade
        """
        runs = self.env["digirules.run"].sudo().union(*runs)
        if not runs:
            return
        error = try_in_savepoint(self.env, runs._post_notes)
        if error is not None:
            _logger.error(
                "digirules: could not post the notes of runs %s: %s", runs.ids, error
            )
