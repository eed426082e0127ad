from odoo import api, fields, models
from odoo.exceptions import UserError


class CollectionHandoverEntry(models.TransientModel):
    """Book what came back from a hand-over: a recovery by the agency or lawyer, the factor's
    final settlement, or the buy-back of invoices sold with recourse."""

    _name = "collection.handover.entry"
    _description = "Book a hand-over recovery, settlement or buy-back"

    handover_id = fields.Many2one("collection.handover", required=True, readonly=True)
    operation = fields.Selection(
        [("recovery", "Recovery"), ("settlement", "Final settlement"), ("buyback", "Buy-back")],
        required=True,
        readonly=True,
    )
    company_id = fields.Many2one(related="handover_id.company_id")
    currency_id = fields.Many2one(related="handover_id.currency_id")
    date = fields.Date(required=True, default=fields.Date.context_today)
    journal_id = fields.Many2one(
        "account.journal",
        string="Bank journal",
        required=True,
        check_company=True,
        domain="[('type', 'in', ('bank', 'cash')), ('company_id', '=', company_id)]",
    )
    amount_open = fields.Monetary(related="handover_id.amount_open", string="Still open")
    amount = fields.Monetary(
        help="Recovery: what the receiver collected from the customer, before its commission. "
        "Settlement: what the factor pays now.",
    )
    commission = fields.Monetary(compute="_compute_commission", store=True, readonly=False)
    amount_net = fields.Monetary(string="Net received", compute="_compute_amount_net")
    amount_due = fields.Monetary(string="Owed by / to the factor", compute="_compute_amount_due")

    @api.model
    def default_get(self, fields_list):
        values = super().default_get(fields_list)
        context = self.env.context
        if context.get("active_model") != "collection.handover" or not context.get("active_id"):
            raise UserError(self.env._("Open a hand-over to book what came back from it."))
        handover = self.env["collection.handover"].browse(context["active_id"])
        self.env["account.move"]._collection_check_accountant()
        values["handover_id"] = handover.id
        journal = self.env["account.journal"].search(
            [("company_id", "=", handover.company_id.id), ("type", "=", "bank")], limit=1
        )
        values.setdefault("journal_id", journal.id)
        operation = values.get("operation") or context.get("default_operation")
        if operation == "recovery":
            values.setdefault("amount", handover.amount_open)
        elif operation == "settlement":
            values.setdefault(
                "amount",
                handover.amount_open - handover.amount_liability
                if handover.recourse
                else handover.amount_reserve,
            )
        return values

    @api.depends("amount", "handover_id")
    def _compute_commission(self):
        for wizard in self:
            wizard.commission = wizard.currency_id.round(
                wizard.amount * wizard.handover_id.commission_rate / 100.0
            )

    @api.depends("amount", "commission")
    def _compute_amount_net(self):
        for wizard in self:
            wizard.amount_net = wizard.amount - wizard.commission

    @api.depends("handover_id", "operation")
    def _compute_amount_due(self):
        for wizard in self:
            handover = wizard.handover_id
            if wizard.operation == "buyback":
                wizard.amount_due = handover.amount_liability
            elif handover.recourse:
                wizard.amount_due = handover.amount_open - handover.amount_liability
            else:
                wizard.amount_due = handover.amount_reserve

    def action_confirm(self):
        self.ensure_one()
        handover = self.handover_id
        if self.operation == "recovery":
            entry = handover._book_recovery(self.date, self.amount, self.commission, self.journal_id)
        elif self.operation == "settlement":
            entry = handover._book_settlement(self.date, self.amount, self.journal_id)
        else:
            entry = handover._book_buyback(self.date, self.journal_id)
        return entry._collection_action_open() if entry else True
