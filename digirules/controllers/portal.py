import binascii
import logging

from odoo import fields, http
from odoo.exceptions import AccessError, MissingError, UserError
from odoo.http import request

from odoo.addons.portal.controllers.portal import CustomerPortal
from odoo.addons.portal.controllers.portal import pager as portal_pager

from ..const import AGREEMENT_CANCELLED, AGREEMENT_SENT, AGREEMENT_SIGNED

_logger = logging.getLogger(__name__)

AGREEMENT_REPORT = "digirules.action_report_digirules_agreement"


class AgreementPortal(CustomerPortal):
    """Portal pages of training agreements: the list, the agreement and its online signature."""

    def _prepare_home_portal_values(self, counters):
        values = super()._prepare_home_portal_values(counters)
        if "agreement_count" in counters:
            Agreement = request.env["digirules.agreement"]
            partner = request.env.user.partner_id
            values["agreement_count"] = (
                Agreement.search_count(self._prepare_agreements_domain(partner))
                if Agreement.has_access("read")
                else 0
            )
        return values

    def _prepare_agreements_domain(self, partner):
        # drafts stay internal until they are sent, as quotations do
        return [
            ("message_partner_ids", "child_of", [partner.commercial_partner_id.id]),
            ("state", "in", (AGREEMENT_SENT, AGREEMENT_SIGNED, AGREEMENT_CANCELLED)),
        ]

    @http.route(
        ["/my/agreements", "/my/agreements/page/<int:page>"],
        type="http",
        auth="user",
        website=True,
    )
    def portal_my_agreements(self, page=1, **kwargs):
        Agreement = request.env["digirules.agreement"]
        domain = self._prepare_agreements_domain(request.env.user.partner_id)
        pager_values = portal_pager(
            url="/my/agreements",
            total=Agreement.search_count(domain),
            page=page,
            step=self._items_per_page,
        )
        agreements = Agreement.search(
            domain, limit=self._items_per_page, offset=pager_values["offset"]
        )
        request.session["my_agreements_history"] = agreements.ids[:100]
        values = self._prepare_portal_layout_values()
        values.update(
            {
                "agreements": agreements,
                "page_name": "agreement",
                "pager": pager_values,
                "default_url": "/my/agreements",
            }
        )
        return request.render("digirules.portal_my_agreements", values)

    @http.route(
        ["/my/agreements/<int:agreement_id>"], type="http", auth="public", website=True
    )
    def portal_agreement_page(
        self,
        agreement_id,
        report_type=None,
        access_token=None,
        message=False,
        download=False,
        **kwargs,
    ):
        try:
            agreement_sudo = self._document_check_access(
                "digirules.agreement", agreement_id, access_token=access_token
            )
        except (AccessError, MissingError):
            return request.redirect("/my")

        if report_type in ("html", "pdf"):
            return self._show_report(
                model=agreement_sudo,
                report_type=report_type,
                report_ref=AGREEMENT_REPORT,
                download=download,
            )

        return_action = agreement_sudo._get_portal_return_action()
        values = {
            "agreement": agreement_sudo,
            "message": message,
            "report_type": "html",
            "backend_url": f"/odoo/action-{return_action.id}/{agreement_sudo.id}",
            "res_company": agreement_sudo.company_id,
        }
        values = self._get_page_view_values(
            agreement_sudo,
            access_token,
            values,
            "my_agreements_history",
            False,
            **kwargs,
        )
        return request.render("digirules.digirules_agreement_portal_template", values)

    @http.route(
        ["/my/agreements/<int:agreement_id>/accept"],
        type="json",
        auth="public",
        website=True,
    )
    def portal_agreement_accept(
        self, agreement_id, access_token=None, name=None, signature=None
    ):
        """Sign the agreement with the name and the drawn signature of the portal widget.

        Runs as the superuser once the token or the record rules grant access, as
        sale's quotation signature does. Returns ``{"error": message}`` when the
        agreement cannot be signed, and never an error caused by the rules that
        the signature fires.
        """
        # the signature widget posts to the URL, which carries the token
        access_token = access_token or request.httprequest.args.get("access_token")
        try:
            agreement_sudo = self._document_check_access(
                "digirules.agreement", agreement_id, access_token=access_token
            )
        except (AccessError, MissingError):
            _logger.info(
                "digirules.agreement %s: online signature rejected, no access",
                agreement_id,
            )
            # one message for both, so that a guessed id reveals nothing
            return {
                "error": request.env._(
                    "This training agreement does not exist or the link is invalid."
                )
            }

        try:
            agreement_sudo._check_can_sign()
        except UserError as error:
            _logger.info(
                "digirules.agreement %s: online signature rejected in state %s",
                agreement_sudo.id,
                agreement_sudo.state,
            )
            return {"error": error.args[0]}
        if not name:
            return {"error": request.env._("Enter the name of the person who signs.")}
        if not signature:
            return {
                "error": request.env._(
                    "The signature is missing. Draw or type it, then sign again."
                )
            }

        try:
            with request.env.cr.savepoint():
                agreement_sudo.write(
                    {
                        "signed_by": name,
                        "signed_on": fields.Datetime.now(),
                        "signature": signature,
                    }
                )
        except (TypeError, ValueError, binascii.Error) as error:
            _logger.info(
                "digirules.agreement %s: invalid signature data: %s",
                agreement_sudo.id,
                error,
            )
            return {
                "error": request.env._(
                    "The signature could not be read as an image. Sign again."
                )
            }
        except UserError as error:
            # an image Odoo cannot decode, or a signature that another request saved first
            _logger.info(
                "digirules.agreement %s: online signature rejected: %s",
                agreement_sudo.id,
                error,
            )
            return {"error": error.args[0]}

        try:
            with request.env.cr.savepoint():
                self._post_signed_message(agreement_sudo, name)
        except Exception:
            # the signature is saved: a chatter failure must not show the customer an error
            _logger.exception(
                "digirules.agreement %s: could not post the signature message",
                agreement_sudo.id,
            )
        return {
            "force_refresh": True,
            "redirect_url": agreement_sudo.get_portal_url(
                query_string="&message=sign_ok"
            ),
        }

    def _post_signed_message(self, agreement_sudo, name):
        """Post the signed agreement to its chatter, without the PDF when rendering it fails."""
        attachments = []
        try:
            pdf = (
                request.env["ir.actions.report"]
                .sudo()
                ._render_qweb_pdf(AGREEMENT_REPORT, [agreement_sudo.id])[0]
            )
            attachments = [(f"{agreement_sudo._get_report_base_filename()}.pdf", pdf)]
        except UserError:
            # raised when wkhtmltopdf is missing or fails, and the signature is kept anyway
            _logger.warning(
                "digirules.agreement %s: signed PDF not attached, rendering failed",
                agreement_sudo.id,
                exc_info=True,
            )
        if request.env.user._is_public():
            author = agreement_sudo.contact_id or agreement_sudo.partner_id
        else:
            author = request.env.user.partner_id
        agreement_sudo.message_post(
            attachments=attachments,
            author_id=author.id,
            body=request.env._("Training agreement signed by %(name)s", name=name),
            message_type="comment",
            subtype_xmlid="mail.mt_comment",
        )
