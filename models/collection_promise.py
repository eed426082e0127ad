from datetime import timedelta

from odoo import api, fields, models
from odoo.exceptions import ValidationError


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
    amount = fields.Monetary(
        string="Promised amount",
        tracking=True,
        help="What the customer promised to pay on these invoices by the date; empty: all they owe.",
    )
    currency_id = fields.Many2one(
        "res.currency",
        compute="_compute_currency_id",
        store=True,
        readonly=False,
        precompute=True,
        help="The currency of the invoices.",
    )
    company_currency_id = fields.Many2one(related="company_id.currency_id", string="Company currency")
    amount_company = fields.Monetary(
        string="In company currency",
        compute="_compute_amount_company",
        currency_field="company_currency_id",
        help="The promised amount (else what was owed when promised) at the promised date's rate.",
    )
    amount_open = fields.Monetary(
        string="Owed when promised",
        readonly=True,
        help="What the invoices still owed when the promise was made: payments since then count toward it.",
    )
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

    @api.depends("move_ids")
    def _compute_currency_id(self):
        for promise in self:
            promise.currency_id = promise.move_ids[:1].currency_id or promise.company_id.currency_id

    @api.depends("amount", "amount_open", "currency_id", "date", "company_id")
    def _compute_amount_company(self):
        for promise in self:
            company = promise.company_id or self.env.company
            currency = promise.currency_id or company.currency_id
            promise.amount_company = currency._convert(
                promise.amount or promise.amount_open,
                company.currency_id,
                company,
                promise.date or fields.Date.context_today(promise),
            )

    @api.model_create_multi
    def create(self, vals_list):
        promises = super().create(vals_list)
        for promise in promises:
            invoices = promise.move_ids
            if not invoices or any(
                move.move_type != "out_invoice"
                or move.state != "posted"
                or move.payment_state not in ("not_paid", "partial")
                for move in invoices
            ):
                raise ValidationError(
                    self.env._(
                        "A promise to pay covers open customer invoices only: choose one or more posted, unpaid "
                        "invoices of %(customer)s (not payments, credit notes or paid invoices).",
                        customer=promise.partner_id.display_name,
                    )
                )
            promise.amount_open = promise._amount_owed()
            if not promise.amount:
                promise.amount = promise.amount_open
        return promises

    @api.constrains("move_ids", "amount", "currency_id")
    def _check_amount_and_currency(self):
        for promise in self:
            if len(promise.move_ids.currency_id) > 1 or promise.move_ids.currency_id not in (
                promise.currency_id,
                promise.currency_id.browse(),
            ):
                raise ValidationError(
                    self.env._(
                        "The invoices of one promise share one currency, the promise's: record one promise per "
                        "currency."
                    )
                )
            if promise.amount < 0:
                raise ValidationError(
                    self.env._(
                        "The promised amount cannot be negative: enter what the customer promised to pay."
                    )
                )

    def _amount_owed(self):
        """What the invoices owe now, in the promise's currency."""
        self.ensure_one()
        return self.currency_id.round(sum(self.move_ids.mapped("amount_residual")))

    def _amount_paid(self):
        """What was paid on the invoices since the promise (a write-off pays nothing)."""
        self.ensure_one()
        written_off = sum(
            move.collection_written_off_amount
            for move in self.move_ids
            if move.collection_status == "written_off"
        )
        return self.currency_id.round(max(self.amount_open - self._amount_owed() - written_off, 0.0))

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
        """Kept once the payments on the invoices since the promise reach the promised amount."""
        self.ensure_one()
        return self.currency_id.compare_amounts(self._amount_paid(), self.amount) >= 0

    def action_cancel(self):
        self.filtered(lambda promise: promise.state == "open").state = "cancelled"
        return True
