from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError

END_ACTIONS = [
    ("call", "Call the customer"),
    ("handover", "Hand over to a collection agency or lawyer"),
    ("doubtful", "Book a doubtful-debt provision"),
]


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
    min_interval_days = fields.Integer(
        string="Minimum interval",
        default=4,
        required=True,
        help="Days that at least separate two reminders to one customer, whatever his invoices: a "
        "customer climbs one level at a time, and no faster than this.",
    )
    minimum_amount = fields.Float(
        string="Minimum amount",
        digits="Account",
        help="A customer is reminded only when what he owes overdue, net of his credit notes and "
        "unallocated payments, is above this amount (in company currency).",
    )
    end_action = fields.Selection(
        END_ACTIONS,
        string="After the last level",
        default="call",
        required=True,
        help="What the cockpit suggests for a customer who received every level and still owes.",
    )
    customer_count = fields.Integer(compute="_compute_customer_count", string="Customers")
    note = fields.Html(translate=True)

    _min_interval_positive = models.Constraint(
        "CHECK(min_interval_days >= 1)",
        "The minimum interval between two reminders is at least one day.",
    )

    @api.depends("level_ids")
    def _compute_level_count(self):
        for policy in self:
            policy.level_count = len(policy.level_ids)

    @api.depends_context("company")
    def _compute_customer_count(self):
        Partner = self.env["res.partner"].with_company(self.env.company)
        counts = dict(
            Partner._read_group(
                [("collection_policy_id", "in", self.ids)], ["collection_policy_id"], ["__count"]
            )
        )
        for policy in self:
            policy.customer_count = counts.get(policy, 0)

    @api.constrains("minimum_amount")
    def _check_minimum_amount(self):
        if any(policy.minimum_amount < 0 for policy in self):
            raise ValidationError(self.env._("The minimum amount of a policy cannot be negative."))

    def copy_data(self, default=None):
        vals_list = super().copy_data(default=default)
        return [
            dict(vals, name=self.env._("%(name)s (copy)", name=policy.name))
            for policy, vals in zip(self, vals_list, strict=True)
        ]

    def _end_action_text(self):
        self.ensure_one()
        return dict(self._fields["end_action"]._description_selection(self.env)).get(self.end_action, "")

    def write(self, vals):
        if "active" in vals and not vals["active"]:
            self.filtered("active")._check_can_archive()
        return super().write(vals)

    def _check_can_archive(self):
        """A company's default policy cannot be archived; the customers of an archived policy fall
        back to their company's default (the policy form warns how many there are)."""
        defaults = self.env["res.company"].sudo().search([("collection_policy_id", "in", self.ids)])
        if defaults:
            raise UserError(
                self.env._(
                    "The policy “%(policy)s” is the default collection policy of %(companies)s: choose another "
                    "default policy in the Accounting settings (block Collections) before archiving it.",
                    policy=defaults[0].collection_policy_id.name,
                    companies=", ".join(defaults.mapped("name")),
                )
            )
        # Move the customers to their company's default, and say so in their chatter.
        Partner = self.env["res.partner"].sudo()
        for company in self.env["res.company"].sudo().search([("active", "in", (True, False))]):
            partners = Partner.with_company(company).search([("collection_policy_id", "in", self.ids)])
            if not partners:
                continue
            partners.collection_policy_id = False
            partners._message_log_batch(
                bodies={
                    partner.id: self.env._(
                        "Collection policy archived: reminders follow the default policy of %(company)s.",
                        company=company.name,
                    )
                    for partner in partners
                }
            )
