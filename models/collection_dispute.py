from odoo import fields, models

DISPUTE_REASONS = [
    ("not_received", "Goods or services not received"),
    ("quality", "Quality or damage"),
    ("price", "Price or quantity"),
    ("already_paid", "Already paid"),
    ("other", "Other"),
]


class CollectionDispute(models.Model):
    """A customer disputes invoices: reminders pause until the dispute is resolved."""

    _name = "collection.dispute"
    _description = "Invoice Dispute"
    _inherit = ["mail.thread", "collection.pause.mixin"]
    _order = "date desc, id desc"
    _check_company_auto = True

    company_id = fields.Many2one(
        "res.company", required=True, index=True, default=lambda self: self.env.company
    )
    partner_id = fields.Many2one("res.partner", string="Customer", required=True, index=True)
    move_ids = fields.Many2many(
        "account.move",
        "collection_dispute_account_move_rel",
        "collection_dispute_id",
        "account_move_id",
        string="Invoices",
        required=True,
        check_company=True,
        domain="[('move_type', '=', 'out_invoice'), ('state', '=', 'posted'), "
        "('commercial_partner_id', '=', partner_id)]",
    )
    date = fields.Date(required=True, default=fields.Date.context_today)
    reason = fields.Selection(DISPUTE_REASONS, required=True, default="other", tracking=True)
    note = fields.Text()
    user_id = fields.Many2one("res.users", string="Logged by", default=lambda self: self.env.user)
    state = fields.Selection(
        [("open", "Open"), ("resolved", "Resolved")], default="open", required=True, tracking=True, index=True
    )
    resolution = fields.Text()
    resolved_date = fields.Date(readonly=True)

    def action_resolve(self):
        self.filtered(lambda dispute: dispute.state == "open").write(
            {"state": "resolved", "resolved_date": fields.Date.context_today(self)}
        )
        return True

    def action_reopen(self):
        self.filtered(lambda dispute: dispute.state == "resolved").write(
            {"state": "open", "resolved_date": False}
        )
        return True
