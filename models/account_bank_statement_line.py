from odoo import api, models


class AccountBankStatementLine(models.Model):
    _inherit = "account.bank.statement.line"

    @api.model_create_multi
    def create(self, vals_list):
        # A payment quoting the RF reference of a reminder or statement names its customer even
        # when the bank did not: give the line that partner, so that reconciliation proposes the
        # customer's open invoices. One query for the whole import, only for lines with a reference.
        Communication = self.env["collection.communication"]
        found = {}
        for index, vals in enumerate(vals_list):
            if not vals.get("partner_id") and vals.get("payment_ref"):
                decoded = Communication._decode_payment_reference(vals["payment_ref"])
                if decoded and decoded[1] in self.env.companies.ids:
                    found[index] = decoded[2]
        if found:
            existing = set(self.env["res.partner"].browse(set(found.values())).exists().ids)
            for index, partner_id in found.items():
                if partner_id in existing:
                    vals_list[index]["partner_id"] = partner_id
        return super().create(vals_list)
