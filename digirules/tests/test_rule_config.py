from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import Form, tagged

from ..const import ACTION_CLIENT_STATUS, ACTION_STAGE, ACTION_STATUS, STATUS_WON
from .common import DigirulesCase


@tagged("post_install", "-at_install")
class TestRuleConfig(DigirulesCase):
    def test_loop_reported_with_rules(self):
        self.make_rule(
            "A: Gagné → statut Gagné",
            "stage",
            self.stage_won,
            [(ACTION_STATUS, STATUS_WON)],
        )
        self.make_rule(
            "B: Gagné → Finalisé",
            "status",
            STATUS_WON,
            [(ACTION_STAGE, self.stage_finalized)],
        )
        with self.assertRaises(ValidationError) as caught:
            self.make_rule(
                "C: Finalisé → Gagné",
                "stage",
                self.stage_finalized,
                [(ACTION_STAGE, self.stage_won)],
            )
        message = str(caught.exception)
        for name in (
            "A: Gagné → statut Gagné",
            "B: Gagné → Finalisé",
            "C: Finalisé → Gagné",
        ):
            self.assertIn(name, message)

    def test_loop_closed_by_edit_reported(self):
        self.make_rule("A", "stage", self.stage_won, [(ACTION_STATUS, STATUS_WON)])
        rule_b = self.make_rule(
            "B", "status", STATUS_WON, [(ACTION_STAGE, self.stage_finalized)]
        )
        with self.assertRaisesMessage(
            ValidationError, "“A” → “B” → “A”|“B” → “A” → “B”"
        ):
            rule_b.action_ids.stage_id = self.stage_won

    def test_archived_rule_closes_no_loop(self):
        rule_a = self.make_rule(
            "A", "stage", self.stage_won, [(ACTION_STATUS, STATUS_WON)]
        )
        rule_a.active = False
        self.make_rule("B", "status", STATUS_WON, [(ACTION_STAGE, self.stage_won)])
        with self.assertRaisesMessage(ValidationError, "loop"):
            rule_a.active = True

    def test_missing_trigger_parameter_named(self):
        with self.assertRaisesMessage(ValidationError, "Trigger Column"):
            self.env["digirules.rule"].create(
                {
                    "name": "Sans colonne",
                    "trigger": "stage",
                    "action_ids": [
                        (
                            0,
                            0,
                            {
                                "action_type": ACTION_STAGE,
                                "stage_id": self.stage_won.id,
                            },
                        )
                    ],
                }
            )
        with self.assertRaisesMessage(ValidationError, "Trigger Status"):
            self.env["digirules.rule"].create(
                {
                    "name": "Sans statut",
                    "trigger": "status",
                    "action_ids": [
                        (
                            0,
                            0,
                            {
                                "action_type": ACTION_STAGE,
                                "stage_id": self.stage_won.id,
                            },
                        )
                    ],
                }
            )

    def test_rule_without_action_refused(self):
        with self.assertRaisesMessage(ValidationError, "no action"):
            self.env["digirules.rule"].create(
                {
                    "name": "Vide",
                    "trigger": "stage",
                    "trigger_stage_id": self.stage_won.id,
                }
            )

    def test_action_missing_parameter_named(self):
        with self.assertRaisesMessage(ValidationError, "Client Status"):
            self.make_rule(
                "Statut client vide",
                "stage",
                self.stage_won,
                [(ACTION_CLIENT_STATUS, self.status_customer.browse())],
            )

    def test_invalid_condition_refused(self):
        with self.assertRaisesMessage(ValidationError, "not a valid filter"):
            self.make_rule(
                "Condition cassée",
                "stage",
                self.stage_won,
                [(ACTION_CLIENT_STATUS, self.status_customer)],
                filter_domain="[('no_such_field', '=', 1)]",
            )

    def test_form_shows_only_needed_fields(self):
        form = Form(
            self.env["digirules.rule"], view="digirules.digirules_rule_view_form"
        )
        form.name = "Gagné → Client"
        form.trigger = "stage"
        self.assertFalse(form._get_modifier("trigger_stage_id", "invisible"))
        self.assertTrue(form._get_modifier("trigger_status", "invisible"))
        form.trigger_stage_id = self.stage_won
        with form.action_ids.new() as action:
            action.action_type = ACTION_CLIENT_STATUS
            action.client_status_id = self.status_customer
        rule = form.save()
        self.assertEqual(rule.action_ids.client_status_id, self.status_customer)

    def test_salesman_reads_only(self):
        rule = self.make_rule(
            "Gagné → Client",
            "stage",
            self.stage_won,
            [(ACTION_CLIENT_STATUS, self.status_customer)],
        )
        self.assertEqual(rule.with_user(self.user_salesman).name, "Gagné → Client")
        with self.assertRaises(AccessError):
            rule.with_user(self.user_salesman).write({"name": "Piraté"})
        with self.assertRaises(AccessError):
            self.env["digirules.rule"].with_user(self.user_salesman).create(
                {
                    "name": "Nouvelle",
                    "trigger": "stage",
                    "trigger_stage_id": self.stage_won.id,
                    "action_ids": [
                        (
                            0,
                            0,
                            {
                                "action_type": ACTION_STAGE,
                                "stage_id": self.stage_won.id,
                            },
                        )
                    ],
                }
            )

    def test_manager_manages_rules(self):
        Rule = self.env["digirules.rule"].with_user(self.user_manager)
        rule = Rule.create(
            {
                "name": "Par le manager",
                "trigger": "stage",
                "trigger_stage_id": self.stage_agreement.id,
                "action_ids": [
                    (0, 0, {"action_type": ACTION_STATUS, "status": STATUS_WON})
                ],
            }
        )
        rule.write({"sequence": 3})
        rule.unlink()
        self.assertFalse(rule.exists())

    def test_stage_used_by_rule_cannot_be_deleted(self):
        self.make_rule(
            "Vers Finalisé",
            "status",
            STATUS_WON,
            [(ACTION_STAGE, self.stage_finalized)],
        )
        with self.assertRaisesMessage(UserError, "Vers Finalisé"):
            self.stage_finalized.unlink()

    def test_client_status_used_by_rule_cannot_be_deleted(self):
        self.make_rule(
            "Gagné → Client",
            "stage",
            self.stage_won,
            [(ACTION_CLIENT_STATUS, self.status_customer)],
        )
        with self.assertRaisesMessage(UserError, "Gagné → Client"):
            self.status_customer.unlink()

    def test_archived_client_status_flags_rule(self):
        rule = self.make_rule(
            "Gagné → Client",
            "stage",
            self.stage_won,
            [(ACTION_CLIENT_STATUS, self.status_customer)],
        )
        self.status_customer.active = False
        self.assertTrue(rule.is_flagged)
        self.assertIn(self.status_customer.name, rule.warning_message)

    def test_rule_changes_tracked(self):
        rule = self.make_rule(
            "Gagné → Client",
            "stage",
            self.stage_won,
            [(ACTION_CLIENT_STATUS, self.status_customer)],
        )
        # changes made in the transaction that created a record are not tracked
        self.env.flush_all()
        self.env.cr.flush()
        rule.write({"trigger_stage_id": self.stage_finalized.id})
        rule.write(
            {
                "action_ids": [
                    (1, rule.action_ids.id, {"client_status_id": self.status_former.id})
                ]
            }
        )
        self.env.flush_all()
        self.env.cr.flush()
        rule.invalidate_recordset(["message_ids"])
        tracked = rule.message_ids.tracking_value_ids.field_id.mapped("name")
        self.assertIn("trigger_stage_id", tracked)
        notes = rule.message_ids.filtered(lambda m: "Actions changed" in (m.body or ""))
        self.assertEqual(len(notes), 1)
        self.assertIn(self.status_former.name, notes.body)
