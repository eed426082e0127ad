from odoo import fields, models


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    collection_commission_account_id = fields.Many2one(
        related="company_id.collection_commission_account_id", readonly=False
    )
    collection_factor_receivable_account_id = fields.Many2one(
        related="company_id.collection_factor_receivable_account_id", readonly=False
    )
    collection_factor_reserve_account_id = fields.Many2one(
        related="company_id.collection_factor_reserve_account_id", readonly=False
    )
    collection_factor_fee_account_id = fields.Many2one(
        related="company_id.collection_factor_fee_account_id", readonly=False
    )
    collection_factor_liability_account_id = fields.Many2one(
        related="company_id.collection_factor_liability_account_id", readonly=False
    )
    collection_insolvency_vat_relief = fields.Boolean(
        related="company_id.collection_insolvency_vat_relief", readonly=False
    )
