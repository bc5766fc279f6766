from unittest.mock import patch

from odoo.exceptions import ValidationError
from odoo.tests import tagged

from ..const import (
    ACTION_CLIENT_STATUS,
    ACTION_STAGE,
    ACTION_STATUS,
    STATUS_FINALIZED,
    STATUS_LOST,
    STATUS_UNDECIDED,
    STATUS_WON,
)
from ..models.crm_lead import CrmLead
from .common import DigirulesCase


@tagged("post_install", "-at_install")
class TestPipelineRules(DigirulesCase):
    def test_server_action_two_writes_rule_runs_once(self):
        rule = self.make_rule(
            "Gagné → Client",
            "stage",
            self.stage_won,
            [(ACTION_CLIENT_STATUS, self.status_customer)],
        )
        lead = self.make_lead(self.stage_quoted)
        server_action = self.env["ir.actions.server"].create(
            {
                "name": "Négociation puis Gagné",
                "model_id": self.env["ir.model"]._get_id("crm.lead"),
                "state": "code",
                "code": (
                    f"record.write({{'stage_id': {self.stage_negotiation.id}}})\n"
                    f"record.write({{'stage_id': {self.stage_won.id}}})"
                ),
            }
        )
        server_action.with_context(active_model="crm.lead", active_id=lead.id).run()
        self.assertEqual(len(self.runs_of(rule, lead)), 1)
        self.assertEqual(self.client.client_status_id, self.status_customer)
        self.assertEqual(self.contact.client_status_id, self.status_customer)

    def test_lead_created_without_stage_fires_once(self):
        rule = self.make_rule(
            "Nouveau → Prospect",
            "stage",
            self.stage_new,
            [(ACTION_CLIENT_STATUS, self.status_prospect)],
        )
        # as the website form does: no stage, the team gives the first column
        lead = self.env["crm.lead"].create(
            {
                "name": "Demande site web",
                "type": "opportunity",
                "team_id": self.team.id,
                "partner_id": self.contact.id,
            }
        )
        lead.write({"stage_id": self.stage_new.id})
        self.env.flush_all()
        self.assertEqual(lead.stage_id, self.stage_new)
        self.assertEqual(len(self.runs_of(rule, lead)), 1)

    def test_back_from_won_same_result_on_every_path(self):
        rule = self.make_rule(
            "Retour en négociation",
            "status",
            STATUS_UNDECIDED,
            [(ACTION_STAGE, self.stage_negotiation)],
        )
        kanban, form, *listed = (
            self.make_lead(self.stage_won, name=f"Lead {i}") for i in range(5)
        )
        kanban.web_save({"stage_id": self.stage_negotiation.id}, specification={})
        form.web_save(
            {"stage_id": self.stage_negotiation.id}, specification={"stage_id": {}}
        )
        listed = self.env["crm.lead"].concat(*listed)
        listed.write({"stage_id": self.stage_negotiation.id})
        for lead in kanban | form | listed:
            self.assertEqual(lead.opportunity_status, STATUS_UNDECIDED)
            self.assertEqual(lead.stage_id, self.stage_negotiation)
            run = self.runs_of(rule, lead)
            self.assertEqual(len(run), 1, lead.name)
            self.assertEqual(run.state, "unchanged")

    def test_import_fires_rules(self):
        rule = self.make_rule(
            "Convention → Client",
            "stage",
            self.stage_agreement,
            [(ACTION_CLIENT_STATUS, self.status_customer)],
        )
        leads = self.make_lead(self.stage_quoted, name="A") | self.make_lead(
            self.stage_quoted, name="B"
        )
        result = self.env["crm.lead"].load(
            [".id", "stage_id/.id"],
            [[str(lead.id), str(self.stage_agreement.id)] for lead in leads],
        )
        self.assertFalse(result["messages"], result["messages"])
        self.assertEqual(leads.stage_id, self.stage_agreement)
        self.assertEqual(len(self.runs_of(rule)), 2)
        self.assertEqual(self.client.client_status_id, self.status_customer)

    def test_renamed_column_changes_nothing(self):
        column = self.stage_finalized
        column.name = "Gagné – Formation"
        rule = self.make_rule(
            "Gagné → Formation", "status", STATUS_WON, [(ACTION_STAGE, column)]
        )
        column.name = "Gagné (formation)"
        lead = self.make_lead(self.stage_quoted)
        lead.action_set_won()
        self.assertEqual(lead.stage_id, column)
        self.assertEqual(self.runs_of(rule, lead).state, "done")

    def test_archived_column_flags_rule_and_skips(self):
        column = self.stage_finalized
        column.name = "Gagné – Formation"
        rule = self.make_rule(
            "Gagné → Formation", "status", STATUS_WON, [(ACTION_STAGE, column)]
        )
        self.assertFalse(rule.is_flagged)
        column.active = False
        self.assertTrue(rule.is_flagged)
        self.assertIn("Gagné – Formation", rule.warning_message)
        lead = self.make_lead(self.stage_quoted)
        lead.action_set_won()
        self.assertEqual(lead.stage_id, self.stage_won)
        run = self.runs_of(rule, lead)
        self.assertEqual(run.state, "skipped")
        self.assertEqual(run.line_ids.reason, "stage_archived")
        self.assertIn("archived", run.line_ids.description)

    def test_lost_opportunity_edited_stays_lost(self):
        rules = self.make_rule(
            "Perdu → ancien client",
            "status",
            STATUS_LOST,
            [(ACTION_CLIENT_STATUS, self.status_former, {"allow_downgrade": True})],
        ) | self.make_rule(
            "Indécis → négociation",
            "status",
            STATUS_UNDECIDED,
            [(ACTION_STAGE, self.stage_negotiation)],
        )
        lead = self.make_lead(self.stage_quoted)
        lead.action_set_lost(lost_reason_id=self.lost_reason_price.id)
        runs_before = self.env["digirules.run"].search_count(
            [("rule_id", "in", rules.ids)]
        )
        tag = self.env["crm.tag"].create({"name": "Relance"})
        lead.write({"tag_ids": [(4, tag.id)]})
        lead.write({"stage_id": lead.stage_id.id, "active": False})
        self.assertEqual(lead.opportunity_status, STATUS_LOST)
        self.assertEqual(lead.lost_reason_id, self.lost_reason_price)
        self.assertEqual(
            self.env["digirules.run"].search_count([("rule_id", "in", rules.ids)]),
            runs_before,
        )

    def test_probability_100_fires_no_won_rule(self):
        rule = self.make_rule(
            "Gagné → Client",
            "status",
            STATUS_WON,
            [(ACTION_CLIENT_STATUS, self.status_customer)],
        )
        lead = self.make_lead(self.stage_quoted)
        lead.write({"probability": 100})
        self.assertFalse(self.runs_of(rule, lead))
        lead.action_set_won_rainbowman()
        self.assertEqual(len(self.runs_of(rule, lead)), 1)
        self.assertEqual(self.client.client_status_id, self.status_customer)

    def test_lost_action_requires_reason(self):
        with self.assertRaisesMessage(ValidationError, "Lost Reason"):
            self.make_rule(
                "Refus", "stage", self.stage_agreement, [(ACTION_STATUS, STATUS_LOST)]
            )
        rule = self.make_rule(
            "Refus",
            "stage",
            self.stage_agreement,
            [
                (
                    ACTION_STATUS,
                    STATUS_LOST,
                    {"lost_reason_id": self.lost_reason_refused.id},
                )
            ],
        )
        lead = self.make_lead(self.stage_quoted)
        lead.write({"stage_id": self.stage_agreement.id})
        self.assertFalse(lead.active)
        self.assertEqual(lead.opportunity_status, STATUS_LOST)
        self.assertEqual(lead.lost_reason_id, self.lost_reason_refused)
        self.assertEqual(self.runs_of(rule, lead).state, "done")

    def test_client_status_not_downgraded(self):
        self.client.client_status_id = self.status_customer
        rule = self.make_rule(
            "Nouveau → Prospect",
            "stage",
            self.stage_new,
            [(ACTION_CLIENT_STATUS, self.status_prospect)],
        )
        lead = self.make_lead(self.stage_new)
        self.assertEqual(self.client.client_status_id, self.status_customer)
        run = self.runs_of(rule, lead)
        self.assertEqual(run.state, "skipped")
        self.assertEqual(run.line_ids.reason, "downgrade")
        self.assertEqual(run.line_ids.old_client_status_id, self.status_customer)

    def test_client_status_downgrade_allowed(self):
        self.client.client_status_id = self.status_customer
        self.make_rule(
            "Perdu → Ancien client",
            "status",
            STATUS_LOST,
            [(ACTION_CLIENT_STATUS, self.status_former, {"allow_downgrade": True})],
        )
        self.make_lead(self.stage_quoted).action_archive()
        self.assertEqual(self.client.client_status_id, self.status_former)

    def test_cascade_both_ways(self):
        rule_agreement = self.make_rule(
            "Convention signée → Gagné",
            "stage",
            self.stage_agreement,
            [(ACTION_STATUS, STATUS_WON)],
        )
        rule_won = self.make_rule(
            "Gagné → Client",
            "status",
            STATUS_WON,
            [(ACTION_CLIENT_STATUS, self.status_customer)],
        )
        rule_column = self.make_rule(
            "Gagné → Finalisé",
            "stage",
            self.stage_won,
            [(ACTION_STATUS, STATUS_FINALIZED)],
        )
        lead = self.make_lead(self.stage_quoted)
        lead.web_save({"stage_id": self.stage_agreement.id}, specification={})
        self.assertEqual(lead.stage_id, self.stage_won)
        self.assertEqual(lead.opportunity_status, STATUS_FINALIZED)
        self.assertEqual(self.client.client_status_id, self.status_customer)
        self.assertEqual(self.runs_of(rule_agreement, lead).depth, 0)
        self.assertEqual(self.runs_of(rule_won, lead).depth, 1)
        self.assertEqual(self.runs_of(rule_column, lead).depth, 1)
        self.assertEqual(self.runs_of(rule_column, lead).parent_rule_id, rule_agreement)

    def test_runtime_loop_stops(self):
        # no loop for the checker: "set Won" chooses its column itself, yet
        # these rules feed each other
        rule_win = self.make_rule(
            "Négociation → Gagné",
            "stage",
            self.stage_negotiation,
            [(ACTION_STATUS, STATUS_WON)],
        )
        rule_back = self.make_rule(
            "Gagné → Négociation",
            "stage",
            self.stage_won,
            [(ACTION_STAGE, self.stage_negotiation)],
        )
        lead = self.make_lead(self.stage_quoted)
        lead.write({"stage_id": self.stage_negotiation.id})
        self.assertEqual(len(self.runs_of(rule_win, lead)), 1)
        self.assertEqual(len(self.runs_of(rule_back, lead)), 1)
        self.assertEqual(lead.stage_id, self.stage_negotiation)
        self.assertEqual(lead.opportunity_status, STATUS_UNDECIDED)

    def test_rule_not_retroactive(self):
        lead = self.make_lead(self.stage_won)
        rule = self.make_rule(
            "Gagné → Client",
            "status",
            STATUS_WON,
            [(ACTION_CLIENT_STATUS, self.status_customer)],
        )
        lead.write({"name": "Renommée"})
        lead.write({"stage_id": self.stage_won.id})
        self.assertFalse(self.runs_of(rule))
        self.assertFalse(self.client.client_status_id)

    def test_disabled_rule_does_nothing(self):
        rule = self.make_rule(
            "Gagné → Client",
            "status",
            STATUS_WON,
            [(ACTION_CLIENT_STATUS, self.status_customer)],
        )
        rule.active = False
        self.make_lead(self.stage_quoted).action_set_won()
        self.assertFalse(self.runs_of(rule))

    def test_failed_action_rolled_back_alone(self):
        rule = self.make_rule(
            "Devis envoyé → Finalisé + Client",
            "stage",
            self.stage_quoted,
            [
                (ACTION_STAGE, self.stage_finalized),
                (ACTION_CLIENT_STATUS, self.status_customer),
            ],
        )
        lead = self.make_lead(self.stage_new)
        original_write = CrmLead.write

        def write_refusing_finalized(records, vals):
            if vals.get("stage_id") == self.stage_finalized.id:
                # a fault made up by the test, never shown to a user
                # pylint: disable-next=translation-required
                raise ValidationError("Finalisé est réservé à la comptabilité")
            return original_write(records, vals)

        with patch.object(CrmLead, "write", write_refusing_finalized):
            lead.write({"stage_id": self.stage_quoted.id})
        self.assertEqual(lead.stage_id, self.stage_quoted)
        self.assertEqual(self.client.client_status_id, self.status_customer)
        run = self.runs_of(rule, lead)
        self.assertEqual(run.state, "failed")
        self.assertEqual(run.line_ids.mapped("state"), ["failed", "done"])
        self.assertIn(
            "Finalisé est réservé à la comptabilité", run.line_ids[0].description
        )
        activity = lead.activity_ids
        self.assertEqual(len(activity), 1)
        self.assertEqual(activity.user_id, self.user_salesman)
        self.assertIn("Finalisé est réservé à la comptabilité", activity.note)

    def test_rule_scope_company_and_team(self):
        other_company = self.env["res.company"].create({"name": "Autre OF"})
        other_team = self.env["crm.team"].create({"name": "Intra"})
        rule_other_company = self.make_rule(
            "Autre société",
            "stage",
            self.stage_agreement,
            [(ACTION_CLIENT_STATUS, self.status_customer)],
            company_id=other_company.id,
        )
        rule_other_team = self.make_rule(
            "Autre équipe",
            "stage",
            self.stage_agreement,
            [(ACTION_CLIENT_STATUS, self.status_customer)],
            team_ids=[(6, 0, other_team.ids)],
        )
        lead = self.make_lead(self.stage_quoted)
        lead.write({"stage_id": self.stage_agreement.id})
        self.assertFalse(
            self.runs_of(rule_other_company) | self.runs_of(rule_other_team)
        )
        self.assertFalse(self.client.client_status_id)

    def test_condition_filters_opportunities(self):
        rule = self.make_rule(
            "Gros devis → Client",
            "stage",
            self.stage_agreement,
            [(ACTION_CLIENT_STATUS, self.status_customer)],
            filter_domain="[('expected_revenue', '>=', 5000)]",
        )
        small = self.make_lead(self.stage_quoted, expected_revenue=1200)
        big = self.make_lead(self.stage_quoted, expected_revenue=9600)
        (small | big).write({"stage_id": self.stage_agreement.id})
        self.assertFalse(self.runs_of(rule, small))
        self.assertEqual(self.runs_of(rule, big).state, "done")

    def test_lost_rule_sees_reason(self):
        rule = self.make_rule(
            "Trop cher → Ancien client",
            "status",
            STATUS_LOST,
            [(ACTION_CLIENT_STATUS, self.status_former)],
            filter_domain=f"[('lost_reason_id', '=', {self.lost_reason_price.id})]",
        )
        lead = self.make_lead(self.stage_quoted)
        self.env["crm.lead.lost"].create(
            {"lead_ids": lead.ids, "lost_reason_id": self.lost_reason_price.id}
        ).action_lost_reason_apply()
        self.assertEqual(self.runs_of(rule, lead).state, "done")
        self.assertEqual(self.client.client_status_id, self.status_former)

    def test_salesman_move_applies_rule(self):
        rule = self.make_rule(
            "Gagné → Client",
            "stage",
            self.stage_won,
            [(ACTION_CLIENT_STATUS, self.status_customer)],
        )
        lead = self.make_lead(self.stage_quoted)
        lead.with_user(self.user_salesman).web_save(
            {"stage_id": self.stage_won.id}, specification={}
        )
        run = self.runs_of(rule, lead)
        self.assertEqual(run.state, "done")
        self.assertEqual(run.user_id, self.user_salesman)
        self.assertEqual(self.client.client_status_id, self.status_customer)
