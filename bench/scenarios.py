"""Data set and compared variants of the digirules benchmark.

The data set is built once and committed: a pipeline of six columns, a sales
team and ``pipeline_size`` opportunities with one client company each. The
"invoice paid" series adds ``invoice_count`` posted invoices of one client,
each linked to an opportunity of its own in a won column. Each variant works
on the first N opportunities or invoices, by id.
"""

from dataclasses import dataclass

from measure import Variant

from odoo import Command

# (name, sequence, is won). Odoo's own columns are archived, so "mark as won"
# lands in the first won column after the current one: Gagné.
STAGES = [
    ("Nouveau", 1, False),
    ("Négociation", 5, False),
    ("Devis envoyé", 10, False),
    ("Convention signée", 20, False),
    ("Gagné", 50, True),
    ("Finalisé", 60, True),
]
START_STAGE = "Devis envoyé"
TARGET_STAGE = "Convention signée"
WON_STAGE = "Gagné"
NON_MATCHING_RULE_COUNT = 20
BATCH_SIZE = 1000


@dataclass
class DataSet:
    """Ids of the committed records the variants work on."""

    stage_ids: dict
    team_id: int
    lead_ids: list
    invoice_ids: list
    invoice_lead_ids: list
    customer_status_id: int


# ---------------------------------------------------------------------------
# Data set
# ---------------------------------------------------------------------------


def build_data_set(env, pipeline_size, invoice_count, log):
    """Create and commit the records of the benchmark; return their ids."""
    env["crm.stage"].search([]).active = False
    stages = {
        name: env["crm.stage"].create(
            {"name": name, "sequence": sequence, "is_won": is_won}
        )
        for name, sequence, is_won in STAGES
    }
    team = env["crm.team"].create({"name": "Formations"})
    salesperson = env["res.users"].create(
        {
            "name": "Paul Vendeur",
            "login": "bench_salesperson",
            "groups_id": [Command.set([env.ref("sales_team.group_sale_salesman").id])],
        }
    )

    lead_ids = []
    for start in range(0, pipeline_size, BATCH_SIZE):
        stop = min(start + BATCH_SIZE, pipeline_size)
        clients = env["res.partner"].create(
            [
                {"name": f"Client {index}", "is_company": True}
                for index in range(start, stop)
            ]
        )
        leads = _create_leads(
            env, clients, stages[START_STAGE], team, salesperson, first=start
        )
        lead_ids += leads.ids
        env.cr.commit()
        log(f"  {stop} opportunities and their clients created")

    invoice_ids, invoice_lead_ids = _create_invoices(
        env, invoice_count, stages[WON_STAGE], team, salesperson, log
    )
    env.cr.commit()
    return DataSet(
        stage_ids={name: stage.id for name, stage in stages.items()},
        team_id=team.id,
        lead_ids=lead_ids,
        invoice_ids=invoice_ids,
        invoice_lead_ids=invoice_lead_ids,
        customer_status_id=env.ref("digirules.client_status_customer").id,
    )


def _create_leads(env, clients, stage, team, salesperson, first):
    # no creation note and no tracking of the initial values, to build the data
    # set faster; the salesperson still follows each opportunity
    env = env(context=dict(env.context, mail_create_nolog=True, mail_notrack=True))
    return env["crm.lead"].create(
        [
            {
                "name": f"Formation Excel avancé {first + index}",
                "type": "opportunity",
                "team_id": team.id,
                "user_id": salesperson.id,
                "stage_id": stage.id,
                "partner_id": client.id,
            }
            for index, client in enumerate(clients)
        ]
    )


def _create_invoices(env, count, won_stage, team, salesperson, log):
    """Create ``count`` posted invoices of one client, one opportunity each."""
    company = env.company
    if not company.chart_template:
        # installing without demo data leaves the company without accounts
        env["account.chart.template"].try_loading("generic_coa", company)
        log("  generic chart of accounts loaded")
    client = env["res.partner"].create({"name": "Client facturé", "is_company": True})
    product = env["product.product"].create(
        {
            "name": "Formation Excel avancé",
            "type": "service",
            "list_price": 1200.0,
            "taxes_id": [Command.clear()],
        }
    )
    leads = _create_leads(env, [client] * count, won_stage, team, salesperson, first=0)
    invoice_ids = []
    for start in range(0, count, BATCH_SIZE):
        batch = leads[start : start + BATCH_SIZE]
        invoices = env["account.move"].create(
            [
                {
                    "move_type": "out_invoice",
                    "partner_id": client.id,
                    "opportunity_ids": [Command.set(lead.ids)],
                    "invoice_line_ids": [
                        Command.create(
                            {
                                "product_id": product.id,
                                "quantity": 1,
                                "price_unit": 1200.0,
                                "tax_ids": [Command.clear()],
                            }
                        )
                    ],
                }
                for lead in batch
            ]
        )
        invoices.action_post()
        invoice_ids += invoices.ids
        env.cr.commit()
        log(f"  {len(invoice_ids)} posted invoices created")
    return invoice_ids, leads.ids


