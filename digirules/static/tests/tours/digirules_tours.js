/** @odoo-module **/

import { drag } from "@odoo/hoot-dom";
import { registry } from "@web/core/registry";

// These tours rely on the records created by digirules/tests/test_tours.py:
// columns Nouveau, Devis envoyé, Convention signée and Gagné, and the client
// statuses Prospect and Client.

const tours = registry.category("web_tour.tours");

const ACTIONS = "div[name=action_ids]";
const NEW_ACTION_ROW = `${ACTIONS} .o_data_row.o_selected_row`;

function kanbanColumn(stageName) {
    return `.o_opportunity_kanban .o_kanban_group:has(.o_column_title:contains('${stageName}'))`;
}

/**
 * Return a step ``run`` that drags the step's card into the column of
 * ``stageName``. The string form ``run: "drag_and_drop SELECTOR"`` drops one
 * pixel above the target (hoot-dom's getPosition in Odoo 18.0), which is
 * outside the column, so the drop aims at the column's centre.
 */
function dropInColumn(stageName) {
    return (helpers) => helpers.drag_and_drop(kanbanColumn(stageName), { position: "center" });
}

function kanbanCard(stageName, leadName) {
    return `${kanbanColumn(stageName)} .o_kanban_record:contains('${leadName}')`;
}

function pickMany2one(fieldSelector, search, optionLabel) {
    return [
        {
            content: `search "${search}"`,
            trigger: `${fieldSelector} input`,
            run: `edit ${search}`,
        },
        {
            content: `pick "${optionLabel}"`,
            // exact match: :contains ignores case, and "Former client" contains "client"
            trigger: `${fieldSelector} .o-autocomplete--dropdown-menu li:contains(/^${optionLabel}$/)`,
            run: "click",
        },
    ];
}

function addRuleAction(actionType) {
    return [
        {
            content: "add an action",
            trigger: `${ACTIONS} .o_field_x2many_list_row_add a`,
            run: "click",
        },
        {
            content: `choose the action type ${actionType}`,
            trigger: `${NEW_ACTION_ROW} .o_field_widget[name=action_type] select`,
            run: `select "${actionType}"`,
        },
    ];
}

function fillStageRule(name, stageSearch, stageName) {
    return [
        {
            content: "name the rule",
            trigger: ".o_form_view .o_field_widget[name=name] input",
            run: `edit ${name}`,
        },
        {
            content: "trigger: the opportunity enters a column",
            trigger: ".o_form_view .o_field_widget[name=trigger] select",
            run: 'select "stage"',
        },
        ...pickMany2one(".o_form_view .o_field_widget[name=trigger_stage_id]", stageSearch, stageName),
    ];
}

function saveRule(name) {
    return [
        {
            content: "save the rule",
            trigger: ".o_form_view .o_form_button_save",
            run: "click",
        },
        {
            content: "the rule is saved",
            trigger: `.o_form_saved:has(.o_field_widget[name=name] input:value('${name}'))`,
        },
    ];
}

tours.add("digirules_rules_from_settings", {
    url: "/odoo/settings#crm",
    steps: () => [
        {
            content: "open the rules from the Pipeline Automation block",
            trigger:
                ".o_setting_container:has(h2:contains('Pipeline Automation')) button[name=action_open_digirules_rules]:contains('Automation Rules')",
            run: "click",
        },
        {
            content: "create a rule",
            trigger: ".o_list_view .o_list_button_add",
            run: "click",
        },
        ...fillStageRule("Entre dans Devis envoyé → statut Indécis", "Devis", "Devis envoyé"),
        ...addRuleAction("status"),
        {
            content: "set the status to Undecided",
            trigger: `${NEW_ACTION_ROW} .o_field_widget[name=status] select`,
            run: 'select "undecided"',
        },
        ...saveRule("Entre dans Devis envoyé → statut Indécis"),
        {
            content: "create a second rule",
            trigger: ".o_form_view .o_form_button_create",
            run: "click",
        },
        ...fillStageRule("Convention signée → Gagné et client", "Convention", "Convention signée"),
        ...addRuleAction("status"),
        {
            content: "set the status to Won",
            trigger: `${NEW_ACTION_ROW} .o_field_widget[name=status] select`,
            run: 'select "won"',
        },
        ...addRuleAction("client_status"),
        ...pickMany2one(`${NEW_ACTION_ROW} .o_field_widget[name=client_status_id]`, "Cli", "Client"),
        ...saveRule("Convention signée → Gagné et client"),
        {
            content: "back to the rules list",
            trigger: ".o_breadcrumb a:contains('Automation Rules')",
            run: "click",
        },
        {
            content: "both rules are listed",
            trigger:
                ".o_list_view:has(.o_data_row:contains('Entre dans Devis envoyé → statut Indécis')):has(.o_data_row:contains('Convention signée → Gagné et client'))",
        },
    ],
});

