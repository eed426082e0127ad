from odoo import fields, models


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    collection_claim_rule = fields.Selection(related="company_id.collection_claim_rule", readonly=False)
    collection_customer_type = fields.Selection(related="company_id.collection_customer_type", readonly=False)
    collection_contract_rate = fields.Float(related="company_id.collection_contract_rate", readonly=False)
    collection_claim_journal_id = fields.Many2one(
        related="company_id.collection_claim_journal_id", readonly=False
    )
    collection_interest_account_id = fields.Many2one(
        related="company_id.collection_interest_account_id", readonly=False
    )
    collection_fee_account_id = fields.Many2one(
        related="company_id.collection_fee_account_id", readonly=False
    )
    collection_fee_tax_id = fields.Many2one(related="company_id.collection_fee_tax_id", readonly=False)
    collection_wik_receipt_days = fields.Integer(
        related="company_id.collection_wik_receipt_days", readonly=False
    )
    collection_interest_on_charges = fields.Boolean(
        related="company_id.collection_interest_on_charges", readonly=False
    )
