from odoo import fields, models


class ResCompany(models.Model):
    _inherit = "res.company"

    # Defaults of the hand-over entries; a receiver (agency, lawyer, factor) may override them.
    collection_commission_account_id = fields.Many2one(
        "account.account",
        string="Collection costs account",
        check_company=True,
        help="Debited with the commission collection agencies and lawyers keep on what they recover.",
    )
    collection_factor_receivable_account_id = fields.Many2one(
        "account.account",
        string="Receivable from factor",
        check_company=True,
        help="Debited with the advance a factoring company owes for the invoices it bought "
        "(a receivable account: the factor's payment is matched with it).",
    )
    collection_factor_reserve_account_id = fields.Many2one(
        "account.account",
        string="Factor reserve",
        check_company=True,
        help="What the factor holds back until the final settlement (invoices sold without recourse).",
    )
    collection_factor_fee_account_id = fields.Many2one(
        "account.account",
        string="Factoring fee account",
        check_company=True,
        help="Expense: the factor's fee and what it keeps at the final settlement.",
    )
    collection_factor_liability_account_id = fields.Many2one(
        "account.account",
        string="Liability to factor",
        check_company=True,
        help="Invoices sold with recourse stay in the receivables: the advance and the fee are "
        "owed to the factor until the customer pays or the invoices are bought back.",
    )
    collection_insolvency_vat_relief = fields.Boolean(
        string="VAT relief from the insolvency date",
        help="Allow VAT relief on the write-off of an insolvent customer's invoices from the date "
        "of his insolvency, whatever the delay of the VAT relief rule.",
    )
