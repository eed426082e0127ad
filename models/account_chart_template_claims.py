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
        res = super()._collection_setup_company(company, template_code)
        self._collection_create_accounts(
            company,
            template_code,
            [
                (field, code, {"name": name, "account_type": "income_other"})
                for field, name, code in CLAIM_ACCOUNTS
            ],
            CLAIM_CODES,
        )
        return res
