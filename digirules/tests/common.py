import contextlib

from odoo import Command
from odoo.tests import HttpCase, TransactionCase, new_test_user

from odoo.addons.account.tests.common import AccountTestInvoicingCommon

from ..const import ACTION_CLIENT_STATUS, ACTION_STAGE, ACTION_STATUS


class DigirulesMixin:
    """Pipeline of a training organisation, with no rule yet.

    Columns (sequence, won?): Nouveau 1, Négociation 5, Devis envoyé 10,
    Convention signée 20, Gagné 50 (won), Finalisé 60 (won). Odoo's own
    columns are archived so that "mark as won" lands in Gagné.
    """

    @classmethod
    def _setup_digirules(cls):
        cls.env = cls.env(context=dict(cls.env.context, no_reset_password=True))
        cls.company = cls.env.company
        cls.env["crm.stage"].search([]).active = False
        cls.team = cls.env["crm.team"].create(
            {"name": "Formations", "company_id": cls.company.id}
        )
        Stage = cls.env["crm.stage"]
        cls.stage_new = Stage.create({"name": "Nouveau", "sequence": 1})
        cls.stage_negotiation = Stage.create({"name": "Négociation", "sequence": 5})
        cls.stage_quoted = Stage.create({"name": "Devis envoyé", "sequence": 10})
        cls.stage_agreement = Stage.create(
            {"name": "Convention signée", "sequence": 20}
        )
        cls.stage_won = Stage.create({"name": "Gagné", "sequence": 50, "is_won": True})
        cls.stage_finalized = Stage.create(
            {"name": "Finalisé", "sequence": 60, "is_won": True}
        )

        cls.status_prospect = cls.env.ref("digirules.client_status_prospect")
        cls.status_customer = cls.env.ref("digirules.client_status_customer")
        cls.status_former = cls.env.ref("digirules.client_status_former")
        cls.lost_reason_price = cls.env["crm.lost.reason"].create({"name": "Trop cher"})
        cls.lost_reason_refused = cls.env["crm.lost.reason"].create(
            {"name": "Devis refusé"}
        )

        cls.user_manager = new_test_user(
            cls.env,
            login="dr_manager",
            name="Sophie Manager",
            groups="sales_team.group_sale_manager,base.group_partner_manager",
        )
        cls.user_salesman = new_test_user(
            cls.env,
            login="dr_salesman",
            name="Paul Vendeur",
            groups="sales_team.group_sale_salesman",
        )
        cls.client = cls.env["res.partner"].create(
            {"name": "Lumière Industrie SARL", "is_company": True}
        )
        cls.contact = cls.env["res.partner"].create(
            {"name": "Claire Martin", "parent_id": cls.client.id}
        )

    @classmethod
    def make_lead(cls, stage=None, **values):
        vals = {
            "name": values.pop("name", "Formation Excel avancé"),
            "type": "opportunity",
            "team_id": cls.team.id,
            "user_id": cls.user_salesman.id,
            "partner_id": cls.contact.id,
        }
        if stage:
            vals["stage_id"] = stage.id
        vals.update(values)
        return cls.env["crm.lead"].create(vals)

    @classmethod
    def make_rule(cls, name, trigger, value, actions, **values):
        """Create a rule; ``actions`` is a list of (action type, parameter, extra values)."""
        vals = {"name": name, "trigger": trigger, **values}
        if trigger == "stage":
            vals["trigger_stage_id"] = value.id
        elif trigger == "status":
            vals["trigger_status"] = value
        vals["action_ids"] = [
            Command.create(cls._action_vals(*action)) for action in actions
        ]
        return cls.env["digirules.rule"].create(vals)

    @staticmethod
    def _action_vals(action_type, parameter, extra=None):
        vals = {"action_type": action_type}
        if action_type == ACTION_STAGE:
            vals["stage_id"] = parameter.id
        elif action_type == ACTION_STATUS:
            vals["status"] = parameter
        elif action_type == ACTION_CLIENT_STATUS:
            vals["client_status_id"] = parameter.id
        vals.update(extra or {})
        return vals

    @contextlib.contextmanager
    def assertRaisesMessage(self, exception, pattern):
        """Like ``assertRaisesRegex``, with Odoo's savepoint around the failing call."""
        with self.assertRaises(exception) as caught:
            yield caught
        self.assertRegex(str(caught.exception), pattern)

    def runs_of(self, rule, lead=None):
        domain = [("rule_id", "=", rule.id)]
        if lead:
            domain.append(("lead_id", "=", lead.id))
        return self.env["digirules.run"].search(domain)


class DigirulesCase(DigirulesMixin, TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._setup_digirules()


class DigirulesAccountCase(DigirulesMixin, AccountTestInvoicingCommon):
    """The pipeline, in a company with a chart of accounts, and training products."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._setup_digirules()
        cls.client.email = "compta@lumiere-industrie.example"
        cls.contact.email = "claire.martin@lumiere-industrie.example"
        cls.training = cls.env["product.product"].create(
            {
                "name": "Formation Excel avancé",
                "type": "service",
                "invoice_policy": "order",
                "list_price": 1200.0,
                "taxes_id": [Command.clear()],
            }
        )

    @classmethod
    def make_order(cls, lead, amount, partner=None, **values):
        return cls.env["sale.order"].create(
            {
                "partner_id": (partner or cls.client).id,
                "opportunity_id": lead.id if lead else False,
                "order_line": [
                    Command.create(
                        {
                            "product_id": cls.training.id,
                            "product_uom_qty": 1,
                            "price_unit": amount,
                            "tax_id": [Command.clear()],
                        }
                    )
                ],
                **values,
            }
        )

    @classmethod
    def make_invoice_from_order(cls, lead, amount):
        order = cls.make_order(lead, amount)
        order.action_confirm()
        invoice = order._create_invoices()
        invoice.action_post()
        return invoice

    def pay(self, invoices, amount=None, **values):
        """Register a payment with Odoo's wizard, as the Register Payment button does."""
        if amount is not None:
            values["amount"] = amount
        return (
            self.env["account.payment.register"]
            .with_context(active_model="account.move", active_ids=invoices.ids)
            .create(values)
            ._create_payments()
        )


class DigirulesHttpCase(DigirulesMixin, HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._setup_digirules()
