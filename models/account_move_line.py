from odoo import fields, models

COLLECTION_ROLES = [
    ("allowance", "Allowance for doubtful receivables"),
    ("expense", "Doubtful-debt expense"),
    ("write_off", "Receivable written off"),
    ("bad_debt", "Bad-debt expense"),
    ("vat_relief", "VAT relief"),
    ("recovered", "Receivable recovered"),
    ("vat_recovered", "VAT repaid on recovery"),
    ("recovery", "Recovered income"),
]


class AccountMoveLine(models.Model):
    _inherit = "account.move.line"

    # Both are copied on purpose: Odoo's reversal copies the lines, and the reversal of a
    # provision or write-off must count against the same invoice with the opposite sign.
    collection_invoice_id = fields.Many2one(
        "account.move",
        string="Collection invoice",
        index="btree_not_null",
        readonly=True,
        help="The customer invoice this provision, write-off or recovery item is about.",
    )
    collection_role = fields.Selection(COLLECTION_ROLES, readonly=True)

    def _reconcile_post_hook(self, data):
        res = super()._reconcile_post_hook(data)
        # Payments and credit notes lower the amount due of doubtful invoices: release their
        # provisions pro rata, all reconciliations of this batch together.
        self.move_id._collection_release_on_payment()
        return res
