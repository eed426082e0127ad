from odoo import api, fields, models
from odoo.exceptions import UserError


class CollectionRecovery(models.TransientModel):
    """Book a payment received after the write-off of an invoice as a bad-debt recovery."""

    _name = "collection.recovery"
    _inherit = ["collection.entry.preview.mixin"]
    _description = "Book the recovery of a written-off invoice"

    move_id = fields.Many2one("account.move", string="Invoice", required=True, readonly=True)
    currency_id = fields.Many2one(related="move_id.currency_id")
    date = fields.Date(required=True, default=fields.Date.context_today)
    remaining = fields.Monetary(string="Still written off", compute="_compute_remaining")
    amount = fields.Monetary(string="Amount recovered", required=True)
    partner_id = fields.Many2one(related="move_id.commercial_partner_id")
    allowed_credit_line_ids = fields.Many2many(
        "account.move.line", compute="_compute_allowed_credit_line_ids", string="Open credits"
    )
    credit_line_ids = fields.Many2many(
        "account.move.line",
        string="Payments",
        required=True,
        domain="[('id', 'in', allowed_credit_line_ids)]",
        help="The customer's payments not matched yet that bring in the money.",
    )

    @api.depends("move_id")
    def _compute_allowed_credit_line_ids(self):
        for wizard in self:
            wizard.allowed_credit_line_ids = (
                wizard.move_id._collection_outstanding_credits() if wizard.move_id else False
            )

    @api.model
    def default_get(self, fields_list):
        values = super().default_get(fields_list)
        context = self.env.context
        if context.get("active_model") != "account.move" or len(context.get("active_ids") or []) != 1:
            raise UserError(self.env._("Open one written-off invoice to book its recovery."))
        invoice = self.env["account.move"].browse(context["active_ids"])
        invoice._collection_check_accountant()
        if invoice.collection_status != "written_off":
            raise UserError(
                self.env._(
                    "%(move)s is not written off: register the payment on it as usual.",
                    move=invoice.display_name,
                )
            )
        credits = invoice._collection_outstanding_credits()
        outstanding = invoice._collection_credits_open_amount(credits, fields.Date.context_today(self))
        remaining = invoice.collection_written_off_amount - invoice.collection_recovered_amount
        values.update(
            move_id=invoice.id,
            credit_line_ids=[fields.Command.set(credits.ids)],
            amount=invoice.currency_id.round(min(outstanding, remaining)),
        )
        return values

    @api.depends("move_id")
    def _compute_remaining(self):
        for wizard in self:
            wizard.remaining = (
                wizard.move_id.collection_written_off_amount - wizard.move_id.collection_recovered_amount
            )

    @api.depends("move_id", "date", "amount", "credit_line_ids")
    def _compute_entry_preview(self):
        return super()._compute_entry_preview()

    def _collection_preview_vals(self):
        move = self.move_id._origin
        if not move or not self.date or not self.amount or not self.credit_line_ids:
            return []
        return [move._collection_prepare_recovery_vals(self.date, self.amount, self.credit_line_ids._origin)]

    def action_confirm(self):
        self.ensure_one()
        entry = self.move_id._collection_recover(self.date, self.amount, self.credit_line_ids)
        return entry._collection_action_open()
