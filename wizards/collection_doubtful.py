from odoo import api, fields, models
from odoo.exceptions import UserError


class CollectionWizardMixin(models.AbstractModel):
    """What the accountant's collection wizards share: the invoices they were opened on."""

    _name = "collection.wizard.mixin"
    _description = "Collections: invoices selected for an accounting action"

    move_ids = fields.Many2many("account.move", string="Invoices", required=True)
    date = fields.Date(required=True, default=fields.Date.context_today)
    company_currency_id = fields.Many2one("res.currency", default=lambda self: self.env.company.currency_id)

    @api.model
    def default_get(self, fields_list):
        values = super().default_get(fields_list)
        context = self.env.context
        if "move_ids" in fields_list and context.get("active_model") == "account.move":
            if not context.get("active_ids"):
                raise UserError(self.env._("Select at least one customer invoice."))
            moves = self.env["account.move"].browse(context["active_ids"])
            moves._collection_check_accountant()
            values["move_ids"] = [fields.Command.set(moves.ids)]
        return values


class CollectionDoubtful(models.TransientModel):
    """Mark invoices as doubtful: a provision entry per invoice, nothing the customer sees."""

    _name = "collection.doubtful"
    _inherit = ["collection.wizard.mixin", "collection.entry.preview.mixin"]
    _description = "Mark invoices as doubtful debts"

    amount_mode = fields.Selection(
        [("residual", "Amount due"), ("percentage", "Percentage of the amount due")],
        string="Provision",
        required=True,
        default="residual",
    )
    percentage = fields.Float(default=100.0, digits=(5, 2))
    reason = fields.Char(required=True)
    include_vat = fields.Boolean(
        string="Provision includes VAT",
        compute="_compute_include_vat",
        help="Company setting: whether the provision covers the VAT of the amount due.",
    )
    amount_total = fields.Monetary(
        string="Provision to post",
        compute="_compute_amount_total",
        currency_field="company_currency_id",
        help="Sum of the provisions to post, in the company's currency at today's rate.",
    )

    currency_id = fields.Many2one(
        "res.currency",
        string="Invoice currency",
        compute="_compute_amount_total",
        help="The invoices' currency where they all share one, else the company's.",
    )
    amount_total_currency = fields.Monetary(
        string="Provision in invoice currency",
        compute="_compute_amount_total",
        currency_field="currency_id",
    )

    @api.depends("move_ids")
    def _compute_include_vat(self):
        for wizard in self:
            wizard.include_vat = any(wizard.move_ids.company_id.mapped("collection_provision_include_vat"))

    @api.depends("move_ids", "amount_mode", "percentage", "date")
    def _compute_amount_total(self):
        for wizard in self:
            total = total_currency = 0.0
            moves = wizard.move_ids.filtered(lambda move: move.state == "posted")
            provisions = moves._origin._collection_provision_balances() if moves._origin else {}
            for move in moves:
                target = (
                    move.amount_residual * move._collection_untaxed_share() * wizard._percentage() / 100.0
                )
                current = provisions.get(move._origin, (0.0, 0.0))[0]
                total_currency += max(target - current, 0.0)
                total += move.currency_id._convert(
                    max(target - current, 0.0), wizard.company_currency_id, move.company_id, wizard.date
                )
            currencies = moves.currency_id
            wizard.amount_total = total
            wizard.currency_id = currencies if len(currencies) == 1 else wizard.company_currency_id
            wizard.amount_total_currency = total_currency if len(currencies) == 1 else total

    @api.depends("move_ids", "amount_mode", "percentage", "date", "reason")
    def _compute_entry_preview(self):
        return super()._compute_entry_preview()

    def _collection_preview_vals(self):
        moves = self.move_ids._origin
        if not moves or not self.date or not 0 < self._percentage() <= 100:
            return []
        moves._collection_check_invoices("provision")
        return moves._collection_prepare_doubtful_vals(self.date, self._percentage(), self.reason or "")

    def _percentage(self):
        self.ensure_one()
        return 100.0 if self.amount_mode == "residual" else self.percentage

    def action_confirm(self):
        self.ensure_one()
        if not 0 < self._percentage() <= 100:
            raise UserError(self.env._("The percentage must be more than 0 and at most 100."))
        entries = self.move_ids._collection_mark_doubtful(self.date, self._percentage(), self.reason)
        return entries._collection_action_open()
