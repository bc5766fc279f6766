from lxml import etree

from odoo.tests import tagged
from odoo.tools.safe_eval import safe_eval

from ..const import STATUS_FINALIZED, STATUS_LOST, STATUS_UNDECIDED, STATUS_WON
from .common import DigirulesCase

SEARCH_VIEW = "crm.view_crm_case_opportunities_filter"


@tagged("post_install", "-at_install")
class TestLeadSearchView(DigirulesCase):
    """The status filters and group-bys of the opportunity search view, read from its arch."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        other_client = cls.env["res.partner"].create(
            {"name": "Boulangeries Delaunay", "is_company": True}
        )
        cls.client.client_status_id = cls.status_customer
        other_client.client_status_id = cls.status_prospect
        cls.undecided = cls.make_lead(cls.stage_quoted)
        cls.won = cls.make_lead(cls.stage_won, partner_id=other_client.id)
        cls.finalized = cls.make_lead(cls.stage_finalized, is_finalized=True)
        cls.lost = cls.make_lead(cls.stage_quoted)
        cls.lost.action_set_lost()
        cls.leads = cls.undecided | cls.won | cls.finalized | cls.lost
        search_view = cls.env["crm.lead"].get_view(
            cls.env.ref(SEARCH_VIEW).id, "search"
        )
        cls.search_arch = etree.fromstring(search_view["arch"])

    def search_filter(self, name):
        nodes = self.search_arch.xpath(f"//filter[@name='{name}']")
        self.assertEqual(len(nodes), 1, f"filter {name} not found in {SEARCH_VIEW}")
        return nodes[0]

    def filter_leads(self, name):
        domain = safe_eval(self.search_filter(name).get("domain"))
        return (
            self.env["crm.lead"]
            .with_context(active_test=False)
            .search(domain + [("id", "in", self.leads.ids)])
        )

    def group_counts(self, name):
        context = safe_eval(self.search_filter(name).get("context"))
        groupby = context["group_by"]
        result = (
            self.env["crm.lead"]
            .with_context(active_test=False)
            .web_read_group(
                [("id", "in", self.leads.ids)], [groupby], [groupby], lazy=False
            )
        )
        return {
            group[groupby][1]
            if isinstance(group[groupby], (tuple, list))
            else group[groupby]: group["__count"]
            for group in result["groups"]
        }

    def test_status_filters_select_their_status(self):
        self.assertEqual(self.filter_leads("status_undecided"), self.undecided)
        self.assertEqual(self.filter_leads("status_won"), self.won)
        self.assertEqual(self.filter_leads("status_finalized"), self.finalized)
        self.assertEqual(self.filter_leads("status_lost"), self.lost)

    def test_group_by_status(self):
        self.assertEqual(
            self.group_counts("group_by_opportunity_status"),
            {STATUS_UNDECIDED: 1, STATUS_WON: 1, STATUS_FINALIZED: 1, STATUS_LOST: 1},
        )

    def test_group_by_client_status(self):
        node = self.search_filter("group_by_client_status")
        self.assertFalse(node.get("invisible"))
        self.assertEqual(
            self.group_counts("group_by_client_status"), {"Client": 3, "Prospect": 1}
        )

    def test_search_by_client_status(self):
        self.assertTrue(self.search_arch.xpath("//field[@name='client_status_id']"))
        found = self.env["crm.lead"].search(
            [("client_status_id", "=", self.status_prospect.id)]
        )
        self.assertEqual(found, self.won)
