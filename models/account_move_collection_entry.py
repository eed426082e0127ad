from odoo import api, fields, models


class AccountMove(models.Model):
    _inherit = "account.move"

    # A provision, write-off or recovery entry carries no customer of its own (its expense and
    # income lines must not: see _collection_line_vals); its lines know the invoices it is for.
    collection_invoice_ids = fields.Many2many(
        "account.move", string="For invoices", compute="_compute_collection_invoice_ids"
    )
    collection_customer_ids = fields.Many2many(
        "res.partner",
        string="Customers",
        compute="_compute_collection_invoice_ids",
        search="_search_collection_customer_ids",
    )

    @api.depends("line_ids.collection_invoice_id")
    def _compute_collection_invoice_ids(self):
        for move in self:
            invoices = move.line_ids.collection_invoice_id
            move.collection_invoice_ids = invoices
            move.collection_customer_ids = invoices.commercial_partner_id

    def _search_collection_customer_ids(self, operator, value):
        return [("line_ids.collection_invoice_id.commercial_partner_id", operator, value)]
