from odoo import api, fields, models


class ResPartner(models.Model):
    _inherit = "res.partner"

    collection_pause_reason = fields.Selection(selection_add=[("payment_plan", "In payment plan")])
    collection_payment_plan_ids = fields.One2many(
        "collection.payment.plan", "partner_id", string="Payment plans", readonly=True
    )
    collection_plan_id = fields.Many2one(
        "collection.payment.plan",
        string="Active payment plan",
        compute="_compute_collection_plan",
    )
    collection_plan_next_date = fields.Date(string="Next instalment", compute="_compute_collection_plan")
    collection_plan_next_amount = fields.Monetary(
        string="Next instalment amount",
        compute="_compute_collection_plan",
        currency_field="collection_plan_currency_id",
    )
    collection_plan_overdue_amount = fields.Monetary(
        string="Instalments overdue",
        compute="_compute_collection_plan",
        currency_field="collection_plan_currency_id",
    )
    collection_plan_currency_id = fields.Many2one("res.currency", compute="_compute_collection_plan")
    collection_plan_at_risk = fields.Boolean(
        string="Plan at risk",
        compute="_compute_collection_plan",
        search="_search_collection_plan_at_risk",
        help="An instalment of the customer's active payment plan is past its date and not paid in full.",
    )

    @api.depends_context("company")
    def _compute_collection_plan(self):
        plans = (
            self.env["collection.payment.plan"]
            .sudo()
            .search(
                [
                    ("company_id", "=", self.env.company.id),
                    ("partner_id", "in", self.commercial_partner_id.ids),
                    ("state", "=", "active"),
                ],
                order="next_date, id",
            )
        )
        first = {}
        for plan in plans:
            first.setdefault(plan.partner_id.id, plan)
        for partner in self:
            plan = first.get(partner.commercial_partner_id.id, plans.browse())
            partner.collection_plan_id = plan
            partner.collection_plan_next_date = plan.next_date
            partner.collection_plan_next_amount = plan.next_amount
            partner.collection_plan_overdue_amount = plan.amount_overdue
            partner.collection_plan_currency_id = plan.currency_id
            partner.collection_plan_at_risk = plan.at_risk

    def _search_collection_plan_at_risk(self, operator, value):
        if operator not in ("in", "not in"):
            return NotImplemented
        plans = (
            self.env["collection.payment.plan"]
            .sudo()
            .search(
                [("company_id", "=", self.env.company.id), ("state", "=", "active"), ("at_risk", "=", True)]
            )
        )
        positive = (operator == "in") == (True in value)
        return [("id", "in" if positive else "not in", plans.partner_id.ids)]

    def action_collection_payment_plan(self):
        """Open the payment plan wizard on the customer's open invoices."""
        return self.env["collection.payment.plan.create"]._action_open(self.commercial_partner_id[:1])
