from markupsafe import Markup, escape

from odoo import Command, api, fields, models
from odoo.exceptions import AccessError, UserError, ValidationError

from ..models.collection_dispute import DISPUTE_REASONS

OUTCOMES = [
    ("promise", "Promise to pay"),
    ("dispute", "Dispute"),
    ("no_answer", "No answer"),
    ("talked", "Talked, no commitment"),
]


class CollectionCall(models.TransientModel):
    """Log a collections call and what came out of it: a promise, a dispute or nothing."""

    _name = "collection.call"
    _description = "Log a Collections Call"
    _check_company_auto = True

    company_id = fields.Many2one("res.company", required=True, default=lambda self: self.env.company)
    partner_id = fields.Many2one("res.partner", string="Customer", required=True)
    move_ids = fields.Many2many(
        "account.move",
        string="Invoices",
        check_company=True,
        domain="[('move_type', '=', 'out_invoice'), ('state', '=', 'posted'), "
        "('payment_state', 'in', ('not_paid', 'partial')), ('commercial_partner_id', '=', partner_id)]",
        help="The invoices the call was about: a promise or dispute covers them.",
    )
    outcome = fields.Selection(OUTCOMES, required=True, default="promise")
    promise_date = fields.Date(string="Promised date")
    currency_id = fields.Many2one("res.currency", compute="_compute_currency_id")
    promise_amount = fields.Monetary(string="Promised amount")
    dispute_reason = fields.Selection(DISPUTE_REASONS, default="other")
    note = fields.Text(string="Summary")
    next_call_date = fields.Date(string="Call again on")

    @api.model
    def default_get(self, fields_list):
        values = super().default_get(fields_list)
        if self.env.context.get("active_model") != "res.partner" or not self.env.context.get("active_ids"):
            raise UserError(self.env._("Open the customer you called first, then log the call from there."))
        partner = self.env["res.partner"].browse(self.env.context["active_ids"][:1]).commercial_partner_id
        today = fields.Date.context_today(self)
        overdue = self.env["account.move"].search(
            [
                ("company_id", "=", self.env.company.id),
                ("move_type", "=", "out_invoice"),
                ("state", "=", "posted"),
                ("payment_state", "in", ("not_paid", "partial")),
                ("commercial_partner_id", "=", partner.id),
                ("invoice_date_due", "<", today),
            ]
        )
        values.update(
            partner_id=partner.id,
            move_ids=[Command.set(overdue.ids)],
            promise_amount=sum(overdue.mapped("amount_residual")) if len(overdue.currency_id) <= 1 else 0.0,
        )
        return values

    @api.depends("move_ids", "company_id")
    def _compute_currency_id(self):
        # A promise is in the currency of its invoices.
        for wizard in self:
            wizard.currency_id = wizard.move_ids[:1].currency_id or wizard.company_id.currency_id

    @api.onchange("move_ids")
    def _onchange_move_ids(self):
        if len(self.move_ids.currency_id) <= 1:
            self.promise_amount = sum(self.move_ids.mapped("amount_residual"))

    def _check_customer(self):
        """The call is logged as superuser on the customer: only on a customer the user may see,
        in one of the user's companies, about that customer's own invoices."""
        if self.company_id not in self.env.user.company_ids:
            raise AccessError(self.env._("You can only log calls in your own companies."))
        self.partner_id.check_access("read")
        if self.partner_id.company_id and self.partner_id.company_id != self.company_id:
            raise ValidationError(
                self.env._(
                    "%(customer)s is a customer of %(other)s: log the call from that company.",
                    customer=self.partner_id.display_name,
                    other=self.partner_id.company_id.name,
                )
            )
        self.env["collection.pause.mixin"]._check_invoices_of(self.partner_id, self.company_id, self.move_ids)

    def _check_outcome(self):
        today = fields.Date.context_today(self)
        if self.outcome in ("promise", "dispute") and not self.move_ids:
            raise ValidationError(self.env._("Select the invoices the promise or dispute is about."))
        if self.outcome == "promise":
            if not self.promise_date:
                raise ValidationError(self.env._("Enter the date the customer promised to pay by."))
            if self.promise_date < today:
                raise ValidationError(self.env._("The promised date cannot be in the past."))
            if self.promise_amount <= 0:
                raise ValidationError(self.env._("Enter the amount the customer promised to pay."))
        if self.next_call_date and self.next_call_date < today:
            raise ValidationError(self.env._("The next call cannot be planned in the past."))

    def action_confirm(self):
        self.ensure_one()
        self._check_customer()
        self._check_outcome()
        partner = self.partner_id
        outcome_label = dict(self._fields["outcome"]._description_selection(self.env))[self.outcome]
        result = {"type": "ir.actions.act_window_close"}
        if self.outcome == "promise":
            self.env["collection.promise"].create(
                {
                    "company_id": self.company_id.id,
                    "partner_id": partner.id,
                    "move_ids": [Command.set(self.move_ids.ids)],
                    "date": self.promise_date,
                    "amount": self.promise_amount,
                    "note": self.note,
                }
            )
            detail = self.env._(
                "%(amount)s by %(date)s",
                amount=self.currency_id.format(self.promise_amount),
                date=self.promise_date,
            )
        elif self.outcome == "dispute":
            self.env["collection.dispute"].create(
                {
                    "company_id": self.company_id.id,
                    "partner_id": partner.id,
                    "move_ids": [Command.set(self.move_ids.ids)],
                    "reason": self.dispute_reason,
                    "note": self.note,
                }
            )
            detail = dict(self._fields["dispute_reason"]._description_selection(self.env))[
                self.dispute_reason
            ]
        else:
            detail = ""
        body = Markup("<p><b>%s</b> %s</p>") % (
            self.env._("Collections call: %(outcome)s", outcome=outcome_label),
            detail,
        )
        if self.move_ids:
            body += Markup("<p>%s</p>") % ", ".join(self.move_ids.mapped("name"))
        if self.note:
            body += Markup("<p>%s</p>") % self.note
        # The call closes the call tasks the autopilot planned for this customer.
        calls = self.env["mail.activity"].search(
            [
                ("res_model", "=", "res.partner"),
                ("res_id", "=", partner.id),
                ("activity_type_id", "=", self.env.ref("mail.mail_activity_data_call").id),
            ]
        )
        if calls:
            calls.action_feedback(feedback=escape(f"{outcome_label} {detail}".strip()))
        # Clerks may not edit customers, yet their calls belong in the customer's chatter.
        partner.sudo().message_post(
            body=body,
            message_type="comment",
            subtype_xmlid="account_collection.mt_collection_call",
            author_id=self.env.user.partner_id.id,
        )
        if self.next_call_date:
            partner.sudo().activity_schedule(
                "mail.mail_activity_data_call",
                date_deadline=self.next_call_date,
                summary=self.env._("Collections: call again"),
                user_id=self.env["collection.autopilot"]._responsible(partner, self.company_id).id,
            )
        partner._collection_refresh_status()
        # Back to the list the clerk called from (the cockpit), saying what was recorded.
        message = self.env._(
            "Call logged for %(customer)s: %(outcome)s", customer=partner.display_name, outcome=outcome_label
        )
        if detail:
            message = f"{message} ({detail})"
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {"message": message, "type": "success", "next": result},
        }
