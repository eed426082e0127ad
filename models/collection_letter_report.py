from odoo import api, models


class ReportCollectionLetter(models.AbstractModel):
    """Reminder letters: refuse to render a letter that could not be posted or paid."""

    _name = "report.account_collection.report_collection_letter"
    _description = "Collections reminder letter"

    @api.model
    def _get_report_values(self, docids, data=None):
        docs = self.env["collection.communication"].browse(docids)
        # Whichever way the letter is printed (queue, print menu, preview), a letter without
        # a postal address or a usable bank account is refused with what to fix.
        docs._check_letter_printable()
        return {"doc_ids": docids, "doc_model": "collection.communication", "docs": docs}


class ReportCollectionStatement(models.AbstractModel):
    _name = "report.account_collection.report_collection_statement"
    _description = "Collections customer statement"

    @api.model
    def _get_report_values(self, docids, data=None):
        docs = self.env["res.partner"].browse(docids)
        # A statement asking for money must say where to pay it, to an account the company trusts.
        docs._collection_check_statement_payable()
        return {
            "doc_ids": docids,
            "doc_model": "res.partner",
            "docs": docs,
            "today": (data or {}).get("date"),
        }
