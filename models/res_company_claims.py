from odoo import fields, models

CLAIM_RULES = [
    ("none", "No claims"),
    ("contract", "Fixed contractual rate"),
    ("eu", "EU directive 2011/7/EU (business)"),
    ("nl", "Netherlands (commercial and consumer)"),
    ("uk", "United Kingdom (Late Payment Act 1998)"),
    ("de", "Germany (§ 288 BGB)"),
    ("fr", "France (Code de commerce L441-10)"),
]
CUSTOMER_TYPES = [("business", "Business"), ("consumer", "Consumer")]


class ResCompany(models.Model):
    _inherit = "res.company"

    collection_claim_rule = fields.Selection(
        CLAIM_RULES,
        string="Late-payment claims",
        default="none",
        required=True,
        help="The law (or contract) the letters and charge invoices follow for interest and fixed "
        "compensation; a customer may have a rule of his own.",
    )
    collection_customer_type = fields.Selection(
        CUSTOMER_TYPES,
        string="Customers are by default",
        default="business",
        required=True,
        help="Most rules differ for consumers (the EU, UK and French rules claim nothing from them).",
    )
    collection_contract_rate = fields.Float(
        string="Contractual interest rate (%)",
        digits=(6, 3),
        help="Annual rate of the rule “Fixed contractual rate”, simple interest.",
    )
    collection_claim_journal_id = fields.Many2one(
        "account.journal",
        string="Charge invoices journal",
        check_company=True,
        domain="[('type', '=', 'sale')]",
        help="Sales journal of the invoices charging fees and interest; by default the first one.",
    )
    collection_interest_account_id = fields.Many2one(
        "account.account",
        string="Late-payment interest income",
        check_company=True,
        help="Income account of the interest and statutory compensation lines of charge invoices.",
    )
    collection_fee_account_id = fields.Many2one(
        "account.account",
        string="Collection fee income",
        check_company=True,
        help="Income account of the fee lines of charge invoices.",
    )
    collection_fee_tax_id = fields.Many2one(
        "account.tax",
        string="Tax on collection fees",
        check_company=True,
        domain="[('type_tax_use', '=', 'sale')]",
        help="Contractual fees may bear VAT; statutory interest and compensation never do.",
    )
    collection_wik_receipt_days = fields.Integer(
        string="Days for a letter to arrive",
        default=2,
        help="The Dutch 14-day term runs from the day after receipt; receipt is assumed this many days "
        "after the letter's date.",
    )
    collection_interest_on_charges = fields.Boolean(
        string="Claim interest on charge invoices",
        help="Leave unticked: interest on interest is not claimed on the invoices that charge it.",
    )
