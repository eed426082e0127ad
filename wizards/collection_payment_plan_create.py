from decimal import Decimal

from odoo import Command, api, fields, models
from odoo.exceptions import UserError

from ..models.collection_payment_plan import FREQUENCIES
from ..tools import payment_plan, schedule


class CollectionPaymentPlanCreate(models.TransientModel):
    """Agree on a payment plan: the invoices, the terms and a preview of the instalments."""

    _name = "collection.payment.plan.create"
    _description = "Create a Payment Plan"
    _check_company_auto = True

    company_id = fields.Many2one("res.company", required=True, default=lambda self: self.env.company)
    partner_id = fields.Many2one("res.partner", string="Customer", required=True)
    move_ids = fields.Many2many(
        "account.move",
        string="Invoices",
        check_company=True,
        domain="[('move_type', '=', 'out_invoice'), ('state', '=', 'posted'), "
        "('payment_state', 'in', ('not_paid', 'partial')), ('commercial_partner_id', '=', partner_id)]",
    )
    currency_id = fields.Many2one("res.currency", compute="_compute_amount_total")
    amount_total = fields.Monetary(string="Total owed", compute="_compute_amount_total")
    down_payment = fields.Monetary()
    split_by = fields.Selection(
        [("count", "Number of instalments"), ("amount", "Amount per instalment")],
        default="count",
        required=True,
    )
    instalment_count = fields.Integer(string="Instalments", default=3)
    instalment_amount = fields.Monetary(string="Amount per instalment")
    frequency = fields.Selection(FREQUENCIES, default="monthly", required=True)
    first_date = fields.Date(required=True, default=fields.Date.context_today)
    grace_days = fields.Integer(compute="_compute_grace_days", store=True, readonly=False)
    note = fields.Text()
    line_ids = fields.One2many(
        "collection.payment.plan.create.line",
        "wizard_id",
        string="Schedule",
        compute="_compute_line_ids",
        store=True,
        readonly=False,
    )
    preview_error = fields.Char(compute="_compute_line_ids", store=True)

    @api.model
    def default_get(self, fields_list):
        values = super().default_get(fields_list)
        context = self.env.context
        model, ids = context.get("active_model"), context.get("active_ids") or []
        Move = self.env["account.move"]
        if model == "account.move" and ids:
            moves = Move.browse(ids)
        elif model == "res.partner" and ids:
            partner = self.env["res.partner"].browse(ids[:1]).commercial_partner_id
            moves = Move.search(
                [
                    ("company_id", "=", self.env.company.id),
                    ("move_type", "=", "out_invoice"),
                    ("state", "=", "posted"),
                    ("payment_state", "in", ("not_paid", "partial")),
                    ("commercial_partner_id", "=", partner.id),
                    ("collection_payment_plan_id", "=", False),
                ],
                order="invoice_date_due, id",
            )
            # One currency per plan: the one of the oldest invoice.
            moves = moves.filtered(lambda move: move.currency_id == moves[:1].currency_id)
            values["partner_id"] = partner.id
        else:
            raise UserError(
                self.env._(
                    "Open a customer or select his invoices first, then make the payment plan from there."
                )
            )
        if model == "account.move":
            if len(moves.commercial_partner_id) != 1:
                self.env["collection.payment.plan"]._check_invoices(moves)
            values["partner_id"] = moves.commercial_partner_id.id
            values["company_id"] = moves.company_id[:1].id or self.env.company.id
        values["move_ids"] = [Command.set(moves.ids)]
        return values

    @api.depends("move_ids")
    def _compute_amount_total(self):
        for wizard in self:
            currency = wizard.move_ids[:1].currency_id or wizard.company_id.currency_id
            wizard.currency_id = currency
            wizard.amount_total = currency.round(sum(wizard.move_ids.mapped("amount_residual")))

    @api.depends("partner_id", "company_id")
    def _compute_grace_days(self):
        autopilot = self.env["collection.autopilot"]
        for wizard in self:
            partner = wizard.partner_id.commercial_partner_id.with_company(wizard.company_id)
            policy = autopilot._policy_of(partner, wizard.company_id) if partner else False
            wizard.grace_days = policy.payment_plan_grace_days if policy else 7

    @api.depends(
        "move_ids",
        "down_payment",
        "split_by",
        "instalment_count",
        "instalment_amount",
        "frequency",
        "first_date",
    )
    def _compute_line_ids(self):
        for wizard in self:
            try:
                schedule_ = wizard._schedule()
            except UserError as error:
                wizard.line_ids = [Command.clear()]
                wizard.preview_error = error.args[0]
                continue
            wizard.preview_error = False
            wizard.line_ids = [Command.clear()] + [
                Command.create({"date": day, "amount": amount, "is_down_payment": down})
                for day, amount, down in schedule_
            ]

    def _schedule(self):
        """[(date, amount, is down payment)] from the terms; refuses nonsense with what to do."""
        self.ensure_one()
        digits = self.currency_id.decimal_places
        if self.split_by == "count" and self.instalment_count <= 0:
            raise UserError(self.env._("Enter a number of instalments of at least one."))
        if self.split_by == "amount" and self.currency_id.compare_amounts(self.instalment_amount, 0) <= 0:
            raise UserError(self.env._("Enter an amount per instalment above zero."))
        if self.currency_id.compare_amounts(self.down_payment, 0) < 0:
            raise UserError(self.env._("The down payment cannot be negative: enter zero for none."))
        if self.currency_id.compare_amounts(self.amount_total, 0) <= 0:
            raise UserError(self.env._("Select the open invoices the plan covers."))
        if self.currency_id.compare_amounts(self.down_payment, self.amount_total) >= 0:
            raise UserError(self.env._("The down payment must be smaller than the total owed."))
        try:
            amounts = payment_plan.split_plan(
                Decimal(str(self.amount_total)),
                count=self.instalment_count if self.split_by == "count" else None,
                amount=Decimal(str(self.instalment_amount)) if self.split_by == "amount" else None,
                down_payment=Decimal(str(self.down_payment or 0)),
                digits=digits,
            )
        except ValueError as error:
            raise UserError(
                self.env._("These terms do not make a plan: %(error)s", error=str(error))
            ) from error
        if len(amounts) > 240:
            raise UserError(
                self.env._("That makes more than 240 instalments: raise the amount per instalment.")
            )
        interval = "monthly" if self.frequency == "manual" else self.frequency
        dates = schedule.instalment_dates(
            self.first_date or fields.Date.context_today(self), len(amounts), interval
        )
        has_down = self.currency_id.compare_amounts(self.down_payment, 0) > 0
        return [
            (day, float(amount), has_down and index == 0)
            for index, (day, amount) in enumerate(zip(dates, amounts, strict=True))
        ]

    def _validate(self):
        self.ensure_one()
        Plan = self.env["collection.payment.plan"]
        Plan._check_invoices(self.move_ids)
        self.env["collection.pause.mixin"]._check_invoices_of(self.partner_id, self.company_id, self.move_ids)
        self._schedule()
        today = fields.Date.context_today(self)
        if self.first_date < today:
            raise UserError(
                self.env._("The first instalment cannot be in the past: choose today or a later date.")
            )
        lines = self.line_ids
        if not lines:
            raise UserError(
                self.preview_error or self.env._("The schedule is empty: set the terms of the plan.")
            )
        if any(line.date < today for line in lines):
            raise UserError(self.env._("An instalment date is in the past: move it to today or later."))
        if any(self.currency_id.compare_amounts(line.amount, 0) <= 0 for line in lines):
            raise UserError(self.env._("Every instalment is an amount above zero: correct the schedule."))
        if self.currency_id.compare_amounts(sum(lines.mapped("amount")), self.amount_total) != 0:
            raise UserError(
                self.env._(
                    "The instalments add up to %(sum)s, not to the total owed %(total)s: correct the schedule.",
                    sum=self.currency_id.format(sum(lines.mapped("amount"))),
                    total=self.currency_id.format(self.amount_total),
                )
            )

    def _prepare_plan_vals(self):
        return {
            "company_id": self.company_id.id,
            "partner_id": self.partner_id.commercial_partner_id.id,
            "move_ids": [Command.set(self.move_ids.ids)],
            "currency_id": self.currency_id.id,
            "amount_total": self.amount_total,
            "down_payment": self.down_payment,
            "frequency": self.frequency,
            "grace_days": self.grace_days,
            "note": self.note,
            "line_ids": [
                Command.create(
                    {
                        "sequence": index,
                        "date": line.date,
                        "amount": line.amount,
                        "is_down_payment": line.is_down_payment,
                    }
                )
                for index, line in enumerate(self.line_ids.sorted(lambda line: (line.date, line.id)))
            ],
        }

    def action_confirm(self):
        """Create the plan as a draft (validated first: a refused plan creates nothing)."""
        self.ensure_one()
        self._validate()
        plan = self.env["collection.payment.plan"].create(self._prepare_plan_vals())
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "account_collection.collection_payment_plan_action"
        )
        action.update(res_id=plan.id, view_mode="form", views=[(False, "form")])
        return action

    @api.model
    def _action_open(self, partner, moves=None):
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "account_collection.collection_payment_plan_create_action"
        )
        context = {"active_model": "res.partner", "active_ids": partner.ids}
        if moves:
            context = {"active_model": "account.move", "active_ids": moves.ids}
        action["context"] = context
        return action


class CollectionPaymentPlanCreateLine(models.TransientModel):
    _name = "collection.payment.plan.create.line"
    _description = "Payment Plan Preview Line"
    _order = "date, id"

    wizard_id = fields.Many2one("collection.payment.plan.create", required=True, ondelete="cascade")
    currency_id = fields.Many2one(related="wizard_id.currency_id")
    date = fields.Date(required=True)
    amount = fields.Monetary(required=True)
    is_down_payment = fields.Boolean(string="Down payment")
