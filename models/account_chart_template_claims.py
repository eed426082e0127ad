from odoo import models

# Income accounts of the charge invoices, created where the company has none:
# (field, name, code for a 4-digit chart). NL income is class 8, French income class 7.
CLAIM_ACCOUNTS = [
    ("collection_interest_account_id", "Late-payment interest and compensation", "4540"),
    ("collection_fee_account_id", "Collection fees charged", "4550"),
]
CLAIM_CODES = {
    "nl": {"collection_interest_account_id": "8410", "collection_fee_account_id": "8420"},
    "fr": {"collection_interest_account_id": "763100", "collection_fee_account_id": "708800"},
}


class AccountChartTemplate(models.AbstractModel):
    _inherit = "account.chart.template"

    def _collection_setup_company(self, company, template_code=None):
        super()._collection_setup_company(company, template_code)
        company = company.sudo()
        template_code = template_code or company.chart_template
        if not template_code:
            return
        codes = self.sudo().with_company(company)._get_parent_template(template_code) or [template_code]
        new_codes = {}
        for code in reversed(codes):
            new_codes.update(CLAIM_CODES.get(code, {}))
        Account = self.env["account.account"].sudo().with_company(company)
        receivable = Account.search(
            [("company_ids", "in", company.id), ("account_type", "=", "asset_receivable")], limit=1
        )
        digits = len(receivable.code or "")
        vals = {}
        for field, name, generic_code in CLAIM_ACCOUNTS:
            if company[field]:
                continue
            code = (new_codes.get(field) or generic_code).ljust(max(digits, 4), "0")
            if Account.search_count([("code", "=", code), ("company_ids", "in", company.id)], limit=1):
                code = Account._search_new_account_code(code)
            vals[field] = Account.create(
                {"name": name, "code": code, "account_type": "income_other", "company_ids": [company.id]}
            ).id
        if vals:
            company.write(vals)
