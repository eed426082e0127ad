from odoo import api, models


class AccountBankStatementLine(models.Model):
    _inherit = "account.bank.statement.line"

    @api.model_create_multi
    def create(self, vals_list):
        # A payment quoting the RF reference of a reminder or statement names its customer even
        # when the bank did not: give the line that partner, so that reconciliation proposes the
        # customer's open invoices. The reference is made of database ids, so any payer can quote
        # any customer: it is only a suggestion, for a customer of the statement journal's own
        # company that the user may see, and a label never makes the import fail.
        # One query for the journals and one for the partners, only for lines with a reference.
        Communication = self.env["collection.communication"]
        found = {}
        for index, vals in enumerate(vals_list):
            if not vals.get("partner_id") and isinstance(vals.get("payment_ref"), str):
                decoded = Communication._decode_payment_reference(vals["payment_ref"])
                if decoded:
                    found[index] = decoded[1:]
        if found:
            journal_ids = {index: self._collection_journal_id(vals_list[index]) for index in found}
            journals = self.env["account.journal"].sudo().browse(set(journal_ids.values()) - {False}).exists()
            company_of = {journal.id: journal.company_id.id for journal in journals}
            company_ids = set(company_of.values())
            partners = self.env["res.partner"].search(
                [
                    ("id", "in", list({partner_id for _company_id, partner_id in found.values()})),
                    ("company_id", "in", [False, *company_ids]),
                ]
            )
            partner_company = {partner.id: partner.company_id.id for partner in partners}
            for index, (company_id, partner_id) in found.items():
                journal_company = company_of.get(journal_ids[index])
                if (
                    company_id == journal_company
                    and partner_id in partner_company
                    and partner_company[partner_id] in (False, journal_company)
                ):
                    vals_list[index]["partner_id"] = partner_id
        return super().create(vals_list)

    @api.model
    def _collection_journal_id(self, vals):
        """The journal a new statement line goes to, as Odoo itself would find it."""
        if vals.get("journal_id"):
            return vals["journal_id"]
        if vals.get("statement_id"):
            return self.env["account.bank.statement"].sudo().browse(vals["statement_id"]).journal_id.id
        return self.env.context.get("default_journal_id", False)
