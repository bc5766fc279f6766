"""Selection keys and limits shared by the digirules models and tests."""

# Opportunity status (crm.lead.opportunity_status). Odoo 18.0 community has no
# such field, so won and lost are derived from the stage's "is won" flag and
# from ``active``. "Finalized" is a digirules notion: won, and the work is done.
STATUS_UNDECIDED = "undecided"
STATUS_WON = "won"
STATUS_LOST = "lost"
STATUS_FINALIZED = "finalized"
WON_STATUSES = (STATUS_WON, STATUS_FINALIZED)

# Rule triggers. Document triggers plug into the same engine entry point,
# ``digirules.engine._fire``.
TRIGGER_STATUS = "status"
TRIGGER_STAGE = "stage"
TRIGGER_QUOTATION_SIGNED = "quotation_signed"
TRIGGER_AGREEMENT_SIGNED = "agreement_signed"
TRIGGER_INVOICE_SENT = "invoice_sent"
TRIGGER_INVOICE_PAID = "invoice_paid"
PIPELINE_TRIGGERS = (TRIGGER_STATUS, TRIGGER_STAGE)

# Training agreement states (digirules.agreement.state). An agreement can be
# signed online or by hand only while it is a draft or sent.
AGREEMENT_DRAFT = "draft"
AGREEMENT_SENT = "sent"
AGREEMENT_SIGNED = "signed"
AGREEMENT_CANCELLED = "cancelled"
AGREEMENT_SIGNABLE_STATES = (AGREEMENT_DRAFT, AGREEMENT_SENT)

# Code of the ir.sequence that numbers training agreements. Each company gets
# its own sequence, copied from the shared one on its first agreement.
AGREEMENT_SEQUENCE_CODE = "digirules.agreement"

# Invoice payment states (account.move.payment_state, Odoo 18.0) that count as
# fully paid. "in_payment" only occurs where Odoo waits for the bank match
# (enterprise accounting); community goes straight to "paid".
PAID_STATES = ("in_payment", "paid")

# Rule actions.
ACTION_STAGE = "stage"
ACTION_STATUS = "status"
ACTION_CLIENT_STATUS = "client_status"

# Result of one rule application (digirules.run) and of each of its actions.
RESULT_DONE = "done"
RESULT_UNCHANGED = "unchanged"
RESULT_SKIPPED = "skipped"
RESULT_FAILED = "failed"

# Depth of a cascade: the event written by a user is depth 0, the events caused
# by the actions of the rules it fired are depth 1, and so on. Ten levels are
# far more than a pipeline has columns; deeper events are logged and dropped.
MAX_CASCADE_DEPTH = 10

# crm.lead fields whose change may change the stage or the status.
LEAD_WATCHED_FIELDS = frozenset({"stage_id", "active", "is_finalized"})
