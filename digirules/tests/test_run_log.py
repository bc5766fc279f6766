from odoo.tests import tagged

from odoo.addons.mail.tools.discuss import Store

from ..const import (
    ACTION_CLIENT_STATUS,
    ACTION_STAGE,
    ACTION_STATUS,
    STATUS_FINALIZED,
    STATUS_WON,
)
from .common import DigirulesCase


@tagged("post_install", "-at_install")
class TestRunLog(DigirulesCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env["res.lang"]._activate_lang("fr_FR")
        cls.env["ir.module.module"]._load_module_terms(
            ["digirules"], ["fr_FR"], overwrite=True
        )
        cls.stage_won.with_context(lang="fr_FR").name = "Gagné"
        cls.stage_won.with_context(lang="en_US").name = "Won"
        cls.stage_finalized.with_context(lang="en_US").name = "Finalized"
        cls.user_english = cls.user_salesman
        cls.user_english.lang = "en_US"
        cls.user_french = cls.user_manager
        cls.user_french.lang = "fr_FR"

    def _chatter_body(self, message, user):
        store = Store()
        message.with_user(user).with_context(lang=user.lang)._to_store(store)
        return store.get_result()["mail.message"][0]["body"]

    def test_log_entry_records_application(self):
        rule = self.make_rule(
            "Gagné → Finalisé + Client",
            "status",
            STATUS_WON,
            [
                (ACTION_STAGE, self.stage_finalized),
                (ACTION_CLIENT_STATUS, self.status_customer),
            ],
        )
        lead = self.make_lead(self.stage_quoted)
        lead.with_user(self.user_salesman).action_set_won()
        run = self.runs_of(rule, lead)
        self.assertEqual(run.state, "done")
        self.assertEqual(run.trigger, "status")
        self.assertEqual(run.trigger_status, STATUS_WON)
        self.assertEqual(run.user_id, self.user_salesman)
        self.assertEqual(run.depth, 0)
        self.assertEqual(run.line_ids.mapped("state"), ["done", "done"])
        self.assertEqual(run.line_ids[0].old_stage_id, self.stage_won)
        self.assertEqual(run.line_ids[0].new_stage_id, self.stage_finalized)
        self.assertFalse(run.line_ids[1].old_client_status_id)
        self.assertEqual(run.line_ids[1].new_client_status_id, self.status_customer)
        self.assertEqual(lead.digirules_run_count, 1)
        self.assertEqual(rule.run_count, 1)
        self.assertEqual(
            lead.action_view_digirules_runs()["domain"], [("lead_id", "=", lead.id)]
        )
        self.assertEqual(rule.action_view_runs()["domain"], [("rule_id", "=", rule.id)])

    def test_chatter_note_names_rule_and_cause(self):
        rule = self.make_rule(
            "Devis signé → Gagné",
            "stage",
            self.stage_agreement,
            [(ACTION_STAGE, self.stage_won)],
        )
        lead = self.make_lead(self.stage_quoted, user_id=self.user_english.id)
        lead.write({"stage_id": self.stage_agreement.id})
        run = self.runs_of(rule, lead)
        self.assertEqual(run.message_id.res_id, lead.id)
        self.assertEqual(
            run.with_context(lang="en_US").summary,
            "Moved to Won by rule “Devis signé → Gagné” (entered Convention signée)",
        )

    def test_texts_in_reader_language(self):
        rule = self.make_rule(
            "Devis signé → Gagné",
            "stage",
            self.stage_agreement,
            [(ACTION_STAGE, self.stage_won)],
        )
        lead_en = self.make_lead(
            self.stage_quoted, name="EN", user_id=self.user_english.id
        )
        lead_fr = self.make_lead(
            self.stage_quoted, name="FR", user_id=self.user_french.id
        )
        lead_en.with_user(self.user_english).with_context(lang="en_US").write(
            {"stage_id": self.stage_agreement.id}
        )
        lead_fr.with_user(self.user_french).with_context(lang="fr_FR").write(
            {"stage_id": self.stage_agreement.id}
        )
        run_en, run_fr = self.runs_of(rule, lead_en), self.runs_of(rule, lead_fr)
        self.assertEqual(lead_en.stage_id, lead_fr.stage_id)
        self.assertEqual(run_en.state, run_fr.state)
        for run in (run_en, run_fr):
            self.assertEqual(
                run.with_context(lang="fr_FR").summary,
                "Déplacée vers Gagné par la règle « Devis signé → Gagné » (entrée dans Convention signée)",
            )
            self.assertEqual(
                run.with_context(lang="en_US").summary,
                "Moved to Won by rule “Devis signé → Gagné” (entered Convention signée)",
            )
            self.assertIn(
                "Déplacée vers Gagné",
                self._chatter_body(run.message_id, self.user_french),
            )
            self.assertIn(
                "Moved to Won", self._chatter_body(run.message_id, self.user_english)
            )

    def test_empty_old_value_reads_none(self):
        rule = self.make_rule(
            "Gagné → Client",
            "status",
            STATUS_WON,
            [(ACTION_CLIENT_STATUS, self.status_customer)],
        )
        self.assertFalse(self.client.client_status_id)
        lead = self.make_lead(self.stage_quoted)
        lead.action_set_won()

        line = self.runs_of(rule, lead).line_ids
        self.assertEqual(line.state, "done")
        self.assertEqual(line.with_context(lang="en_US").old_value, "None")
        self.assertEqual(line.with_context(lang="fr_FR").old_value, "Aucun")
        self.assertEqual(
            line.with_context(lang="fr_FR").new_value,
            self.status_customer.with_context(lang="fr_FR").name,
        )

    def test_unchanged_run_explained(self):
        rule = self.make_rule(
            "Convention → Gagné",
            "stage",
            self.stage_agreement,
            [(ACTION_STATUS, STATUS_WON)],
        )
        self.stage_agreement.is_won = True
        lead = self.make_lead(self.stage_quoted)
        lead.write({"stage_id": self.stage_agreement.id})
        run = self.runs_of(rule, lead)
        self.assertEqual(run.state, "unchanged")
        self.assertFalse(run.message_id)
        self.assertIn("already Won", run.with_context(lang="en_US").summary)

    def test_cascade_one_note_per_opportunity(self):
        rule_won = self.make_rule(
            "Convention → Gagné",
            "stage",
            self.stage_agreement,
            [(ACTION_STATUS, STATUS_WON)],
        )
        rule_client = self.make_rule(
            "Gagné → Client",
            "status",
            STATUS_WON,
            [(ACTION_CLIENT_STATUS, self.status_customer)],
        )
        lead = self.make_lead(self.stage_quoted, user_id=self.user_english.id)
        lead.write({"stage_id": self.stage_agreement.id})

        run_won, run_client = (
            self.runs_of(rule_won, lead),
            self.runs_of(rule_client, lead),
        )
        self.assertEqual(run_won.state, "done")
        self.assertEqual(run_client.state, "done")
        self.assertTrue(run_won.message_id)
        self.assertEqual(run_won.message_id, run_client.message_id)
        notes = lead.message_ids.filtered(
            lambda m: "Convention → Gagné" in (m.body or "")
        )
        self.assertEqual(notes, run_won.message_id)

        body = self._chatter_body(run_won.message_id, self.user_french)
        self.assertIn("Statut passé à Gagné par la règle « Convention → Gagné »", body)
        self.assertIn("par la règle « Gagné → Client »", body)
        self.assertLess(body.index("Convention → Gagné"), body.index("Gagné → Client"))

    def _tracked_fields(self, lead):
        self.env.flush_all()
        self.env.cr.flush()
        lead.invalidate_recordset(["message_ids"])
        return lead.message_ids.tracking_value_ids.field_id.mapped("name")

    def test_rule_status_note_without_tracking(self):
        self.make_rule(
            "Convention → Gagné",
            "stage",
            self.stage_agreement,
            [(ACTION_STATUS, STATUS_WON)],
        )
        lead = self.make_lead(self.stage_quoted)
        self._tracked_fields(lead)
        lead.write({"stage_id": self.stage_agreement.id})
        self.assertEqual(lead.opportunity_status, STATUS_WON)
        tracked = self._tracked_fields(lead)
        self.assertIn("stage_id", tracked)
        self.assertNotIn("opportunity_status", tracked)
        self.assertEqual(
            len(
                lead.message_ids.filtered(
                    lambda m: "Convention → Gagné" in (m.body or "")
                )
            ),
            1,
        )

    def test_user_status_before_rule_tracked(self):
        self.make_rule(
            "Gagné → Finalisé",
            "status",
            STATUS_WON,
            [(ACTION_STATUS, STATUS_FINALIZED)],
        )
        lead = self.make_lead(self.stage_quoted)
        self._tracked_fields(lead)
        lead.action_set_won()
        self.assertEqual(lead.opportunity_status, STATUS_FINALIZED)
        self.assertIn("opportunity_status", self._tracked_fields(lead))
        value = lead.message_ids.tracking_value_ids.filtered(
            lambda v: v.field_id.name == "opportunity_status"
        )
        self.assertEqual(value.old_value_char, "Undecided")
        self.assertEqual(value.new_value_char, "Finalized")
