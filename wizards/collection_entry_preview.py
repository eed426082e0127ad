from odoo import fields, models
from odoo.exceptions import UserError


class CollectionEntryPreviewMixin(models.AbstractModel):
    """What the accountant's wizards share: the journal items they will post, shown before posting.

    The preview is built from the very values the action posts (the `_collection_prepare_*_vals`
    methods of account.move), so what is shown is what is booked.
    """

    _name = "collection.entry.preview.mixin"
    _description = "Collections: journal items an accounting action will post"

    entry_preview = fields.Html(
        string="Journal items to post", compute="_compute_entry_preview", sanitize=False
    )

    def _collection_preview_vals(self):
        """The account.move values the action would create; a UserError says why it would refuse."""
        return []

    def _compute_entry_preview(self):
        for wizard in self:
            error, entries = False, []
            try:
                vals_list = wizard._collection_preview_vals()
            except UserError as exc:
                error, vals_list = exc.args[0], []
            for vals in vals_list:
                entries.append(wizard._collection_preview_entry(vals))
            wizard.entry_preview = self.env["ir.qweb"]._render(
                "account_collection.collection_entry_preview", {"entries": entries, "error": error}
            )

    def _collection_preview_entry(self, vals):
        company = self.env["res.company"].browse(vals["company_id"])
        lines = []
        for command in vals["line_ids"]:
            line = command[2]
            currency = self.env["res.currency"].browse(line.get("currency_id")) or company.currency_id
            balance = line["balance"]
            lines.append(
                {
                    "account": self.env["account.account"].browse(line["account_id"]).display_name,
                    "partner": self.env["res.partner"].browse(line.get("partner_id")).display_name or "",
                    "label": line.get("name") or "",
                    "debit": balance if balance > 0 else 0.0,
                    "credit": -balance if balance < 0 else 0.0,
                    # The amount in the invoice's currency, where it is not the company's.
                    "amount_currency": line["amount_currency"] if currency != company.currency_id else None,
                    "currency": currency,
                }
            )
        return {
            "ref": vals.get("ref"),
            "date": vals.get("date"),
            "journal": self.env["account.journal"].browse(vals.get("journal_id")).display_name,
            "currency": company.currency_id,
            "lines": lines,
            "debit": sum(line["debit"] for line in lines),
            "credit": sum(line["credit"] for line in lines),
        }
