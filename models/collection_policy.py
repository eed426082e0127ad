from odoo import api, fields, models


class CollectionPolicy(models.Model):
    """How and when unpaid customer invoices are reminded: an ordered list of levels."""

    _name = "collection.policy"
    _description = "Collection Policy"
    _order = "sequence, id"
    _check_company_auto = True

    name = fields.Char(required=True, translate=True)
    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True)
    company_id = fields.Many2one(
        "res.company",
        help="Leave empty to share the policy between all companies.",
    )
    level_ids = fields.One2many("collection.level", "policy_id", string="Levels", copy=True)
    level_count = fields.Integer(compute="_compute_level_count")
    note = fields.Html(translate=True)

    @api.depends("level_ids")
    def _compute_level_count(self):
        for policy in self:
            policy.level_count = len(policy.level_ids)

    def copy_data(self, default=None):
        vals_list = super().copy_data(default=default)
        return [
            dict(vals, name=self.env._("%(name)s (copy)", name=policy.name))
            for policy, vals in zip(self, vals_list, strict=True)
        ]
