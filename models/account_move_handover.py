from odoo import api, fields, models
from odoo.exceptions import UserError

from .account_move import COLLECTION_WRITE, COLLECTION_WRITE_KEY
from .collection_handover import HANDOVER_ACTIVE_STATES, HANDOVER_ROLES

# What links invoices and journal items to a hand-over: set by the hand-over's own methods only
# (and kept by Odoo's reversal of its entries), so that nobody rewrites what was recovered.
HANDOVER_PROTECTED_MOVE_FIELDS = ("collection_handover_id",)
HANDOVER_PROTECTED_LINE_FIELDS = (
    "collection_handover_id",
    "collection_handover_role",
    "collection_handover_invoice_id",
)


class AccountMove(models.Model):
    _inherit = "account.move"

    collection_handover_id = fields.Many2one(
        "collection.handover",
        string="Hand-over",
        copy=False,
        readonly=True,
        index="btree_not_null",
        help="The last hand-over of this invoice to a collection agency, lawyer or factor.",
    )
    collection_handover_state = fields.Selection(
        string="Hand-over state", related="collection_handover_id.state", store=True
    )
    collection_handover_receiver_id = fields.Many2one(
        related="collection_handover_id.receiver_id", string="Handed over to"
    )
    collection_pause_reason = fields.Selection(
        selection_add=[("insolvency", "Customer insolvent"), ("handover", "Handed over"), ("excluded",)]
    )
    collection_status = fields.Selection(selection_add=[("handed_over", "Handed over")])

    @api.model_create_multi
    def create(self, vals_list):
        self._collection_check_protected(self.browse(), vals_list, HANDOVER_PROTECTED_MOVE_FIELDS)
        return super().create(vals_list)

    def write(self, vals):
        self._collection_check_protected(self, [vals], HANDOVER_PROTECTED_MOVE_FIELDS)
        return super().write(vals)

    @api.model
    def _collection_pause_domains(self, today):
        # Insolvency and hand-over come first: they stop everything, whatever else applies.
        insolvent = self.env["collection.insolvency"]._active_by_company()
        if insolvent:
            parts = [
                ["&", ("company_id", "=", company_id), ("commercial_partner_id", "in", partner_ids)]
                for company_id, partner_ids in insolvent.items()
            ]
            insolvency = ["|"] * (len(parts) - 1) + [term for part in parts for term in part]
        else:
            insolvency = [("id", "=", False)]
        return {
            "insolvency": insolvency,
            "handover": [("collection_handover_state", "in", HANDOVER_ACTIVE_STATES)],
            **super()._collection_pause_domains(today),
        }

    @api.depends("collection_handover_state")
    def _compute_collection_pause(self):
        res = super()._compute_collection_pause()
        insolvent = self.env["collection.insolvency"]._active_by_company()
        for move in self:
            if move.commercial_partner_id.id in insolvent.get(move.company_id.id, ()):
                move.collection_pause_reason, move.collection_paused_until = "insolvency", False
            elif move.collection_handover_state in HANDOVER_ACTIVE_STATES:
                move.collection_pause_reason, move.collection_paused_until = "handover", False
        return res

    @api.depends("collection_handover_state")
    def _compute_collection_amounts(self):
        res = super()._compute_collection_amounts()
        # The accounting statuses (provision, write-off) keep precedence: the accountant's actions
        # and the provision matrix rely on them; the hand-over state says the rest.
        for move in self:
            if move.collection_handover_state in HANDOVER_ACTIVE_STATES and not move.collection_status:
                move.collection_status = "handed_over"
        return res

    def _collection_handover_refusal(self, handover=None):
        """Why this invoice cannot be handed over (by `handover`), or False."""
        self.ensure_one()
        if self.move_type != "out_invoice" or self.state != "posted":
            return self.env._("only posted customer invoices can be handed over")
        if (
            self.collection_handover_state in HANDOVER_ACTIVE_STATES
            and self.collection_handover_id != handover
        ):
            return self.env._(
                "already handed over to %(receiver)s (%(handover)s)",
                receiver=self.collection_handover_receiver_id.display_name,
                handover=self.collection_handover_id.name,
            )
        if self.collection_status in ("written_off", "recovered"):
            return self.env._("written off: reverse the write-off first")
        if self.currency_id.is_zero(self.amount_residual):
            return self.env._("fully paid")
        if handover:
            if self.commercial_partner_id != handover.partner_id:
                return self.env._(
                    "of another customer (%(customer)s)", customer=self.commercial_partner_id.name
                )
            if self.company_id != handover.company_id:
                return self.env._("of another company (%(company)s)", company=self.company_id.name)
        return False

    def action_collection_handover(self):
        """A draft hand-over of the selected invoices (one customer, one company), to complete."""
        if not self.env.user.has_group("account_collection.group_collection_user"):
            raise UserError(self.env._("Only collections users can hand invoices over."))
        if not self:
            raise UserError(self.env._("Select the invoices to hand over."))
        if len(self.commercial_partner_id) > 1 or len(self.company_id) > 1:
            raise UserError(self.env._("Hand over the invoices of one customer in one company at a time."))
        problems = [
            f"- {move.display_name}: {problem}"
            for move in self
            if (problem := move._collection_handover_refusal())
        ]
        if problems:
            raise UserError(
                self.env._(
                    "These invoices cannot be handed over:\n%(problems)s", problems="\n".join(problems)
                )
            )
        # A new hand-over with the invoices: the clerk chooses the receiver, then confirms.
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "account_collection.collection_handover_action"
        )
        action.update(
            view_mode="form",
            views=[(False, "form")],
            context={
                "default_partner_id": self.commercial_partner_id.id,
                "default_company_id": self.company_id.id,
                "default_move_ids": [fields.Command.set(self.ids)],
            },
        )
        return action

    def action_collection_open_handover(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "account_collection.collection_handover_action"
        )
        action.update(res_id=self.collection_handover_id.id, view_mode="form", views=[(False, "form")])
        return action

    def _collection_vat_relief_allowed(self, date):
        if super()._collection_vat_relief_allowed(date):
            return True
        # The company may allow the relief from the customer's insolvency date on.
        if not self.company_id.collection_insolvency_vat_relief:
            return False
        return bool(
            self.env["collection.insolvency"]
            .sudo()
            .search_count(
                [
                    ("company_id", "=", self.company_id.id),
                    ("partner_id", "=", self.commercial_partner_id.id),
                    ("state", "=", "active"),
                    ("date", "<=", date),
                ],
                limit=1,
            )
        )

    def _collection_write_off(self, date, reason, vat_relief=False):
        entries = super()._collection_write_off(date, reason, vat_relief=vat_relief)
        # The write-off after a return files the hand-over once nothing of it is open.
        returned = self.collection_handover_id.filtered(
            lambda handover: (
                handover.state == "returned"
                and all(move.currency_id.is_zero(move.amount_residual) for move in handover.move_ids)
            )
        )
        if returned:
            returned.action_close()
        return entries

    def _reverse_moves(self, default_values_list=None, cancel=False):
        # Odoo's reversal copies the hand-over links of the entry's lines on purpose.
        moves = self._collection_writer() if self.line_ids.collection_handover_id else self
        reversals = (
            super(AccountMove, moves)
            ._reverse_moves(default_values_list=default_values_list, cancel=cancel)
            .with_env(self.env)
        )
        # A reversed recovery reopens the invoices: the hand-over goes back to collecting.
        handovers = reversals.line_ids.collection_handover_id.filtered(
            lambda handover: handover.kind != "factoring" and handover.state in ("partial", "recovered")
        )
        for handover in handovers:
            handover.state = (
                "handed_over" if handover.currency_id.is_zero(handover.amount_recovered) else "partial"
            )
            if handover.state == "partial" and handover.currency_id.is_zero(handover.amount_open):
                handover.state = "recovered"
        # A reversed sale to the factor gives the invoices back: nothing of the hand-over is left.
        sold = reversals.line_ids.collection_handover_id.filtered(
            lambda handover: (
                handover.kind == "factoring"
                and handover.state in HANDOVER_ACTIVE_STATES
                and all(
                    handover.currency_id.is_zero(amount)
                    for amount in (
                        handover.amount_recovered,
                        handover.amount_reserve,
                        handover.amount_liability,
                    )
                )
            )
        )
        if sold:
            sold.write({"state": "returned", "date_returned": fields.Date.context_today(self)})
            for handover in sold:
                handover.message_post(
                    body=self.env._("The sale to the factor was reversed: the invoices are ours again.")
                )
        (handovers | sold)._refresh_customer()
        return reversals


