from datetime import timedelta

from odoo import api, fields, models


class CollectionPromise(models.Model):
    """A customer's promise to pay by a date: pauses the reminders of the invoices it covers."""

    _name = "collection.promise"
    _description = "Promise to Pay"
    _inherit = ["mail.thread", "collection.pause.mixin"]
    _order = "date desc, id desc"
    _check_company_auto = True

    company_id = fields.Many2one(
        "res.company", required=True, index=True, default=lambda self: self.env.company
    )
    partner_id = fields.Many2one("res.partner", string="Customer", required=True, index=True)
    move_ids = fields.Many2many(
        "account.move",
        "collection_promise_account_move_rel",
        "collection_promise_id",
        "account_move_id",
        string="Invoices",
        required=True,
        check_company=True,
        domain="[('move_type', '=', 'out_invoice'), ('state', '=', 'posted'), "
        "('payment_state', 'in', ('not_paid', 'partial')), ('commercial_partner_id', '=', partner_id)]",
    )
    date = fields.Date(string="Promised date", required=True, tracking=True)
    amount = fields.Monetary(string="Promised amount", tracking=True)
    currency_id = fields.Many2one("res.currency", related="company_id.currency_id")
    grace_days = fields.Integer(default=lambda self: self.env.company.collection_promise_grace_days)
    deadline = fields.Date(
        compute="_compute_deadline", store=True, help="Promised date plus the grace period."
    )
    user_id = fields.Many2one("res.users", string="Logged by", default=lambda self: self.env.user)
    note = fields.Text()
    state = fields.Selection(
        [("open", "Open"), ("kept", "Kept"), ("broken", "Broken"), ("cancelled", "Cancelled")],
        default="open",
        required=True,
        tracking=True,
        index=True,
    )

    @api.depends("date", "grace_days")
    def _compute_deadline(self):
        for promise in self:
            promise.deadline = promise.date and promise.date + timedelta(days=promise.grace_days)

    @api.depends("partner_id", "date")
    def _compute_display_name(self):
        for promise in self:
            promise.display_name = self.env._(
                "Promise of %(partner)s for %(date)s", partner=promise.partner_id.name, date=promise.date
            )

    def _is_kept(self):
        self.ensure_one()
        # A write-off closes the invoice without money coming in: the promise was not kept.
        unpaid = self.move_ids.filtered(
            lambda move: (
                move.payment_state in ("not_paid", "partial") or move.collection_status == "written_off"
            )
        )
        return not unpaid

    def action_cancel(self):
        self.filtered(lambda promise: promise.state == "open").state = "cancelled"
        return True
