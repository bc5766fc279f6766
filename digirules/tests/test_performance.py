from odoo.tests import tagged

from ..const import ACTION_CLIENT_STATUS, ACTION_STAGE, ACTION_STATUS, STATUS_WON
from .common import DigirulesCase


@tagged("post_install", "-at_install", "digirules_perf")
class TestQueryBudget(DigirulesCase):
    """Rules applied to N opportunities cost the same number of queries."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.clients = cls.env["res.partner"].create(
            [{"name": f"Client {i}", "is_company": True} for i in range(60)]
        )

    def _make_leads(self, count):
        return self.env["crm.lead"].create(
            [
                {
                    "name": f"Opportunité {i}",
                    "type": "opportunity",
                    "team_id": self.team.id,
                    "stage_id": self.stage_quoted.id,
                    "partner_id": self.clients[i].id,
                }
                for i in range(count)
            ]
        )

    def _count_queries(self, leads, vals):
        self.env.flush_all()
        self.env.invalidate_all()
        before = self.env.cr.sql_log_count
        leads.write(vals)
        self.env.flush_all()
        return self.env.cr.sql_log_count - before

    def _assert_same_count(self, vals, small=5, large=50):
        # warm-up: the first write fills caches (views, xmlids, field data)
        self._count_queries(self._make_leads(2), vals)
        small_count = self._count_queries(self._make_leads(small), vals)
        large_count = self._count_queries(self._make_leads(large), vals)
        self.assertEqual(
            small_count,
            large_count,
            f"{small} leads: {small_count}, {large} leads: {large_count}",
        )
        return small_count

    def test_queries_without_matching_rule(self):
        for index in range(20):
            self.make_rule(
                f"Jamais {index}",
                "stage",
                self.stage_new,
                [(ACTION_CLIENT_STATUS, self.status_customer)],
            )
        self._assert_same_count({"stage_id": self.stage_agreement.id})

    def test_queries_with_cascade(self):
        self.make_rule(
            "Convention → Gagné",
            "stage",
            self.stage_agreement,
            [(ACTION_STATUS, STATUS_WON)],
        )
        self.make_rule(
            "Gagné → Client",
            "status",
            STATUS_WON,
            [(ACTION_CLIENT_STATUS, self.status_customer)],
        )
        self.make_rule(
            "Gagné → Finalisé",
            "stage",
            self.stage_won,
            [(ACTION_STAGE, self.stage_finalized)],
        )
        self._assert_same_count({"stage_id": self.stage_agreement.id})
