import binascii

from odoo import http
from odoo.exceptions import AccessError, MissingError, UserError
from odoo.http import request

from odoo.addons.portal.controllers.portal import CustomerPortal


class PaymentPlanPortal(CustomerPortal):
    """The customer's payment plans: read by token link (no login needed) or under his documents,
    accepted with name and signature."""

    def _prepare_home_portal_values(self, counters):
        values = super()._prepare_home_portal_values(counters)
        if "payment_plan_count" in counters:
            Plan = request.env["collection.payment.plan"]
            values["payment_plan_count"] = (
                Plan.search_count(self._payment_plan_domain()) if Plan.has_access("read") else 0
            )
        return values

    def _payment_plan_domain(self):
        partner = request.env.user.partner_id.commercial_partner_id
        return [("partner_id", "child_of", partner.id), ("state", "not in", ("draft",))]

    def _plan_or_404(self, plan_id, access_token):
        try:
            plan = self._document_check_access("collection.payment.plan", plan_id, access_token=access_token)
        except (AccessError, MissingError):
            raise request.not_found() from None
        if plan.state == "draft":
            raise request.not_found()
        return plan

    @http.route(["/my/payment_plans"], type="http", auth="user", website=True)
    def portal_my_payment_plans(self, **kw):
        values = self._prepare_portal_layout_values()
        values.update(
            plans=request.env["collection.payment.plan"].search(self._payment_plan_domain()),
            page_name="payment_plans",
        )
        return request.render("account_collection.portal_my_payment_plans", values)

    @http.route(["/my/payment_plans/<int:plan_id>"], type="http", auth="public", website=True)
    def portal_payment_plan(self, plan_id, access_token=None, report_type=None, download=False, **kw):
        plan = self._plan_or_404(plan_id, access_token)
        if report_type in ("html", "pdf", "text"):
            return self._show_report(
                model=plan,
                report_type=report_type,
                report_ref="account_collection.action_report_collection_payment_plan",
                download=download,
            )
        values = self._get_page_view_values(
            plan,
            access_token,
            {"plan": plan, "page_name": "payment_plan", "message": kw.get("message")},
            "my_payment_plans_history",
            False,
        )
        values["payment_link"] = plan._payment_link()
        values["agreement"] = plan.with_context(lang=plan._plan_lang())._agreement_values()
        return request.render("account_collection.portal_payment_plan_page", values)

    @http.route(["/my/payment_plans/<int:plan_id>/accept"], type="jsonrpc", auth="public", website=True)
    def portal_payment_plan_accept(self, plan_id, access_token=None, name=None, signature=None):
        access_token = access_token or request.httprequest.args.get("access_token")
        try:
            plan = self._document_check_access("collection.payment.plan", plan_id, access_token=access_token)
        except (AccessError, MissingError):
            raise request.not_found() from None
        try:
            plan._accept(name, signature, request.httprequest.remote_addr)
        except UserError as error:
            return {"error": error.args[0]}
        except (TypeError, binascii.Error):
            return {"error": request.env._("Invalid signature data.")}
        return {
            "force_refresh": True,
            "redirect_url": plan.get_portal_url(query_string="&message=accepted"),
        }