# ---------------------------------------------------------------------------
# Rule sets
# ---------------------------------------------------------------------------


def _create_digirules_rule(env, name, trigger, value, actions):
    """Create a digirules rule; ``actions`` is a list of action values."""
    vals = {"name": name, "trigger": trigger}
    if trigger == "stage":
        vals["trigger_stage_id"] = value
    elif trigger == "status":
        vals["trigger_status"] = value
    vals["action_ids"] = [Command.create(action) for action in actions]
    return env["digirules.rule"].create(vals)


def create_non_matching_rules(env, data):
    """Create 20 "enters a column" rules on the columns a move to the target misses.

    Each rule sets the client status, so none feeds another one, and the
    engine reads them all for the stage event of the benchmarked write.
    """
    other_stage_ids = [
        stage_id for name, stage_id in data.stage_ids.items() if name != TARGET_STAGE
    ]
    for index in range(NON_MATCHING_RULE_COUNT):
        _create_digirules_rule(
            env,
            f"Jamais {index}",
            "stage",
            other_stage_ids[index % len(other_stage_ids)],
            [
                {
                    "action_type": "client_status",
                    "client_status_id": data.customer_status_id,
                }
            ],
        )


def create_cascade_rules(env, data):
    """Create "enters Convention signée → status Won" and "status Won → client status Client"."""
    _create_digirules_rule(
        env,
        "Convention signée → Gagné",
        "stage",
        data.stage_ids[TARGET_STAGE],
        [{"action_type": "status", "status": "won"}],
    )
    _create_digirules_rule(
        env,
        "Gagné → Client",
        "status",
        "won",
        [{"action_type": "client_status", "client_status_id": data.customer_status_id}],
    )


def create_cascade_automations(env, data):
    """Configure the cascade with Odoo's Automation Rules (base_automation).

    Two "Stage is set to" automations with "Update the record" server
    actions: Convention signée moves the opportunity to Gagné, and Gagné sets
    the client status of the customer's company. base_automation runs server
    actions record by record.
    """
    lead_model = env["ir.model"]._get("crm.lead")
    steps = [
        (TARGET_STAGE, "stage_id", data.stage_ids[WON_STAGE]),
        (
            WON_STAGE,
            "partner_id.commercial_partner_id.client_status_id",
            data.customer_status_id,
        ),
    ]
    for stage_name, update_path, value in steps:
        env["base.automation"].create(
            {
                "name": f"{stage_name} (base_automation)",
                "model_id": lead_model.id,
                "trigger": "on_stage_set",
                "trg_field_ref": data.stage_ids[stage_name],
                "action_server_ids": [
                    Command.create(
                        {
                            "name": f"{stage_name}: {update_path}",
                            "model_id": lead_model.id,
                            "usage": "base_automation",
                            "state": "object_write",
                            "update_path": update_path,
                            "evaluation_type": "value",
                            "value": str(value),
                        }
                    )
                ],
            }
        )


def reload_automation_patches(env):
    """Make base_automation's model patches match the automations in the database.

    Creating an automation patches ``crm.lead.write`` in memory; rolling back
    the transaction removes the automation but not the patch.
    """
    automation = env["base.automation"]
    automation._unregister_hook()
    automation._register_hook()


def create_invoice_paid_rule(env, data):
    _create_digirules_rule(
        env,
        "Facture payée → Finalisé",
        "invoice_paid",
        None,
        [{"action_type": "status", "status": "finalized"}],
    )


# ---------------------------------------------------------------------------
# Variants
# ---------------------------------------------------------------------------


def _leads(env, data, size):
    return env["crm.lead"].browse(data.lead_ids[:size])


def _assert_all(records, field_name, expected, what):
    values = set(records.mapped(field_name))
    assert values == {expected}, (
        f"{what}: expected {expected!r}, found {sorted(map(str, values))}"
    )


def _run_count(env):
    return env["digirules.run"].search_count([])


