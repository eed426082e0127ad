from odoo import api, fields, models
from odoo.exceptions import UserError


class AccountMove(models.Model):
    _inherit = "account.move"

    collection_payment_plan_ids = fields.Many2many(
        "collection.payment.plan",
        "collection_payment_plan_account_move_rel",
        "account_move_id",
        "collection_payment_plan_id",
        string="Payment plans",
        copy=False,
        readonly=True,
    )
    collection_payment_plan_id = fields.Many2one(
        "collection.payment.plan",
        string="Payment plan",
        compute="_compute_collection_payment_plan_id",
        store=True,
        index="btree_not_null",
        help="The active payment plan that covers this invoice: no ordinary reminders while it runs.",
    )
    collection_pause_reason = fields.Selection(selection_add=[("payment_plan", "In payment plan")])
    collection_status = fields.Selection(selection_add=[("payment_plan", "In payment plan")])

    @api.depends("collection_payment_plan_ids.state")
    def _compute_collection_payment_plan_id(self):
        for move in self:
            move.collection_payment_plan_id = move.collection_payment_plan_ids.filtered(
                lambda plan: plan.state == "active"
            )[:1]

    def _check_draftable(self):
        result = super()._check_draftable()
        planned = self.filtered("collection_payment_plan_id")
        if planned:
            raise UserError(
                self.env._(
                    "%(invoices)s are covered by the payment plan %(plan)s: cancel the plan before resetting them "
                    "to draft.",
                    invoices=", ".join(planned.mapped("display_name")),
                    plan=planned[0].collection_payment_plan_id.name,
                )
            )
        return result

    @api.model
    def _collection_pause_domains(self, today):
        domains = super()._collection_pause_domains(today)
        domains["payment_plan"] = [("collection_payment_plan_id", "!=", False)]
        return domains

    @api.depends("collection_payment_plan_id")
    def _compute_collection_pause(self):
        result = super()._compute_collection_pause()
        for move in self:
            if move.collection_payment_plan_id and not move.collection_pause_reason:
                move.collection_pause_reason = "payment_plan"
        return result

    @api.depends("collection_payment_plan_id")
    def _compute_collection_amounts(self):
        result = super()._compute_collection_amounts()
        # A provision or a write-off says more about the invoice than its plan.
        for move in self:
            if move.collection_payment_plan_id and not move.collection_status:
                move.collection_status = "payment_plan"
        return result
