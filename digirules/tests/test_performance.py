from odoo.tests import tagged

from ..const import (
    ACTION_CLIENT_STATUS,
    ACTION_STAGE,
    ACTION_STATUS,
    STATUS_FINALIZED,
    STATUS_WON,
)
from .common import DigirulesAccountCase, DigirulesCase


@tagged("post_install", "-at_install", "digirules_perf", "is_query_count")
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
        # Chatter tracking (one message per opportunity, posted at commit) is
        # Odoo's own cost of any stage change, with or without rules: leave it out.
        leads = leads.with_context(tracking_disable=True)
        self.env.flush_all()
        self.env.cr.flush()
        self.env.invalidate_all()
        before = self.env.cr.sql_log_count
        leads.write(dict(vals))
        self.env.flush_all()
        self.env.cr.flush()
        return self.env.cr.sql_log_count - before

    def _assert_budget(self, vals, budget, small=5, large=50):
        """Check that writing ``vals`` costs ``budget`` queries for any number of leads."""
        # warm-up: the first write fills caches (views, xmlids, field data)
        self._count_queries(self._make_leads(2), vals)
        counts = {}
        for size in (small, large):
            leads = self._make_leads(size).with_context(tracking_disable=True)
            self.env.flush_all()
            self.env.cr.flush()
            self.env.invalidate_all()
            with self.assertQueryCount(budget):
                leads.write(dict(vals))
            counts[size] = self._count_queries(self._make_leads(size), vals)
        self.assertEqual(counts[small], counts[large], f"queries per size: {counts}")

    def test_queries_without_matching_rule(self):
        for index in range(20):
            self.make_rule(
                f"Jamais {index}",
                "stage",
                self.stage_new,
                [(ACTION_CLIENT_STATUS, self.status_customer)],
            )
        # 10 queries measured on Odoo 18.0 with crm, sale_crm, account, portal
        self._assert_budget({"stage_id": self.stage_agreement.id}, 10)

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
        # 74 queries measured on Odoo 18.0 with crm, sale_crm, account, portal
        self._assert_budget({"stage_id": self.stage_agreement.id}, 74)


@tagged("post_install", "-at_install", "digirules_perf", "is_query_count")
class TestPaymentQueryBudget(DigirulesAccountCase):
    """An "invoice paid" rule adds the same queries to a payment of 2 or 8 invoices."""

    def _pay_and_count(self, size, rule_active):
        self.rule.active = rule_active
        leads = self.env["crm.lead"].browse(
            [
                self.make_lead(self.stage_won, name=f"Formation {i}").id
                for i in range(size)
            ]
        )
        invoices = self.env["account.move"].union(
            *(
                self.make_invoice_from_order(lead, 100 + i)
                for i, lead in enumerate(leads)
            )
        )
        self.env.flush_all()
        self.env.cr.flush()
        self.env.invalidate_all()
        before = self.env.cr.sql_log_count
        self.pay(invoices, group_payment=True)
        self.env.flush_all()
        # with the precommit hooks: Odoo's tracking, digirules' deferred check
        self.env.cr.flush()
        count = self.env.cr.sql_log_count - before
        expected = STATUS_FINALIZED if rule_active else STATUS_WON
        self.assertEqual(set(leads.mapped("opportunity_status")), {expected})
        return count

    def test_queries_added_by_paid_rule(self):
        self.rule = self.make_rule(
            "Facture payée → Finalisé",
            "invoice_paid",
            None,
            [(ACTION_STATUS, STATUS_FINALIZED)],
        )
        # warm-up: the first payment fills caches (views, xmlids, field data)
        self._pay_and_count(2, True)
        self._pay_and_count(2, False)
        added = {
            size: self._pay_and_count(size, True) - self._pay_and_count(size, False)
            for size in (2, 8)
        }
        self.assertEqual(added[2], added[8], f"queries added per size: {added}")
