from odoo import fields, models


class CollectionLevel(models.Model):
    _inherit = "collection.level"

    claim_fee_fixed = fields.Float(
        string="Fixed fee",
        digits="Account",
        help="A fee per reminder of this level, in the currency of the invoices (once per level).",
    )
    claim_fee_percent = fields.Float(
        string="Fee (% of overdue)",
        digits=(5, 2),
        help="A fee of this percentage of each overdue invoice's open amount (once per invoice and level).",
    )
    claim_interest = fields.Boolean(
        string="Claim interest",
        help="The letter of this level claims the late-payment interest of the customer's rule.",
    )
    claim_compensation = fields.Boolean(
        string="Claim compensation",
        help="The letter claims the fixed compensation of the rule (EUR 40, GBP 40/70/100, Dutch WIK).",
    )
    claim_auto_charge = fields.Boolean(
        string="Charge automatically",
        help="When the autopilot sends this level, it also issues the charge invoice of the claims.",
    )
    is_wik_notice = fields.Boolean(
        string="Dutch 14-day letter",
        help="The letter of art. 6:96 BW: it announces the collection costs and gives consumers 14 days "
        "from the day after receipt to pay. WIK costs are refused until it was sent and the 14 days passed.",
    )