tours.add("digirules_kanban_drop", {
    url: "/odoo/action-crm.crm_lead_action_pipeline",
    steps: () => [
        {
            content: "wait for the pipeline to show the second opportunity",
            trigger: kanbanCard("Devis envoyé", "Formation Word"),
        },
        {
            content: "drag the opportunity into Devis envoyé",
            trigger: kanbanCard("Nouveau", "Formation Excel avancé"),
            run: dropInColumn("Devis envoyé"),
        },
        {
            content: "the card shows the client status set by the rule",
            trigger: `${kanbanCard("Devis envoyé", "Formation Excel avancé")} .o_field_widget[name=client_status_id] .badge:contains('Prospect')`,
        },
        {
            content: "the card still shows the Undecided status",
            trigger: `${kanbanCard("Devis envoyé", "Formation Excel avancé")} .o_field_widget[name=opportunity_status] .badge.text-bg-info:contains('Undecided')`,
        },
        {
            content: "open the opportunity",
            trigger: kanbanCard("Devis envoyé", "Formation Excel avancé"),
            run: "click",
        },
        {
            content: "the chatter shows the note of the rule",
            trigger: ".o-mail-Message-body:contains('Entre dans Devis envoyé → Prospect')",
        },
        {
            content: "the Rule Applications button counts one application",
            trigger: "button[name=action_view_digirules_runs] .o_stat_value:contains('1')",
        },
        {
            content: "back to the pipeline",
            trigger: ".o_breadcrumb a:contains('Pipeline')",
            run: "click",
        },
        {
            content: "drag the second opportunity into Convention signée",
            trigger: kanbanCard("Devis envoyé", "Formation Word"),
            run: dropInColumn("Convention signée"),
        },
        {
            content: "the rule moved the card on to Gagné, and it shows Won",
            trigger: `${kanbanCard("Gagné", "Formation Word")} .o_field_widget[name=opportunity_status] .badge.text-bg-success:contains('Won')`,
        },
        {
            content: "the card is no longer in Convention signée",
            trigger: `${kanbanColumn("Convention signée")}:not(:has(.o_kanban_record:contains('Formation Word')))`,
        },
    ],
});

tours.add("digirules_opportunity_won", {
    steps: () => [
        {
            content: "the opportunity shows the Won status",
            trigger: ".o_form_view .o_field_widget[name=opportunity_status] .badge.text-bg-success:contains('Won')",
        },
        {
            content: "and sits in the won column",
            trigger: ".o_form_view .o_statusbar_status button.o_arrow_button_current:contains('Gagné')",
        },
        {
            // test_tours.py names every rule that sets Won "... → Gagné"
            content: "the chatter shows the note of the rule",
            trigger: ".o-mail-Message-body:contains('→ Gagné')",
        },
    ],
});

/**
 * Return the steps that draw a signature by hand in the portal signature form
 * shown in ``modal``, then submit it. The submit button is disabled while the
 * drawing pad is empty, so an enabled button proves that the strokes landed.
 */
function drawAndSubmitSignature(modal) {
    return [
        {
            content: "sign by drawing",
            trigger: `${modal} .o_web_sign_draw_button`,
            run: "click",
        },
        {
            content: "the drawing pad starts empty",
            trigger: `${modal} .o_web_sign_draw_button.active`,
        },
        {
            trigger: `${modal} .o_portal_sign_submit:disabled`,
        },
        {
            content: "draw a signature",
            trigger: `${modal} canvas.o_web_sign_signature`,
            async run(helpers) {
                const canvas = helpers.anchor;
                const { moveTo, drop } = await drag(canvas, {
                    position: { x: 30, y: 70 },
                    relative: true,
                });
                for (const [x, y] of [
                    [70, 30],
                    [110, 90],
                    [150, 35],
                    [190, 85],
                    [230, 45],
                ]) {
                    await moveTo(canvas, { position: { x, y }, relative: true });
                }
                await drop();
            },
        },
        {
            content: "submit the signature",
            trigger: `${modal} .o_portal_sign_submit:enabled`,
            run: "click",
            expectUnloadPage: true,
        },
    ];
}

tours.add("digirules_portal_sign_quotation", {
    steps: () => [
        {
            content: "open the signature dialog",
            trigger: ".o_portal_sale_sidebar a[data-bs-target='#modalaccept']",
            run: "click",
        },
        ...drawAndSubmitSignature("#modalaccept"),
        {
            content: "the quotation is signed",
            trigger: "#quote_content:contains('Thank You')",
        },
    ],
});

tours.add("digirules_portal_sign_agreement", {
    steps: () => [
        {
            content: "open the signature dialog",
            trigger: "a[data-bs-target='#modal_agreement_sign']",
            run: "click",
        },
        ...drawAndSubmitSignature("#modal_agreement_sign"),
        {
            content: "the agreement is signed",
            trigger: "#agreement_content .alert-success:contains('The training agreement is signed')",
        },
        {
            content: "the signature dialog is gone",
            trigger: "body:not(:has(a[data-bs-target='#modal_agreement_sign']))",
        },
    ],
});
