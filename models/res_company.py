from odoo import api, fields, models
from odoo.exceptions import ValidationError


class ResCompany(models.Model):
    _inherit = "res.company"

    def _default_collection_policy(self):
        return self.env.ref("account_collection.collection_policy_standard", raise_if_not_found=False)

    collection_policy_id = fields.Many2one(
        "collection.policy",
        string="Default collection policy",
        default=lambda self: self._default_collection_policy(),
        check_company=True,
        help="Policy of the customers that have none of their own.",
    )
    collection_autopilot = fields.Boolean(
        string="Collections autopilot",
        default=True,
        help="Send the reminders of the collection policies every day, without anyone clicking.",
    )
    collection_responsible_id = fields.Many2one(
        "res.users",
        string="Default collections responsible",
        help="Receives the call tasks and alerts of customers without a responsible or salesperson.",
    )
    collection_go_live = fields.Selection(
        [
            ("first", "Start every customer at the first reminder"),
            ("catch_up", "Catch up: start at the level the oldest invoice reached"),
        ],
        string="First run over an existing book",
        default="first",
        required=True,
        help="How the autopilot's first run treats customers whose invoices are already long overdue. "
        "First reminder (recommended): everyone starts at the first level after the due date and climbs "
        "one level per interval, so no text refers to reminders that were never sent. Catch up: each "
        "customer starts at the level his oldest overdue invoice reached (applies to the first run only).",
    )
    collection_started_on = fields.Date(
        string="Autopilot started on",
        readonly=True,
        copy=False,
        help="Day of the autopilot's first run for this company.",
    )
    collection_promise_grace_days = fields.Integer(
        string="Promise grace period",
        default=3,
        help="Days after a promised payment date before the promise counts as broken.",
    )

    # Doubtful debts and bad-debt write-offs (entries of the accountant).
    collection_journal_id = fields.Many2one(
        "account.journal",
        string="Collection entries journal",
        check_company=True,
        domain="[('type', '=', 'general')]",
        help="Miscellaneous journal of the provision, write-off and recovery entries.",
    )
    collection_doubtful_expense_account_id = fields.Many2one(
        "account.account",
        string="Doubtful-debt expense account",
        check_company=True,
        help="Debited by doubtful-debt provisions (credited when they are released).",
    )
    collection_allowance_account_id = fields.Many2one(
        "account.account",
        string="Allowance for doubtful receivables",
        check_company=True,
        help="Contra-receivable account credited by provisions and consumed by write-offs. "
        "Never a receivable account: the allowance is not owed by a customer.",
    )
    collection_bad_debt_account_id = fields.Many2one(
        "account.account",
        string="Bad-debt expense account",
        check_company=True,
        help="Debited by write-offs for the part that no provision covers.",
    )
    collection_recovery_account_id = fields.Many2one(
        "account.account",
        string="Bad-debt recovered income account",
        check_company=True,
        help="Credited when a customer pays an invoice that was written off.",
    )
    collection_provision_include_vat = fields.Boolean(
        string="Provisions include VAT",
        help="Provision the invoice's residual with its VAT. Leave unticked where the VAT is "
        "recovered separately by VAT relief (the usual case).",
    )
    collection_vat_relief = fields.Selection(
        [
            ("none", "No VAT relief"),
            ("write_off", "On write-off"),
            ("delay", "Some months after the due date"),
        ],
        string="VAT relief on bad debts",
        default="none",
        required=True,
        help="When the output VAT of an unpaid invoice may be reclaimed by a write-off.",
    )
    collection_vat_relief_months = fields.Integer(
        string="VAT relief after (months)",
        help="Months after the due date (or the invoice date, if later) before VAT relief is allowed: "
        "12 in the Netherlands, 6 in the United Kingdom.",
    )
    collection_vat_relief_tax_id = fields.Many2one(
        "account.tax",
        string="VAT relief fallback tax",
        check_company=True,
        domain="[('type_tax_use', '=', 'sale')]",
        help="Only for invoices without tax lines of their own (e.g. imported as one total): the VAT "
        "share of their residual is computed at this tax's rate. Other invoices reverse their own "
        "output tax lines pro rata.",
    )
    collection_bank_account_id = fields.Many2one(
        "res.partner.bank",
        string="Bank account on reminders",
        domain="[('partner_id', '=', partner_id), ('allow_out_payment', '=', True)]",
        help="The account customers are asked to pay to on letters, emails and statements; by default "
        "the one printed on the invoices, else the company's first bank account trusted for payments.",
    )

    # Reminder emails
    collection_reply_to = fields.Char(
        string="Collections reply-to",
        help="Where customers' replies to reminder emails go (e.g. collections@example.com); by default "
        "the company's email address.",
    )
    collection_bcc_responsible = fields.Boolean(
        string="Copy to the responsible",
        help="Send the responsible collector a blind copy of every reminder email.",
    )
    collection_statement_threshold = fields.Integer(
        string="Statement above",
        default=5,
        help="A reminder email listing more invoices than this attaches one statement PDF instead of "
        "one PDF per invoice.",
    )

    @api.constrains("collection_bank_account_id")
    def _check_collection_bank_account_id(self):
        for company in self:
            bank = company.collection_bank_account_id
            if bank and (bank.partner_id != company.partner_id or not bank.allow_out_payment):
                raise ValidationError(
                    self.env._(
                        "The bank account %(number)s cannot be printed on the reminders of %(company)s: choose "
                        "one of the company's own bank accounts that an accounting administrator has verified "
                        "and marked Trusted.",
                        number=bank.acc_number,
                        company=company.name,
                    )
                )
