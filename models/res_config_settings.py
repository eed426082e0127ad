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
    collection_promise_grace_days = fields.Integer(
        related="company_id.collection_promise_grace_days", readonly=False
    )
    collection_bank_account_id = fields.Many2one(
        related="company_id.collection_bank_account_id",
        readonly=False,
        # The settings have no partner_id: offer the current company's own accounts.
        domain=lambda self: [("partner_id", "=", self.env.company.partner_id.id)],
    )
