"""Payment plans meet hand-overs and insolvencies: each refuses the other's invoices, an
insolvency stops the customer's plans, and the dossier tells the receiver about them."""

from markupsafe import Markup

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools import format_date

from .collection_handover import HANDOVER_ACTIVE_STATES
from .collection_payment_plan import OPEN_PLAN_STATES


class CollectionPaymentPlan(models.Model):
    _inherit = "collection.payment.plan"

    @api.model
    def _check_invoices(self, moves, exclude_plan=None):
        result = super()._check_invoices(moves, exclude_plan=exclude_plan)
        handed_over = moves.filtered(lambda move: move.collection_handover_state in HANDOVER_ACTIVE_STATES)
        if handed_over:
            raise UserError(
                self.env._(
                    "%(moves)s are handed over to %(receiver)s: the receiver collects them now. Take the "
                    "hand-over back (returned) first or leave them out of the plan.",
                    moves=", ".join(handed_over.mapped("display_name")),
                    receiver=handed_over[0].collection_handover_receiver_id.display_name,
                )
            )
        insolvent = self.env["collection.insolvency"]._active_by_company()
        customer = moves.commercial_partner_id[:1]
        if customer.id in insolvent.get(moves.company_id[:1].id, ()):
            raise UserError(
                self.env._(
                    "%(customer)s is insolvent: no payment plan is possible. File the claim with the trustee "
                    "instead (proof of claim on the insolvency).",
                    customer=customer.display_name,
                )
            )
        return result

    @api.model
    def _plans_to_run(self, company):
        # An insolvent customer's plans stop at once (they are cancelled when he is marked): the
        # run never reminds nor breaks one that would still be active.
        plans = super()._plans_to_run(company)
        insolvent = self.env["collection.insolvency"]._active_by_company().get(company.id)
        if insolvent:
            plans = plans.filtered(lambda plan: plan.partner_id.commercial_partner_id.id not in insolvent)
        return plans

    def _stop_for_insolvency(self, insolvency):
        """The customer is insolvent: his plans are cancelled, with a note, and nothing is sent to
        him (the claim goes to the trustee). The reminders do not resume: the insolvency stops them."""
        if not self:
            return
        self._plan_writer().write({"state": "cancelled", "closed_date": insolvency.date})
        for plan in self:
            plan.activity_unlink(["mail.mail_activity_data_todo"])
            plan.message_post(
                body=Markup("%s %s")
                % (
                    self.env._(
                        "Cancelled: the customer was marked insolvent on %(date)s. No instalment is reminded "
                        "any more; what is left (%(amount)s) is part of the claim to file.",
                        date=fields.Date.to_string(insolvency.date),
                        amount=plan.currency_id.format(plan.amount_total - plan.amount_paid),
                    ),
                    insolvency._get_html_link(),
                )
            )


class CollectionInsolvency(models.Model):
    _inherit = "collection.insolvency"

    @api.model_create_multi
    def create(self, vals_list):
        records = super().create(vals_list)
        Plan = self.env["collection.payment.plan"].sudo()
        for insolvency in records:
            Plan.search(
                [
                    ("company_id", "=", insolvency.company_id.id),
                    ("partner_id", "=", insolvency.partner_id.commercial_partner_id.id),
                    ("state", "in", OPEN_PLAN_STATES),
                ]
            )._stop_for_insolvency(insolvency)
        return records


class AccountMove(models.Model):
    _inherit = "account.move"

    def _collection_handover_refusal(self, handover=None):
        refusal = super()._collection_handover_refusal(handover=handover)
        if not refusal and self.collection_payment_plan_id:
            return self.env._(
                "in the active payment plan %(plan)s: cancel the plan first (or wait until it breaks)",
                plan=self.collection_payment_plan_id.name,
            )
        return refusal


class CollectionHandover(models.Model):
    _inherit = "collection.handover"

    def _dossier_values(self):
        values = super()._dossier_values()
        states = dict(self.env["collection.payment.plan"]._fields["state"]._description_selection(self.env))
        plans = (
            self.env["collection.payment.plan"]
            .sudo()
            .search(
                [
                    ("company_id", "=", self.company_id.id),
                    ("partner_id", "=", self.partner_id.commercial_partner_id.id),
                    ("state", "!=", "draft"),
                ],
                order="create_date, id",
            )
        )
        for plan in plans:
            values["history"].append(
                {
                    "date": plan.create_date.date(),
                    "kind": self.env._("Payment plan"),
                    "what": self.env._(
                        "%(plan)s: %(amount)s in %(count)s instalments, %(paid)s paid",
                        plan=plan.name,
                        amount=plan.currency_id.format(plan.amount_total),
                        count=len(plan.line_ids.filtered(lambda line: not line.is_down_payment)),
                        paid=plan.currency_id.format(plan.amount_paid),
                    ),
                    "channels": "",
                    "amount": plan.currency_id.format(plan.amount_total),
                    "state": states.get(plan.state, ""),
                }
            )
        values["history"].sort(key=lambda row: row["date"])
        return values


class ResPartner(models.Model):
    _inherit = "res.partner"

    @api.depends_context("company")
    def _compute_collection_next_action(self):
        """The cockpit's next action says why nothing is sent when the decision finds everything
        overdue paused by an insolvency, a hand-over or a payment plan, and what to do instead."""
        result = super()._compute_collection_next_action()
        company = self.env.company
        customers = self.commercial_partner_id
        handovers = {
            handover.partner_id: handover
            for handover in self.env["collection.handover"]
            .sudo()
            .search(
                [
                    ("company_id", "=", company.id),
                    ("partner_id", "in", customers.ids),
                    ("state", "in", HANDOVER_ACTIVE_STATES),
                ],
                order="date, id",
            )
        }
        for partner in self:
            customer = partner.commercial_partner_id
            insolvency = customer.sudo().collection_insolvency_id
            reason = partner.collection_pause_reason
            paused = partner.collection_next_reason == "items_paused"
            if insolvency:
                text = (
                    self.env._(
                        "Insolvent since %(date)s: no reminders nor plans; file the claim with the trustee by "
                        "%(deadline)s.",
                        date=format_date(self.env, insolvency.date),
                        deadline=format_date(self.env, insolvency.claim_deadline),
                    )
                    if insolvency.claim_deadline
                    else self.env._(
                        "Insolvent since %(date)s: no reminders nor plans; file the claim with the trustee.",
                        date=format_date(self.env, insolvency.date),
                    )
                )
            elif paused and reason == "handover" and customer in handovers:
                handover = handovers[customer]
                text = self.env._(
                    "Handed over to %(receiver)s (%(handover)s): record what they recover.",
                    receiver=handover.receiver_id.display_name,
                    handover=handover.name,
                )
            elif paused and reason == "payment_plan" and customer.sudo().collection_plan_id:
                plan = customer.sudo().collection_plan_id
                if plan.at_risk:
                    text = self.env._(
                        "Payment plan %(plan)s at risk: %(amount)s of instalments overdue; call the customer "
                        "before it breaks.",
                        plan=plan.name,
                        amount=plan.currency_id.format(plan.amount_overdue),
                    )
                else:
                    text = self.env._(
                        "Payment plan %(plan)s: next instalment of %(amount)s on %(date)s.",
                        plan=plan.name,
                        amount=plan.currency_id.format(plan.next_amount),
                        date=format_date(self.env, plan.next_date),
                    )
            else:
                continue
            partner.collection_next_action = text
        return result
