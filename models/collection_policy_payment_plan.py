from odoo import fields, models


class CollectionPolicy(models.Model):
    _inherit = "collection.policy"

    payment_plan_grace_days = fields.Integer(
        string="Plan grace days",
        default=7,
        help="Days an instalment may stay unpaid after its date before the plan breaks (the default of new "
        "plans).",
    )
    payment_plan_courtesy_days = fields.Integer(
        string="Instalment courtesy email",
        default=3,
        help="Days before each instalment that the customer is reminded of it.",
    )
    payment_plan_reminder_days = fields.Integer(
        string="Instalment reminder",
        default=1,
        help="Days after an unpaid instalment that the customer is reminded of it.",
    )
    payment_plan_resume_level_id = fields.Many2one(
        "collection.level",
        string="Broken plan resumes at",
        domain="[('policy_id', '=', id), ('offset_days', '>', 0)]",
        help="The level the customer receives at once when his payment plan breaks; empty: the first level.",
    )
