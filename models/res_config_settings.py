from odoo import fields, models


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    collection_policy_id = fields.Many2one(
        related="company_id.collection_policy_id",
        readonly=False,
        check_company=True,
    )
    collection_autopilot = fields.Boolean(related="company_id.collection_autopilot", readonly=False)
    collection_responsible_id = fields.Many2one(
        related="company_id.collection_responsible_id", readonly=False
    )
    collection_go_live = fields.Selection(related="company_id.collection_go_live", readonly=False)
    collection_started_on = fields.Date(related="company_id.collection_started_on")
    collection_promise_grace_days = fields.Integer(
        related="company_id.collection_promise_grace_days", readonly=False
    )
    collection_journal_id = fields.Many2one(related="company_id.collection_journal_id", readonly=False)
    collection_doubtful_expense_account_id = fields.Many2one(
        related="company_id.collection_doubtful_expense_account_id", readonly=False
    )
    collection_allowance_account_id = fields.Many2one(
        related="company_id.collection_allowance_account_id", readonly=False
    )
    collection_bad_debt_account_id = fields.Many2one(
        related="company_id.collection_bad_debt_account_id", readonly=False
    )
    collection_recovery_account_id = fields.Many2one(
        related="company_id.collection_recovery_account_id", readonly=False
    )
    collection_provision_include_vat = fields.Boolean(
        related="company_id.collection_provision_include_vat", readonly=False
    )
    collection_vat_relief = fields.Selection(related="company_id.collection_vat_relief", readonly=False)
    collection_vat_relief_months = fields.Integer(
        related="company_id.collection_vat_relief_months", readonly=False
    )
    collection_vat_relief_tax_id = fields.Many2one(
        related="company_id.collection_vat_relief_tax_id", readonly=False
    )
    collection_bank_account_id = fields.Many2one(
        related="company_id.collection_bank_account_id",
        readonly=False,
        # The settings have no partner_id: offer the current company's own trusted accounts.
        domain=lambda self: [
            ("partner_id", "=", self.env.company.partner_id.id),
            ("allow_out_payment", "=", True),
        ],
    )
    collection_reply_to = fields.Char(related="company_id.collection_reply_to", readonly=False)
    collection_bcc_responsible = fields.Boolean(
        related="company_id.collection_bcc_responsible", readonly=False
    )
    collection_statement_threshold = fields.Integer(
        related="company_id.collection_statement_threshold", readonly=False
    )