class AccountMoveLine(models.Model):
    _inherit = "account.move.line"

    # Copied on purpose: Odoo's reversal copies the lines, and the reversal of a hand-over entry
    # counts against the same hand-over with the opposite sign.
    collection_handover_id = fields.Many2one(
        "collection.handover", string="Hand-over", readonly=True, index="btree_not_null"
    )
    collection_handover_role = fields.Selection(HANDOVER_ROLES, string="Hand-over role", readonly=True)
    collection_handover_invoice_id = fields.Many2one(
        "account.move",
        string="Hand-over invoice",
        readonly=True,
        help="The invoice this receivable line settles.",
    )

    @api.model_create_multi
    def create(self, vals_list):
        self.env["account.move"]._collection_check_protected(
            self.browse(), vals_list, HANDOVER_PROTECTED_LINE_FIELDS
        )
        return super().create(vals_list)

    def write(self, vals):
        self.env["account.move"]._collection_check_protected(self, [vals], HANDOVER_PROTECTED_LINE_FIELDS)
        return super().write(vals)

    def copy_data(self, default=None):
        vals_list = super().copy_data(default=default)
        # A duplicated hand-over entry is a plain entry; only the reversal keeps the links.
        if self.env.context.get(COLLECTION_WRITE_KEY) is not COLLECTION_WRITE:
            for vals in vals_list:
                for name in HANDOVER_PROTECTED_LINE_FIELDS:
                    if not (default and name in default):
                        vals.pop(name, None)
        return vals_list
