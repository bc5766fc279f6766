from odoo.tests import Form, tagged

from ..const import STATUS_FINALIZED, STATUS_LOST, STATUS_UNDECIDED, STATUS_WON
from .common import DigirulesCase


@tagged("post_install", "-at_install")
class TestOpportunityStatus(DigirulesCase):
    def test_new_opportunity_is_undecided(self):
        lead = self.make_lead(self.stage_new)
        self.assertEqual(lead.opportunity_status, STATUS_UNDECIDED)

    def test_mark_as_won_sets_won(self):
        lead = self.make_lead(self.stage_quoted)
        lead.action_set_won_rainbowman()
        self.assertEqual(lead.stage_id, self.stage_won)
        self.assertEqual(lead.opportunity_status, STATUS_WON)

    def test_entering_won_column_sets_won(self):
        lead = self.make_lead(self.stage_quoted)
        lead.web_save({"stage_id": self.stage_won.id}, specification={})
        self.assertEqual(lead.opportunity_status, STATUS_WON)

    def test_lost_wizard_sets_lost(self):
        lead = self.make_lead(self.stage_quoted)
        wizard = self.env["crm.lead.lost"].create(
            {"lead_ids": lead.ids, "lost_reason_id": self.lost_reason_price.id}
        )
        wizard.action_lost_reason_apply()
        self.assertEqual(lead.opportunity_status, STATUS_LOST)
        self.assertEqual(lead.lost_reason_id, self.lost_reason_price)

    def test_archive_sets_lost(self):
        lead = self.make_lead(self.stage_quoted)
        lead.action_archive()
        self.assertEqual(lead.opportunity_status, STATUS_LOST)

    def test_restore_lost_sets_undecided(self):
        lead = self.make_lead(self.stage_quoted)
        lead.action_set_lost(lost_reason_id=self.lost_reason_price.id)
        lead.toggle_active()
        self.assertEqual(lead.opportunity_status, STATUS_UNDECIDED)

    def test_probability_100_stays_undecided(self):
        lead = self.make_lead(self.stage_quoted)
        with Form(lead) as form:
            form.probability = 100
        self.assertEqual(lead.probability, 100)
        self.assertEqual(lead.opportunity_status, STATUS_UNDECIDED)

    def test_column_is_won_toggle_follows(self):
        lead = self.make_lead(self.stage_agreement)
        self.stage_agreement.is_won = True
        self.assertEqual(lead.opportunity_status, STATUS_WON)
        self.stage_agreement.is_won = False
        self.assertEqual(lead.opportunity_status, STATUS_UNDECIDED)

    def test_finalize_keeps_won(self):
        lead = self.make_lead(self.stage_quoted)
        lead.action_set_finalized()
        self.assertEqual(lead.opportunity_status, STATUS_FINALIZED)
        self.assertTrue(lead.stage_id.is_won)
        self.assertTrue(lead.active)
        self.assertEqual(lead.probability, 100)

    def test_leaving_won_columns_clears_finalized(self):
        lead = self.make_lead(self.stage_won)
        lead.action_set_finalized()
        lead.write({"stage_id": self.stage_negotiation.id})
        self.assertFalse(lead.is_finalized)
        self.assertEqual(lead.opportunity_status, STATUS_UNDECIDED)
        lead.action_set_won()
        self.assertEqual(lead.opportunity_status, STATUS_WON)

    def test_status_search_and_group_by(self):
        won = self.make_lead(self.stage_won, name="Gagnée")
        lost = self.make_lead(self.stage_quoted, name="Perdue")
        lost.action_archive()
        Lead = self.env["crm.lead"].with_context(active_test=False)
        self.assertEqual(
            Lead.search(
                [
                    ("opportunity_status", "=", STATUS_WON),
                    ("id", "in", (won | lost).ids),
                ]
            ),
            won,
        )
        groups = dict(
            Lead._read_group(
                [("id", "in", (won | lost).ids)],
                groupby=["opportunity_status"],
                aggregates=["__count"],
            )
        )
        self.assertEqual(groups, {STATUS_WON: 1, STATUS_LOST: 1})
