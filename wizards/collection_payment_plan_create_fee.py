from odoo import api, fields, models
from odoo.exceptions import UserError


class CollectionPaymentPlanCreate(models.TransientModel):
    _inherit = "collection.payment.plan.create"

    fee_amount = fields.Monetary(
        string="Plan fee",
        help="Optional fixed fee before tax, charged once the plan is active (a charge invoice with the "
        "Collection fee product and tax of the Collections settings); the instalments include it.",
    )
    fee_total = fields.Monetary(string="Plan fee incl. tax", compute="_compute_amount_total")

    @api.depends("fee_amount", "company_id")
    def _compute_amount_total(self):
        result = super()._compute_amount_total()
        for wizard in self:
            fee = wizard.fee_amount if wizard.currency_id.compare_amounts(wizard.fee_amount, 0) > 0 else 0.0
            taxes = wizard.company_id.collection_fee_tax_id
            total = (
                taxes.compute_all(fee, currency=wizard.currency_id)["total_included"]
                if fee and taxes
                else fee
            )
            wizard.fee_total = wizard.currency_id.round(total)
            wizard.amount_total = wizard.currency_id.round(wizard.amount_total + wizard.fee_total)
        return result

    @api.depends("fee_amount")
    def _compute_line_ids(self):
        return super()._compute_line_ids()

    def _validate(self):
        if self.currency_id.compare_amounts(self.fee_amount, 0) < 0:
            raise UserError(self.env._("The plan fee cannot be negative: enter zero for none."))
        if self.fee_amount:
            self.env["account.move"]._collection_check_claim_settings(self.company_id)
        return super()._validate()

    def _prepare_plan_vals(self):
        vals = super()._prepare_plan_vals()
        vals.update(fee_amount=self.fee_amount, fee_total=self.fee_total)
        return vals