def _stage_write_variant(key, label, create_rules, data):
    """Move N opportunities to Convention signée in one write."""

    def prepare(env, size):
        if create_rules:
            create_rules(env, data)
        return {"size": size, "runs": _run_count(env)}

    def run(env, state):
        _leads(env, data, state["size"]).write(
            {"stage_id": data.stage_ids[TARGET_STAGE]}
        )

    def verify(env, state):
        leads = _leads(env, data, state["size"])
        _assert_all(leads, "stage_id.name", TARGET_STAGE, f"{label}: column")
        assert _run_count(env) == state["runs"], f"{label}: a rule was applied"

    return Variant(key, label, prepare, run, verify)


def non_matching_variants(data):
    """Series 1: the move with no active rule, and with 20 rules that do not match."""
    return [
        _stage_write_variant("no_rule", "No active rule", None, data),
        _stage_write_variant(
            "non_matching",
            f"{NON_MATCHING_RULE_COUNT} rules, none matches",
            create_non_matching_rules,
            data,
        ),
    ]


def _verify_cascade_end_state(env, data, size, label):
    leads = _leads(env, data, size)
    _assert_all(leads, "stage_id.name", WON_STAGE, f"{label}: column")
    _assert_all(
        leads.partner_id.commercial_partner_id,
        "client_status_id.id",
        data.customer_status_id,
        f"{label}: client status",
    )


def cascade_variants(data, automation_repeats=None):
    """Series 2 and 3: the same end state by hand, by digirules and by base_automation."""

    def prepare_nothing(env, size):
        return {"size": size}

    def run_by_hand(env, state):
        leads = _leads(env, data, state["size"])
        leads.write({"stage_id": data.stage_ids[WON_STAGE]})
        leads.partner_id.commercial_partner_id.write(
            {"client_status_id": data.customer_status_id}
        )

    def verify_by_hand(env, state):
        _verify_cascade_end_state(env, data, state["size"], "By hand")

    def prepare_digirules(env, size):
        create_cascade_rules(env, data)
        return {"size": size, "runs": _run_count(env)}

    def run_stage_write(env, state):
        _leads(env, data, state["size"]).write(
            {"stage_id": data.stage_ids[TARGET_STAGE]}
        )

    def verify_digirules(env, state):
        _verify_cascade_end_state(env, data, state["size"], "digirules")
        applied = _run_count(env) - state["runs"]
        assert applied == 2 * state["size"], (
            f"digirules: expected {2 * state['size']} rule applications, found {applied}"
        )

    def prepare_automation(env, size):
        create_cascade_automations(env, data)
        return {"size": size}

    def verify_automation(env, state):
        _verify_cascade_end_state(env, data, state["size"], "base_automation")

    variants = [
        Variant(
            "by_hand",
            "By hand: 2 writes, no rule",
            prepare_nothing,
            run_by_hand,
            verify_by_hand,
        ),
        Variant(
            "digirules",
            "digirules cascade",
            prepare_digirules,
            run_stage_write,
            verify_digirules,
        ),
    ]
    variants.append(
        Variant(
            "base_automation",
            "base_automation cascade",
            prepare_automation,
            run_stage_write,
            verify_automation,
            cleanup=reload_automation_patches,
            max_repeats=automation_repeats,
        )
    )
    return variants


def invoice_paid_variants(data):
    """Series 4: one grouped payment of N invoices, without and with an "invoice paid" rule."""

    def prepare(create_rule):
        def prepare_variant(env, size):
            if create_rule:
                create_invoice_paid_rule(env, data)
            return {"size": size}

        return prepare_variant

    def run(env, state):
        invoice_ids = data.invoice_ids[: state["size"]]
        env["account.payment.register"].with_context(
            active_model="account.move", active_ids=invoice_ids
        ).create({"group_payment": True})._create_payments()

    def verify(expected_status, label):
        def verify_variant(env, state):
            size = state["size"]
            invoices = env["account.move"].browse(data.invoice_ids[:size])
            _assert_all(invoices, "payment_state", "paid", f"{label}: invoices")
            payments = invoices.matched_payment_ids
            assert len(payments) == 1, (
                f"{label}: expected 1 payment, found {len(payments)}"
            )
            leads = env["crm.lead"].browse(data.invoice_lead_ids[:size])
            _assert_all(
                leads, "opportunity_status", expected_status, f"{label}: status"
            )

        return verify_variant

    return [
        Variant(
            "no_rule",
            "No rule",
            prepare(False),
            run,
            verify("won", "No rule"),
        ),
        Variant(
            "invoice_paid",
            "Rule invoice paid → Finalized",
            prepare(True),
            run,
            verify("finalized", "Invoice paid rule"),
        ),
    ]
