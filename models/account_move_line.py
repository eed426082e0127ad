from odoo import api, fields, models

from .account_move import COLLECTION_WRITE, COLLECTION_WRITE_KEY

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
COLLECTION_PROTECTED_LINE_FIELDS = ("collection_invoice_id", "collection_role")


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

    @api.model_create_multi
    def create(self, vals_list):
        self.env["account.move"]._collection_check_protected(
            self.browse(), vals_list, COLLECTION_PROTECTED_LINE_FIELDS
        )
        return super().create(vals_list)

    def write(self, vals):
        self.env["account.move"]._collection_check_protected(self, [vals], COLLECTION_PROTECTED_LINE_FIELDS)
        return super().write(vals)

    def copy_data(self, default=None):
        vals_list = super().copy_data(default=default)
        # Only the reversal of a collection entry (handled by account.move._reverse_moves) keeps
        # the link: a duplicated entry would otherwise count against the invoice once posted.
        if self.env.context.get(COLLECTION_WRITE_KEY) is not COLLECTION_WRITE:
            for vals in vals_list:
                for name in COLLECTION_PROTECTED_LINE_FIELDS:
                    if not (default and name in default):
                        vals.pop(name, None)
        return vals_list

    def _reconcile_post_hook(self, data):
        res = super()._reconcile_post_hook(data)
        # Payments and credit notes lower the amount due of doubtful invoices: release their
        # provisions pro rata, all reconciliations of this batch together.
        self.move_id._collection_sync_provision()
        return res


class AccountPartialReconcile(models.Model):
    _inherit = "account.partial.reconcile"

    def unlink(self):
        # Unmatching a payment or credit note makes the invoice due again: its provision comes
        # back at the invoice's provision rate (the allowance always follows the amounts due).
        invoices = (self.debit_move_id.move_id | self.credit_move_id.move_id).filtered(
            lambda move: move.move_type == "out_invoice"
        )
        res = super().unlink()
        invoices.exists()._collection_sync_provision()
        return res
