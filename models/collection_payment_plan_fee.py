from odoo import Command, api, fields, models
from odoo.exceptions import AccessError, UserError

from .collection_payment_plan import PLAN_WRITE, PLAN_WRITE_KEY

# The fee is part of the terms the customer accepts: it changes only through the plan's methods.
FEE_FIELDS = frozenset({"fee_amount", "fee_total", "fee_move_id"})


class CollectionPaymentPlan(models.Model):
    """An optional fixed plan fee, charged as the fees of late payment are: a charge invoice with
    the Collection fee product (its account and tax from the Collections settings), issued once
    when the plan becomes active, covered by the plan and counted in its total and schedule. The
    covered invoices are never changed."""

    _inherit = "collection.payment.plan"

    fee_amount = fields.Monetary(
        string="Plan fee",
        readonly=True,
        help="Fixed fee for the plan, before tax, charged once it is active.",
    )
    fee_total = fields.Monetary(
        string="Plan fee incl. tax", readonly=True, help="What the plan fee costs the customer, tax included."
    )
    fee_move_id = fields.Many2one(
        "account.move", string="Fee invoice", readonly=True, copy=False, check_company=True
    )

    def write(self, vals):
        if FEE_FIELDS & set(vals) and self.env.context.get(PLAN_WRITE_KEY) is not PLAN_WRITE:
            raise AccessError(
                self.env._(
                    "The plan fee of a payment plan is set when the plan is made and charged once it is "
                    "active: make a new plan to change it."
                )
            )
        return super().write(vals)

    def _amount_not_invoiced(self):
        # Until the plan is active the fee is in the total but on no invoice yet.
        return super()._amount_not_invoiced() + (0.0 if self.fee_move_id else self.fee_total)

    @api.depends("fee_move_id", "fee_total")
    def _compute_allocation(self):
        return super()._compute_allocation()

    def _check_fee_settings(self):
        for company in self.filtered("fee_amount").company_id:
            self.env["account.move"]._collection_check_claim_settings(company)

    def action_activate(self):
        self._check_fee_settings()
        result = super().action_activate()
        self._charge_fee()
        return result

    def _accept(self, name, signature, ip):
        self.sudo()._check_fee_settings()
        result = super()._accept(name, signature, ip)
        self.sudo()._charge_fee()
        return result

    def _charge_fee(self):
        """Issue the fee invoice of each active plan that has a fee not charged yet (once)."""
        plans = self.filtered(
            lambda plan: plan.state == "active" and plan.fee_amount and not plan.fee_move_id
        )
        if not plans:
            return self.env["account.move"]
        Move = self.env["account.move"].sudo()
        Claim = self.env["collection.claim"].sudo()
        today = fields.Date.context_today(self)
        charges = Move
        for plan in plans:
            partner = plan.partner_id.commercial_partner_id
            oldest = plan.move_ids.sorted(lambda move: (move.invoice_date_due or move.date, move.id))[:1]
            lang = partner.lang
            text = plan.with_context(lang=lang).env._("Payment plan %(plan)s: plan fee", plan=plan.name)
            claim = {
                "kind": "fee",
                "amount": plan.fee_amount,
                "level_id": False,
                "rule": "payment_plan",
                "date_from": False,
                "date_to": False,
                "rate": 0.0,
                "basis": plan.amount_total - plan.fee_total,
            }
            vals = Move._prepare_collection_charge_vals(
                plan.company_id, partner, plan.currency_id, [(oldest, claim)], today
            )
            vals["invoice_line_ids"][0][2]["name"] = text
            vals["ref"] = text[:250]
            charge = Move._collection_writer().create(vals)
            charge.action_post()
            if plan.currency_id.compare_amounts(charge.amount_total, plan.fee_total):
                raise UserError(
                    self.env._(
                        "The fee invoice of %(plan)s comes to %(amount)s, not the %(fee)s of the agreement: check "
                        "the collection fee tax in the Collections settings.",
                        plan=plan.name,
                        amount=plan.currency_id.format(charge.amount_total),
                        fee=plan.currency_id.format(plan.fee_total),
                    )
                )
            Claim.create(
                {
                    "company_id": plan.company_id.id,
                    "partner_id": partner.id,
                    "move_id": oldest.id,
                    "charge_move_id": charge.id,
                    "kind": "fee",
                    "rule": "payment_plan",
                    "basis": claim["basis"],
                    "amount": plan.fee_amount,
                    "currency_id": plan.currency_id.id,
                    "name": text,
                }
            )
            plan._plan_writer().write({"fee_move_id": charge.id, "move_ids": [Command.link(charge.id)]})
            plan.message_post(
                body=self.env._("Plan fee charged: %(invoice)s.", invoice=charge.name),
            )
            charges |= charge
        return charges
