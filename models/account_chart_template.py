from odoo import models

# Accounts of the localised charts that fit the collection settings, by chart template code
# (a child template such as be_comp inherits the mapping of its parent "be").
# Keys: the res.company field; values: the xml id of the account in the template.
COLLECTION_ACCOUNTS = {
    "nl": {
        "collection_allowance_account_id": "1160",  # Voorziening dubieuze debiteuren
        "collection_doubtful_expense_account_id": "4550",  # Afschrijving dubieuze debiteuren
        "collection_bad_debt_account_id": "4550",
    },
    "de_skr03": {
        "collection_allowance_account_id": "account_0998",  # Einzelwertberichtigungen
        "collection_doubtful_expense_account_id": "account_2451",  # Einstellungen in die EWB
        "collection_bad_debt_account_id": "account_2400",  # Forderungsverluste
        "collection_recovery_account_id": "account_2732",  # Erträge aus abgeschriebenen Forderungen
    },
    "de_skr04": {
        "collection_allowance_account_id": "chart_skr04_1246",
        "collection_doubtful_expense_account_id": "chart_skr04_6923",
        "collection_bad_debt_account_id": "chart_skr04_6930",
        "collection_recovery_account_id": "chart_skr04_4925",
    },
    "be": {
        "collection_allowance_account_id": "a409",  # Créances commerciales - réductions de valeur
        "collection_doubtful_expense_account_id": "a6340",  # Réductions de valeur - dotations
        "collection_bad_debt_account_id": "a642",  # Moins-values sur réalisation de créances
        "collection_recovery_account_id": "a742",  # Plus-values sur réalisation de créances
    },
    "fr": {
        "collection_allowance_account_id": "pcg_491",  # Dépréciations des comptes de clients
        "collection_doubtful_expense_account_id": "pcg_68174",  # Dotations aux dépréciations
        "collection_bad_debt_account_id": "pcg_6541",  # Créances irrécouvrables de l'exercice
    },
    "uk": {
        "collection_allowance_account_id": "215000",  # Bad debt provision
        "collection_doubtful_expense_account_id": "785000",  # Bad debts
        "collection_bad_debt_account_id": "785000",
    },
}

# VAT relief by chart (DESIGN "Law in figures"): NL one year after the due date, UK six months;
# Germany, Belgium and France correct the VAT once the debt is written off as uncollectible.
COLLECTION_VAT_RELIEF = {
    "nl": ("delay", 12),
    "uk": ("delay", 6),
    "de_skr03": ("write_off", 0),
    "de_skr04": ("write_off", 0),
    "be": ("write_off", 0),
    "fr": ("write_off", 0),
}

# Accounts created where the chart has none: (field, name, account type, code for a 4-digit chart).
# Charts with longer codes get the code padded with zeros (1290 -> 129000).
COLLECTION_NEW_ACCOUNTS = [
    ("collection_allowance_account_id", "Allowance for doubtful receivables", "asset_current", "1290"),
    ("collection_doubtful_expense_account_id", "Doubtful-debt expense", "expense", "6520"),
    ("collection_bad_debt_account_id", "Bad-debt expense", "expense", "6530"),
    ("collection_recovery_account_id", "Bad debts recovered", "income_other", "4520"),
]
# Where the generic codes clash with the chart's numbering (NL income is class 8, UK 4xxxxx
# sales are followed by interest at 49xxxx, French income is class 7).
COLLECTION_NEW_CODES = {
    "nl": {"collection_recovery_account_id": "8095"},
    "uk": {"collection_recovery_account_id": "495000"},
    "fr": {"collection_recovery_account_id": "771400"},  # PCG 7714 Rentrées sur créances amorties
}


class AccountChartTemplate(models.AbstractModel):
    _inherit = "account.chart.template"

    def _post_load_data(self, template_code, company, template_data):
        res = super()._post_load_data(template_code, company, template_data)
        self._collection_setup_company(company, template_code)
        return res

    def _collection_setup_company(self, company, template_code=None):
        """Fill the collection settings of `company` that are still empty.

        Accounts of the localised chart are used where they fit; the others are created. Existing
        settings are never overwritten, so reloading a chart keeps the administrator's choices.
        """
        company = company.sudo()
        template_code = template_code or company.chart_template
        if not template_code:
            return
        chart = self.sudo().with_company(company)
        codes = chart._get_parent_template(template_code) or [template_code]
        mapping, relief, new_codes = {}, None, {}
        # From the most generic parent to the chart itself, so the child wins.
        for code in reversed(codes):
            mapping.update(COLLECTION_ACCOUNTS.get(code, {}))
            new_codes.update(COLLECTION_NEW_CODES.get(code, {}))
            relief = COLLECTION_VAT_RELIEF.get(code, relief)

        vals = {}
        if not company.collection_journal_id:
            vals["collection_journal_id"] = (
                self.env["account.journal"]
                .search(
                    [("company_id", "=", company.id), ("type", "=", "general")], order="sequence, id", limit=1
                )
                .id
            )
        first_setup = not company.collection_allowance_account_id
        digits = self._collection_code_digits(company)
        for field, name, account_type, generic_code in COLLECTION_NEW_ACCOUNTS:
            if company[field]:
                continue
            account = chart.ref(mapping[field], raise_if_not_found=False) if field in mapping else None
            if not account:
                account = self._collection_new_account(
                    company,
                    new_codes.get(field) or generic_code,
                    digits,
                    {"name": name, "account_type": account_type},
                )
            vals[field] = account.id
        if relief and first_setup:
            vals["collection_vat_relief"], vals["collection_vat_relief_months"] = relief
        company.write(vals)

    def _collection_code_digits(self, company):
        """How many digits the chart's codes have (that of a receivable account; 0 if none)."""
        receivable = (
            self.env["account.account"]
            .sudo()
            .with_company(company)
            .search([("company_ids", "in", company.id), ("account_type", "=", "asset_receivable")], limit=1)
        )
        return len(receivable.code or "")

    def _collection_new_account(self, company, code, digits, vals):
        """Create an account of `company` with `vals` at `code` (a 4-digit code, padded with zeros to the
        chart's `digits`; the next free code if it is taken)."""
        Account = self.env["account.account"].sudo().with_company(company)
        code = code.ljust(max(digits, 4), "0")
        if Account.search_count([("code", "=", code), ("company_ids", "in", company.id)], limit=1):
            code = Account._search_new_account_code(code)
        return Account.create({**vals, "code": code, "company_ids": [company.id]})

    def _collection_create_accounts(self, company, template_code, accounts, codes_by_chart):
        """Create the accounts of `company` still missing and set them on it.

        `accounts`: [(company field, code for a 4-digit chart, account values)]; `codes_by_chart`:
        {chart template code: {field: code}} where the generic codes clash with the chart's numbering
        (a child template inherits its parent's codes). Accounts already set are kept.
        """
        company = company.sudo()
        template_code = template_code or company.chart_template
        if not template_code:
            return
        codes = self.sudo().with_company(company)._get_parent_template(template_code) or [template_code]
        new_codes = {}
        for code in reversed(codes):
            new_codes.update(codes_by_chart.get(code, {}))
        digits = self._collection_code_digits(company)
        vals = {}
        for field, generic_code, account_vals in accounts:
            if company[field]:
                continue
            vals[field] = self._collection_new_account(
                company, new_codes.get(field) or generic_code, digits, account_vals
            ).id
        if vals:
            company.write(vals)
