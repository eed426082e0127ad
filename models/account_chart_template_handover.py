from odoo import models

# Accounts of the hand-over entries, created where the company has none, so that a hand-over to an
# agency, a lawyer or a factor works as soon as a chart is loaded:
# (field, name, account type, reconcile, code for a 4-digit chart).
HANDOVER_ACCOUNTS = [
    ("collection_commission_account_id", "Collection costs", "expense", False, "6560"),
    # A receivable: the factor's payments are matched with it.
    ("collection_factor_receivable_account_id", "Receivable from factor", "asset_receivable", True, "1260"),
    ("collection_factor_reserve_account_id", "Factor reserve", "asset_current", False, "1261"),
    ("collection_factor_fee_account_id", "Factoring fees", "expense", False, "6570"),
    ("collection_factor_liability_account_id", "Liability to factor", "liability_current", False, "2560"),
]
# Where the generic codes clash with the chart's numbering (NL costs are class 4; French PCG:
# 6225 Rémunérations d'affacturage, 6226 Honoraires, 467 Autres comptes débiteurs ou créditeurs).
HANDOVER_CODES = {
    "nl": {
        "collection_commission_account_id": "4560",
        "collection_factor_receivable_account_id": "1360",
        "collection_factor_reserve_account_id": "1361",
        "collection_factor_fee_account_id": "4570",
        "collection_factor_liability_account_id": "1660",
    },
    "fr": {
        "collection_commission_account_id": "622600",
        "collection_factor_receivable_account_id": "467100",
        "collection_factor_reserve_account_id": "467200",
        "collection_factor_fee_account_id": "622500",
        "collection_factor_liability_account_id": "467300",
    },
}


class AccountChartTemplate(models.AbstractModel):
    _inherit = "account.chart.template"

    def _collection_setup_company(self, company, template_code=None):
        """Also the hand-over accounts, for new charts and (from the install hook) existing ones;
        accounts already set are kept."""
        res = super()._collection_setup_company(company, template_code)
        self._collection_create_accounts(
            company,
            template_code,
            [
                (field, code, {"name": name, "account_type": account_type, "reconcile": reconcile})
                for field, name, account_type, reconcile, code in HANDOVER_ACCOUNTS
            ],
            HANDOVER_CODES,
        )
        return res
