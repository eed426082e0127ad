from odoo import fields, models


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
    collection_promise_grace_days = fields.Integer(
        string="Promise grace period",
        default=3,
        help="Days after a promised payment date before the promise counts as broken.",
    )
    collection_bank_account_id = fields.Many2one(
        "res.partner.bank",
        string="Bank account on reminders",
        domain="[('partner_id', '=', partner_id)]",
        help="The account customers are asked to pay to on letters, emails and statements; by default "
        "the company's first bank account.",
    )
