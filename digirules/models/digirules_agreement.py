from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError

from ..const import (
    AGREEMENT_CANCELLED,
    AGREEMENT_DRAFT,
    AGREEMENT_SENT,
    AGREEMENT_SEQUENCE_CODE,
    AGREEMENT_SIGNABLE_STATES,
    AGREEMENT_SIGNED,
    TRIGGER_AGREEMENT_SIGNED,
)

STATE_SELECTION = [
    (AGREEMENT_DRAFT, "Draft"),
    (AGREEMENT_SENT, "Sent"),
    (AGREEMENT_SIGNED, "Signed"),
    (AGREEMENT_CANCELLED, "Cancelled"),
]

# Kinds of actions that article L6313-1 of the French Labour Code lists as
# vocational training, and that such an agreement may cover.
ACTION_NATURE_SELECTION = [
    ("training", "Training action"),
    ("skills_assessment", "Skills assessment"),
    ("prior_learning", "Validation of prior learning (VAE)"),
]

PLACE_SELECTION = [
    ("on_site", "On site"),
    ("remote", "Remote"),
    ("mixed", "Mixed (on site and remote)"),
]


class DigirulesAgreement(models.Model):
    """Convention de formation professionnelle between a training organisation
    and a client company (articles L6353-1 and L6353-2 of the French Labour Code).

    The customer signs it online from the portal, or a user ticks its "Signed"
    box. Either way, the first signature fires the rules "Training agreement
    signed" on its opportunity, once.
    """

    _name = "digirules.agreement"
    _description = "Training Agreement"
    _inherit = ["portal.mixin", "mail.thread", "mail.activity.mixin"]
    _order = "id desc"

    def _default_cancellation_terms(self):
        return self.env._(
            "Withdrawal: the client may withdraw from this agreement at no cost by written notice "
            "sent within 10 days of signing it, provided the training has not started.\n"
            "Cancellation by the client: the client may cancel or postpone the training at no cost "
            "by written notice received at least 10 working days before it starts. Past that "
            "date, 50% of the price excluding tax is due as compensation, and 100% when the notice "
            "arrives less than 3 working days before the start or when a trainee does not attend. "
            "This compensation is not a training expense: the client cannot have it paid by its "
            "skills operator (OPCO).\n"
            "Cancellation by the training organisation: when the organisation cancels the training "
            "or cannot deliver all of it, it offers new dates or refunds the sums received for the "
            "part not delivered (article L6354-1 of the French Labour Code).\n"
            "Force majeure: when a trainee stops the training because of a duly recognised case of "
            "force majeure, only the hours actually delivered are due."
        )

    name = fields.Char(
        string="Reference",
        required=True,
        readonly=True,
        copy=False,
        index="trigram",
        default=lambda self: self.env._("New"),
    )
    state = fields.Selection(
        selection=STATE_SELECTION,
        string="Status",
        required=True,
        readonly=True,
        copy=False,
        default=AGREEMENT_DRAFT,
        tracking=True,
        index=True,
    )
    company_id = fields.Many2one(
        comodel_name="res.company",
        required=True,
        index=True,
        default=lambda self: self.env.company,
    )
    user_id = fields.Many2one(
        comodel_name="res.users",
        string="Salesperson",
        index=True,
        tracking=True,
        default=lambda self: self.env.user,
        domain="[('share', '=', False), ('company_ids', 'in', company_id)]",
    )

    # parties
    partner_id = fields.Many2one(
        comodel_name="res.partner",
        string="Client Company",
        required=True,
        index=True,
        tracking=True,
        compute="_compute_partner_id",
        store=True,
        readonly=False,
        precompute=True,
        help="Company that buys the training for its employees. Choosing a contact sets it to "
        "the contact's company.",
    )
    contact_id = fields.Many2one(
        comodel_name="res.partner",
        string="Contact",
        domain="[('commercial_partner_id', '=', partner_id)] if partner_id else []",
        help="Person who signs the agreement for the client company.",
    )
    opportunity_id = fields.Many2one(
        comodel_name="crm.lead",
        string="Opportunity",
        index="btree_not_null",
        tracking=True,
        domain="[('type', '=', 'opportunity')]",
        help="The rules “Training agreement signed” apply to this opportunity.",
    )
    sale_order_id = fields.Many2one(
        comodel_name="sale.order",
        string="Quotation",
        index="btree_not_null",
        domain="[('partner_id', 'child_of', partner_id)] if partner_id else []",
    )

    # the training
    training_title = fields.Char(string="Training", required=True, tracking=True)
    action_nature = fields.Selection(
        selection=ACTION_NATURE_SELECTION,
        string="Nature of the Action",
        required=True,
        default="training",
        help="Category of the action under article L6313-1 of the French Labour Code.",
    )
    objectives = fields.Html(
        help="What the trainees will be able to do at the end of the training."
    )
    program = fields.Html(
        string="Program", help="Summary of the program, printed on the agreement."
    )
    date_start = fields.Date(string="Start Date", tracking=True)
    date_end = fields.Date(string="End Date", tracking=True)
    duration_hours = fields.Float(
        string="Duration (Hours)", digits=(16, 1), tracking=True
    )
    place_type = fields.Selection(
        selection=PLACE_SELECTION, string="Place", default="on_site"
    )
    place_address = fields.Text(
        string="Address",
        help="Address of the premises, or how trainees join a remote session.",
    )
    trainee_count = fields.Integer(string="Number of Trainees", default=1)
    trainee_names = fields.Text(
        string="Trainees", help="Names of the trainees, one per line."
    )

    # price and terms
    currency_id = fields.Many2one(
        comodel_name="res.currency",
        required=True,
        default=lambda self: self.env.company.currency_id,
    )
    amount_untaxed = fields.Monetary(string="Price Excl. Tax", tracking=True)
    amount_total = fields.Monetary(string="Price Incl. Tax", tracking=True)
    payment_term_id = fields.Many2one(
        comodel_name="account.payment.term",
        string="Payment Terms",
        domain="[('company_id', 'in', (False, company_id))]",
    )
    cancellation_terms = fields.Text(
        string="Cancellation and Withdrawal",
        default=lambda self: self._default_cancellation_terms(),
        help="Printed as the cancellation and withdrawal clause of the agreement.",
    )

    # signature
    signature = fields.Image(
        attachment=True,
        copy=False,
        max_width=1024,
        max_height=1024,
        help="Signature drawn by the customer on the portal.",
    )
    signed_by = fields.Char(
        copy=False, tracking=True, help="Name of the person who signed."
    )
    signed_on = fields.Datetime(copy=False, tracking=True)
    signed_manually = fields.Boolean(
        string="Signed",
        copy=False,
        tracking=True,
        help="Tick when the customer signed the agreement outside Odoo (on paper, by e-mail). "
        "Ticking it marks the agreement as signed and fires the rules “Training agreement "
        "signed”; unticking it fires nothing.",
    )
    signed_manually_by_id = fields.Many2one(
        comodel_name="res.users", string="Ticked By", readonly=True, copy=False
    )
    signed_manually_on = fields.Datetime(string="Ticked On", readonly=True, copy=False)

    @api.depends("contact_id")
    def _compute_partner_id(self):
        for agreement in self:
            agreement.partner_id = (
                agreement.contact_id.commercial_partner_id or agreement.partner_id
            )

    # a compute returns nothing
    def _compute_access_url(self):  # pylint: disable=missing-return
        super()._compute_access_url()
        for agreement in self:
            agreement.access_url = f"/my/agreements/{agreement.id}"

    @api.constrains("date_start", "date_end")
    def _check_dates(self):
        for agreement in self:
            if (
                agreement.date_start
                and agreement.date_end
                and agreement.date_end < agreement.date_start
            ):
                raise ValidationError(
                    self.env._(
                        "The end date of training agreement %(name)s is before its start date.",
                        name=agreement.name,
                    )
                )

    @api.constrains("duration_hours", "trainee_count")
    def _check_quantities(self):
        for agreement in self:
            if agreement.duration_hours < 0 or agreement.trainee_count < 0:
                raise ValidationError(
                    self.env._(
                        "The duration and the number of trainees of training agreement %(name)s "
                        "cannot be negative.",
                        name=agreement.name,
                    )
                )

    @api.model_create_multi
    def create(self, vals_list):
        new_name = self.env._("New")
        for vals in vals_list:
            if vals.get("name", new_name) == new_name:
                company = (
                    self.env["res.company"].browse(vals.get("company_id"))
                    or self.env.company
                )
                vals["name"] = self._get_next_reference(company)
        agreements = super().create(vals_list)

        # created signed (an import, a copy of a paper agreement): same outcome as signing later
        signed = agreements.filtered(
            lambda agreement: agreement.signature or agreement.signed_manually
        )
        ticked = signed.filtered("signed_manually")
        if ticked:
            # this class's write would fire the trigger a second time
            super(DigirulesAgreement, ticked).write(  # pylint: disable=super-method-mismatch
                {
                    "signed_manually_by_id": self.env.uid,
                    "signed_manually_on": fields.Datetime.now(),
                }
            )
        undated = signed.filtered(
            lambda agreement: agreement.signature and not agreement.signed_on
        )
        if undated:
            super(DigirulesAgreement, undated).write(  # pylint: disable=super-method-mismatch
                {"signed_on": fields.Datetime.now()}
            )
        if signed:
            super(DigirulesAgreement, signed).write(  # pylint: disable=super-method-mismatch
                {"state": AGREEMENT_SIGNED}
            )
            signed._fire_signed()
        return agreements

    def write(self, vals):
        signed_online = self.browse()
        if vals.get("signature"):
            signed_online = self.filtered(lambda agreement: not agreement.signature)
        ticked = unticked = self.browse()
        if "signed_manually" in vals:
            if vals["signed_manually"]:
                ticked = self.filtered(lambda agreement: not agreement.signed_manually)
            else:
                unticked = self.filtered("signed_manually")
        (signed_online | ticked)._check_can_sign()

        res = super().write(vals)

        now = fields.Datetime.now()
        if signed_online:
            super(DigirulesAgreement, signed_online).write(
                {"state": AGREEMENT_SIGNED, "signed_on": vals.get("signed_on") or now}
            )
        if ticked:
            # this class's write would fire the trigger a second time
            super(DigirulesAgreement, ticked).write(  # pylint: disable=super-method-mismatch
                {
                    "state": AGREEMENT_SIGNED,
                    "signed_manually_by_id": self.env.uid,
                    "signed_manually_on": now,
                }
            )
        if unticked:
            super(DigirulesAgreement, unticked).write(
                {"signed_manually_by_id": False, "signed_manually_on": False}
            )
            # a box ticked by mistake: back to draft, unless a signature came online meanwhile
            unticked_signed = unticked.filtered(
                lambda agreement: (
                    agreement.state == AGREEMENT_SIGNED and not agreement.signature
                )
            )
            super(DigirulesAgreement, unticked_signed).write({"state": AGREEMENT_DRAFT})

        (signed_online | ticked)._fire_signed()
        return res

    @api.ondelete(at_uninstall=False)
    def _unlink_except_signed(self):
        if any(agreement.state == AGREEMENT_SIGNED for agreement in self):
            raise UserError(
                self.env._(
                    "A signed training agreement cannot be deleted. Cancel it first."
                )
            )

    def action_send(self):
        """Open the e-mail composer with the agreement template, its PDF and portal link."""
        self.ensure_one()
        if self.state == AGREEMENT_CANCELLED:
            raise UserError(
                self.env._(
                    "Training agreement %(name)s is cancelled. Reset it to draft before sending it.",
                    name=self.name,
                )
            )
        # the template links to the portal page, whose URL carries the token
        self._portal_ensure_token()
        template = self.env.ref(
            "digirules.mail_template_digirules_agreement", raise_if_not_found=False
        )
        return {
            "type": "ir.actions.act_window",
            "res_model": "mail.compose.message",
            "view_mode": "form",
            "views": [(False, "form")],
            "target": "new",
            "context": {
                "default_model": self._name,
                "default_res_ids": self.ids,
                "default_template_id": template.id if template else False,
                "default_composition_mode": "comment",
                "default_email_layout_xmlid": "mail.mail_notification_layout_with_responsible_signature",
                "force_email": True,
                "digirules_mark_agreement_sent": True,
            },
        }

    def action_preview(self):
        """Open the portal page of the agreement as the customer views it."""
        self.ensure_one()
        return {
            "type": "ir.actions.act_url",
            "target": "self",
            "url": self.get_portal_url(),
        }

    def action_mark_signed(self):
        """Record a signature obtained outside Odoo, as ticking the "Signed" box does."""
        self.write({"signed_manually": True})
        return True

    def action_cancel(self):
        self.write({"state": AGREEMENT_CANCELLED})
        return True

    def action_draft(self):
        """Reset to draft, dropping any signature: the content may change before it is signed again.

        The rules "Training agreement signed" fire once per agreement, so signing
        it again fires nothing.
        """
        if any(agreement.state == AGREEMENT_SIGNED for agreement in self):
            raise UserError(
                self.env._(
                    "Cancel a signed training agreement before resetting it to draft."
                )
            )
        self.write(
            {
                "state": AGREEMENT_DRAFT,
                "signature": False,
                "signed_by": False,
                "signed_on": False,
                "signed_manually": False,
            }
        )
        return True

    def message_post(self, **kwargs):
        # digirules_mark_agreement_sent: set by action_send, so that posting the
        # e-mail from the composer marks draft agreements as sent
        if self.env.context.get("digirules_mark_agreement_sent"):
            self.filtered(lambda agreement: agreement.state == AGREEMENT_DRAFT).write(
                {"state": AGREEMENT_SENT}
            )
        # recipients become followers, which is what lets portal users see the
        # agreement (record rule on message_partner_ids), as sale does for quotations
        autofollow = self.env.context.get("mail_post_autofollow", True)
        return super(
            DigirulesAgreement, self.with_context(mail_post_autofollow=autofollow)
        ).message_post(**kwargs)

    def _notify_get_recipients_groups(self, message, model_description, msg_vals=None):
        groups = super()._notify_get_recipients_groups(
            message, model_description, msg_vals=msg_vals
        )
        if len(self) != 1 or self.state not in AGREEMENT_SIGNABLE_STATES:
            return groups
        for group_name, _group_filter, group_data in groups:
            if group_name == "portal_customer":
                group_data.setdefault("button_access", {})["title"] = self.env._(
                    "Review and Sign"
                )
        return groups

    @api.model
    def _get_form_action(self, vals):
        """Return the action that opens a new agreement form filled in with ``vals``."""
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "digirules.digirules_agreement_action"
        )
        action.update(
            {
                "views": [(False, "form")],
                "view_mode": "form",
                "target": "current",
                # empty values would override the field defaults (salesperson, currency)
                "context": {
                    f"default_{field}": value for field, value in vals.items() if value
                },
            }
        )
        return action

    def _get_report_base_filename(self):
        self.ensure_one()
        return self.env._("Training Agreement %(reference)s", reference=self.name)

    def _get_portal_return_action(self):
        """Return the backend action that lists agreements, for the portal's "back to edit" link."""
        self.ensure_one()
        return self.env.ref("digirules.digirules_agreement_action")

    def _has_to_be_signed(self):
        self.ensure_one()
        return self.state in AGREEMENT_SIGNABLE_STATES

    def _check_can_sign(self):
        """Raise a UserError unless every agreement of ``self`` can be signed now."""
        for agreement in self:
            if agreement.state == AGREEMENT_SIGNED:
                raise UserError(
                    self.env._(
                        "Training agreement %(name)s is already signed.",
                        name=agreement.name,
                    )
                )
            if agreement.state == AGREEMENT_CANCELLED:
                raise UserError(
                    self.env._(
                        "Training agreement %(name)s is cancelled and can no longer be signed.",
                        name=agreement.name,
                    )
                )

    def _fire_signed(self):
        """Fire "Training agreement signed", once per agreement whatever the path."""
        if self:
            self.env["digirules.engine"]._fire_documents(
                TRIGGER_AGREEMENT_SIGNED,
                self,
                get_leads=lambda agreement: agreement.opportunity_id,
                event_name="signed",
            )

    @api.model
    def _get_next_reference(self, company):
        """Return the next reference of ``company``, from its own sequence.

        A company without a sequence gets a copy of the shared one, so that each
        company numbers its agreements from 1.
        """
        # sudo: salespeople may not read or create sequences
        sequences = self.env["ir.sequence"].sudo()
        domain = [
            ("code", "=", AGREEMENT_SEQUENCE_CODE),
            ("company_id", "=", company.id),
        ]
        if not sequences.search_count(domain, limit=1):
            shared = sequences.search(
                [("code", "=", AGREEMENT_SEQUENCE_CODE), ("company_id", "=", False)],
                limit=1,
            )
            if shared:
                shared.copy({"company_id": company.id, "number_next": 1})
        reference = sequences.with_company(company).next_by_code(
            AGREEMENT_SEQUENCE_CODE
        )
        if not reference:
            raise UserError(
                self.env._(
                    "No sequence numbers the training agreements (code “%(code)s”). Create one under "
                    "Settings › Technical › Sequences.",
                    code=AGREEMENT_SEQUENCE_CODE,
                )
            )
        return reference
