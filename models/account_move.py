from collections import defaultdict

from dateutil.relativedelta import relativedelta
from markupsafe import Markup

from odoo import Command, api, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.fields import Domain

COLLECTION_ENTRY_TYPES = [
    ("provision", "Doubtful-debt provision"),
    ("release", "Provision release"),
    ("write_off", "Bad-debt write-off"),
    ("write_off_reversal", "Write-off reversal"),
    ("recovery", "Bad-debt recovery"),
    ("recovery_reversal", "Recovery reversal"),
]
# Odoo's reversal of a collection entry is an entry of this type.
COLLECTION_REVERSAL_TYPE = {
    "provision": "release",
    "release": "provision",
    "write_off": "write_off_reversal",
    "write_off_reversal": "write_off",
    "recovery": "recovery_reversal",
    "recovery_reversal": "recovery",
}
# Settings each operation needs, in the order they are shown in the settings.
COLLECTION_SETTINGS = {
    "provision": [
        "collection_journal_id",
        "collection_doubtful_expense_account_id",
        "collection_allowance_account_id",
    ],
    "write_off": [
        "collection_journal_id",
        "collection_doubtful_expense_account_id",
        "collection_allowance_account_id",
        "collection_bad_debt_account_id",
    ],
    "recovery": ["collection_journal_id", "collection_recovery_account_id"],
}

PAUSE_REASONS = [
    ("excluded", "Excluded"),
    ("dispute", "Disputed"),
    ("promise", "Promise to pay"),
]


class AccountMove(models.Model):
    _inherit = "account.move"

    collection_level_id = fields.Many2one(
        "collection.level",
        string="Reminder level",
        copy=False,
        readonly=True,
        index="btree_not_null",
        help="The level of the last reminder that listed this invoice (the customer's level: reminders "
        "escalate per customer).",
    )
    collection_last_date = fields.Date(string="Last reminder", copy=False, readonly=True)
    collection_exclude = fields.Boolean(
        string="Excluded from reminders",
        copy=False,
        tracking=True,
        help="The autopilot leaves this invoice alone.",
    )
    collection_exclude_until = fields.Date(
        string="Excluded until", copy=False, help="Leave empty to exclude the invoice until further notice."
    )
    collection_exclude_reason = fields.Char(string="Exclusion reason", copy=False)
    collection_promise_ids = fields.Many2many(
        "collection.promise",
        "collection_promise_account_move_rel",
        "account_move_id",
        "collection_promise_id",
        string="Promises to pay",
        copy=False,
        readonly=True,
    )
    collection_dispute_ids = fields.Many2many(
        "collection.dispute",
        "collection_dispute_account_move_rel",
        "account_move_id",
        "collection_dispute_id",
        string="Disputes",
        copy=False,
        readonly=True,
    )
    collection_communication_line_ids = fields.One2many(
        "collection.communication.line", "move_id", string="Reminders", readonly=True
    )
    collection_pause_reason = fields.Selection(
        PAUSE_REASONS,
        string="Reminders paused",
        compute="_compute_collection_pause",
        search="_search_collection_pause_reason",
    )
    collection_paused_until = fields.Date(compute="_compute_collection_pause")

    @api.model
    def _collection_pause_domains(self, today):
        """Domains of the invoices whose reminders are paused today, by reason (in priority order)."""
        return {
            "excluded": [
                ("collection_exclude", "=", True),
                "|",
                ("collection_exclude_until", "=", False),
                ("collection_exclude_until", ">=", today),
            ],
            "dispute": [("collection_dispute_ids", "any", [("state", "=", "open")])],
            "promise": [
                ("collection_promise_ids", "any", [("state", "=", "open"), ("deadline", ">=", today)])
            ],
        }

    @api.depends_context("company")
    @api.depends(
        "collection_exclude",
        "collection_exclude_until",
        "collection_dispute_ids.state",
        "collection_promise_ids.state",
        "collection_promise_ids.deadline",
    )
    def _compute_collection_pause(self):
        today = fields.Date.context_today(self)
        for move in self:
            reason = until = False
            if move.collection_exclude and (
                not move.collection_exclude_until or move.collection_exclude_until >= today
            ):
                reason, until = "excluded", move.collection_exclude_until
            elif any(dispute.state == "open" for dispute in move.collection_dispute_ids):
                reason = "dispute"
            else:
                promises = move.collection_promise_ids.filtered(
                    lambda promise: promise.state == "open" and promise.deadline >= today
                )
                if promises:
                    reason, until = "promise", max(promises.mapped("deadline"))
            move.collection_pause_reason = reason
            move.collection_paused_until = until

    def _search_collection_pause_reason(self, operator, value):
        # Odoo hands search methods positive operators ("in" with [False] for "is not set").
        if operator not in ("in", "not in"):
            return NotImplemented
        domains = self._collection_pause_domains(fields.Date.context_today(self))
        values = {value} if isinstance(value, str) or not hasattr(value, "__iter__") else set(value)
        parts = [Domain(domains[reason]) for reason in values if reason in domains]
        if False in values:
            parts.append(~Domain.OR(domains.values()))
        matching = Domain.OR(parts)
        return matching if operator == "in" else ~matching

    # ------------------------------------------------------------------------------------------
    # Doubtful-debt provisions, bad-debt write-offs and recoveries
    # ------------------------------------------------------------------------------------------

    collection_entry_type = fields.Selection(
        COLLECTION_ENTRY_TYPES,
        string="Collection entry",
        copy=False,
        readonly=True,
        index="btree_not_null",
        help="Set on the journal entries posted by the collection actions of the accountant.",
    )
    collection_entry_line_ids = fields.One2many(
        "account.move.line",
        "collection_invoice_id",
        string="Collection journal items",
        readonly=True,
        help="Provision, write-off and recovery journal items about this invoice.",
    )
    collection_entry_ids = fields.Many2many(
        "account.move", string="Collection entries", compute="_compute_collection_entry_ids"
    )
    collection_entry_count = fields.Integer(compute="_compute_collection_entry_ids")
    collection_provision_amount = fields.Monetary(
        string="Doubtful-debt provision",
        compute="_compute_collection_amounts",
        store=True,
        help="Provision currently booked for this invoice, in the invoice's currency.",
    )
    collection_provision_base = fields.Monetary(
        string="Provisioned residual",
        copy=False,
        readonly=True,
        help="Amount due when the provision was last set: payments release the provision pro rata "
        "of what they pay of it.",
    )
    collection_written_off_amount = fields.Monetary(
        string="Written off", compute="_compute_collection_amounts", store=True
    )
    collection_vat_relief_amount = fields.Monetary(
        string="VAT relief", compute="_compute_collection_amounts", store=True
    )
    collection_recovered_amount = fields.Monetary(
        string="Recovered", compute="_compute_collection_amounts", store=True
    )
    collection_status = fields.Selection(
        [("doubtful", "Doubtful"), ("written_off", "Written off"), ("recovered", "Recovered")],
        compute="_compute_collection_amounts",
        store=True,
        help="Doubtful: a provision is booked. Written off: closed as bad debt (never counted as "
        "collected). Recovered: paid in full after the write-off.",
    )

    @api.depends("collection_entry_line_ids")
    def _compute_collection_entry_ids(self):
        for move in self:
            move.collection_entry_ids = move.collection_entry_line_ids.move_id
            move.collection_entry_count = len(move.collection_entry_ids)

    @api.depends(
        "collection_entry_line_ids.parent_state",
        "collection_entry_line_ids.amount_currency",
        "collection_entry_line_ids.collection_role",
    )
    def _compute_collection_amounts(self):
        for move in self:
            totals = defaultdict(float)
            for line in move.collection_entry_line_ids:
                if line.parent_state == "posted":
                    totals[line.collection_role] += line.amount_currency
            currency = move.currency_id or move.company_id.currency_id
            # Lines carry their accounting sign: the allowance is a credit, a write-off credits the
            # receivable, a recovery debits it, VAT relief debits the output VAT.
            move.collection_provision_amount = currency.round(-totals["allowance"])
            written_off = currency.round(-totals["write_off"])
            recovered = currency.round(totals["recovered"])
            move.collection_written_off_amount = written_off
            move.collection_vat_relief_amount = currency.round(totals["vat_relief"] + totals["vat_recovered"])
            move.collection_recovered_amount = recovered
            if currency.compare_amounts(written_off, 0) > 0:
                move.collection_status = (
                    "recovered" if currency.compare_amounts(recovered, written_off) >= 0 else "written_off"
                )
            elif currency.compare_amounts(move.collection_provision_amount, 0) > 0:
                move.collection_status = "doubtful"
            else:
                move.collection_status = False

    # --- checks -------------------------------------------------------------------------------

    @api.model
    def _collection_check_accountant(self):
        # Accounting administrators do not get "Show Full Accounting Features" in Community.
        user = self.env.user
        if not (
            user.has_group("account.group_account_user") or user.has_group("account.group_account_manager")
        ):
            raise AccessError(
                self.env._(
                    "Only accountants (Show Full Accounting Features) and accounting administrators may "
                    "post doubtful-debt provisions, write-offs and recoveries."
                )
            )

    def _collection_check_invoices(self, operation):
        """Refuse what the accountant must not provision or write off, before anything is posted."""
        self._collection_check_accountant()
        if not self:
            raise UserError(self.env._("Select at least one customer invoice."))
        for move in self:
            if move.move_type != "out_invoice":
                raise UserError(
                    self.env._(
                        "%(move)s is not a customer invoice: only customer invoices can be marked as "
                        "doubtful or written off.",
                        move=move.display_name,
                    )
                )
            if move.state != "posted":
                raise UserError(
                    self.env._(
                        "%(move)s is a draft or cancelled invoice: post it first.", move=move.display_name
                    )
                )
            if move.collection_status in ("written_off", "recovered"):
                raise UserError(
                    self.env._(
                        "%(move)s is already written off. Reverse its write-off entry to reopen it.",
                        move=move.display_name,
                    )
                )
            if operation != "undo" and move.currency_id.is_zero(move.amount_residual):
                raise UserError(
                    self.env._(
                        "%(move)s is fully paid: there is nothing left to collect.", move=move.display_name
                    )
                )
        for company in self.company_id:
            self._collection_check_settings(
                company, COLLECTION_SETTINGS["write_off" if operation == "write_off" else "provision"]
            )

    @api.model
    def _collection_check_settings(self, company, field_names):
        labels = company.fields_get(field_names, ["string"])
        missing = [labels[name]["string"] for name in field_names if not company[name]]
        if missing:
            raise UserError(
                self.env._(
                    "Set the %(settings)s of %(company)s in Accounting > Configuration > Settings, "
                    "block Collection entries.",
                    settings=", ".join(missing),
                    company=company.name,
                )
            )

    @api.model
    def _collection_check_lock_date(self, company, date, has_tax=False):
        journal = company.collection_journal_id
        locks = company._get_violated_lock_dates(date, has_tax, journal)
        if locks:
            raise UserError(
                self.env._(
                    "The date %(date)s is inside a lock date: %(locks)s. Choose a later date.",
                    date=fields.Date.to_string(date),
                    locks=self.env["res.company"]._format_lock_dates(locks),
                )
            )

    @api.model
    def _collection_open_date(self, company, date):
        """`date`, or the first day after the lock dates (automatic releases never fail on them)."""
        locks = company._get_violated_lock_dates(date, False, company.collection_journal_id)
        return locks[-1][0] + relativedelta(days=1) if locks else date

    # --- amounts ------------------------------------------------------------------------------

    def _collection_provision_balances(self):
        """{invoice: (provision in invoice currency, provision in company currency)}, one query."""
        rows = self.env["account.move.line"]._read_group(
            [
                ("collection_invoice_id", "in", self.ids),
                ("collection_role", "=", "allowance"),
                ("parent_state", "=", "posted"),
            ],
            ["collection_invoice_id"],
            ["amount_currency:sum", "balance:sum"],
        )
        found = {invoice: (-amount, -balance) for invoice, amount, balance in rows}
        return {move: found.get(move, (0.0, 0.0)) for move in self}

    def _collection_untaxed_share(self):
        """Part of the amount due that is not VAT (1 when provisions include VAT)."""
        self.ensure_one()
        if self.company_id.collection_provision_include_vat or not self.amount_total:
            return 1.0
        return self.amount_untaxed / self.amount_total

    def _collection_vat_relief_allowed(self, date):
        """Whether the company's rule allows VAT relief for this invoice on `date`."""
        self.ensure_one()
        company = self.company_id
        if company.collection_vat_relief == "write_off":
            return True
        if company.collection_vat_relief == "delay":
            start = max(filter(None, [self.invoice_date_due, self.invoice_date, self.date]))
            return date >= start + relativedelta(months=company.collection_vat_relief_months)
        return False

    def _collection_line_vals(self, account, amount_currency, balance, role, name, **extra):
        self.ensure_one()
        return {
            "account_id": account.id,
            "partner_id": self.commercial_partner_id.id,
            "currency_id": self.currency_id.id,
            "amount_currency": amount_currency,
            "balance": balance,
            "name": name,
            "collection_invoice_id": self.id,
            "collection_role": role,
            **extra,
        }

    def _collection_to_company(self, amount, date):
        self.ensure_one()
        return self.currency_id._convert(amount, self.company_currency_id, self.company_id, date)

    def _collection_provision_lines(self, amount, balance, name):
        """Dr doubtful-debt expense / Cr allowance for a positive amount, the other way round to release."""
        self.ensure_one()
        company = self.company_id
        return [
            Command.create(
                self._collection_line_vals(
                    company.collection_doubtful_expense_account_id, amount, balance, "expense", name
                )
            ),
            Command.create(
                self._collection_line_vals(
                    company.collection_allowance_account_id, -amount, -balance, "allowance", name
                )
            ),
        ]

    # --- provisions ---------------------------------------------------------------------------

    def _collection_mark_doubtful(self, date, percentage, reason):
        """Provision `percentage` of the amount due of each invoice: one entry per invoice."""
        self._collection_check_invoices("provision")
        provisions = self._collection_provision_balances()
        vals_list, bases = [], {}
        for move in self:
            self._collection_check_lock_date(move.company_id, date)
            currency = move.currency_id
            target = currency.round(
                move.amount_residual * move._collection_untaxed_share() * percentage / 100.0
            )
            amount = currency.round(target - provisions[move][0])
            if currency.compare_amounts(amount, 0) <= 0:
                raise UserError(
                    self.env._(
                        "%(move)s already has a provision of %(amount)s, which covers what you ask. "
                        "Use Undo doubtful or the provision matrix to lower it.",
                        move=move.display_name,
                        amount=provisions[move][0],
                    )
                )
            name = self.env._("Doubtful debt %(move)s: %(reason)s", move=move.name, reason=reason)
            vals_list.append(
                {
                    "move_type": "entry",
                    "journal_id": move.company_id.collection_journal_id.id,
                    "company_id": move.company_id.id,
                    "date": date,
                    "ref": name,
                    "collection_entry_type": "provision",
                    "line_ids": move._collection_provision_lines(
                        amount, move._collection_to_company(amount, date), name
                    ),
                }
            )
            bases[move] = move.amount_residual
        entries = self.env["account.move"].create(vals_list)
        entries.action_post()
        for move, entry in zip(self, entries, strict=True):
            move.collection_provision_base = bases[move]
            move._message_log(
                body=Markup("%s %s") % (self.env._("Marked as doubtful:"), entry._get_html_link()),
            )
        return entries

    def _collection_release(self, amounts, date, reason):
        """Release `amounts` ({invoice: amount in invoice currency}) of the invoices' provisions.

        One release entry per invoice, linked to the provision it reverses (reversed_entry_id);
        the company-currency amount is the same share of what was provisioned, so a full release
        leaves the allowance account at exactly zero whatever the exchange rates did.
        """
        amounts = {move: amount for move, amount in amounts.items() if not move.currency_id.is_zero(amount)}
        if not amounts:
            return self.env["account.move"]
        invoices = self.browse([move.id for move in amounts])
        provisions = invoices._collection_provision_balances()
        last_provision = {}
        for line in self.env["account.move.line"].search(
            [
                ("collection_invoice_id", "in", invoices.ids),
                ("collection_role", "=", "allowance"),
                ("parent_state", "=", "posted"),
                ("move_id.collection_entry_type", "=", "provision"),
            ],
            order="date, id",
        ):
            last_provision[line.collection_invoice_id] = line.move_id
        vals_list = []
        for move in invoices:
            provision, provision_balance = provisions[move]
            amount = min(amounts[move], provision)
            if move.currency_id.compare_amounts(amount, provision) >= 0:
                balance = provision_balance
            else:
                balance = move.company_currency_id.round(provision_balance * amount / provision)
            name = self.env._("Provision release %(move)s: %(reason)s", move=move.name, reason=reason)
            vals_list.append(
                {
                    "move_type": "entry",
                    "journal_id": move.company_id.collection_journal_id.id,
                    "company_id": move.company_id.id,
                    "date": date
                    or self._collection_open_date(move.company_id, fields.Date.context_today(self)),
                    "ref": name,
                    "collection_entry_type": "release",
                    "reversed_entry_id": last_provision.get(move, self.browse()).id,
                    "line_ids": move._collection_provision_lines(-amount, -balance, name),
                }
            )
        entries = self.env["account.move"].create(vals_list)
        entries.action_post()
        for move, entry in zip(invoices, entries, strict=True):
            move._message_log(
                body=Markup("%s %s") % (self.env._("Provision released:"), entry._get_html_link())
            )
        return entries

    def _collection_release_on_payment(self):
        """Release the provisions of the invoices that payments (or credit notes) just reduced.

        The provision keeps its ratio to the amount due: paying 40% of what was provisioned
        releases 40% of the provision; paying all of it releases it all.
        """
        invoices = self.filtered(
            lambda move: (
                move.move_type == "out_invoice"
                and move.state == "posted"
                and move.collection_status == "doubtful"
                and move.currency_id.compare_amounts(move.amount_residual, move.collection_provision_base) < 0
            )
        )
        if not invoices:
            return
        amounts, dates = {}, {}
        for move in invoices:
            currency = move.currency_id
            residual, base = move.amount_residual, move.collection_provision_base
            keep = currency.round(move.collection_provision_amount * residual / base) if base else 0.0
            amounts[move] = move.collection_provision_amount - keep
            receivables = move.line_ids.filtered(lambda line: line.account_type == "asset_receivable")
            paid_on = max(
                receivables.matched_credit_ids.mapped("max_date") or [fields.Date.context_today(self)]
            )
            dates[move] = self._collection_open_date(move.company_id, paid_on)
        for date, moves in invoices.grouped(lambda move: dates[move]).items():
            moves._collection_release(
                {move: amounts[move] for move in moves}, date, self.env._("payment received")
            )
        for move in invoices:
            move.collection_provision_base = move.amount_residual

    def action_collection_undo_doubtful(self):
        """Release the whole remaining provision of the selected invoices, today."""
        self._collection_check_accountant()
        invoices = self.filtered(lambda move: move.collection_status == "doubtful")
        if not invoices:
            raise UserError(self.env._("None of the selected invoices is marked as doubtful."))
        invoices._collection_check_invoices("undo")
        today = fields.Date.context_today(self)
        for company in invoices.company_id:
            self._collection_check_lock_date(company, today)
        entries = invoices._collection_release(
            {move: move.collection_provision_amount for move in invoices}, today, self.env._("undone by hand")
        )
        invoices.collection_provision_base = 0.0
        return entries._collection_action_open()

    # --- write-off ----------------------------------------------------------------------------

    @api.model
    def _collection_twin_repartition(self, repartition):
        """The refund repartition line matching an invoice one, or the other way round.

        Odoo pairs them by position among the tax repartition lines of the tax, as credit notes do.
        """
        tax = repartition.tax_id
        invoice_reps = tax.invoice_repartition_line_ids.filtered(lambda rep: rep.repartition_type == "tax")
        refund_reps = tax.refund_repartition_line_ids.filtered(lambda rep: rep.repartition_type == "tax")
        if len(invoice_reps) != len(refund_reps):
            return repartition
        if repartition in invoice_reps:
            return refund_reps[list(invoice_reps).index(repartition)]
        if repartition in refund_reps:
            return invoice_reps[list(refund_reps).index(repartition)]
        return repartition

    def _collection_vat_relief_lines(self, ratio, date, name):
        """Debit lines reversing `ratio` of the invoice's output VAT, as a credit note would.

        Each tax line is reversed on its account with the refund repartition line of its tax
        and that line's tags, so the relief lands in the same boxes of the VAT return.
        """
        self.ensure_one()
        vals_list = []
        tax_lines = self.line_ids.filtered(
            lambda line: line.display_type == "tax" and line.tax_repartition_line_id
        )
        for line in tax_lines:
            refund_rep = self._collection_twin_repartition(line.tax_repartition_line_id)
            amount = self.currency_id.round(-line.amount_currency * ratio)
            if self.currency_id.is_zero(amount):
                continue
            vals_list.append(
                self._collection_line_vals(
                    line.account_id,
                    amount,
                    self._collection_to_company(amount, date),
                    "vat_relief",
                    name,
                    tax_repartition_line_id=refund_rep.id,
                    tax_tag_ids=[Command.set(refund_rep.tag_ids.ids)],
                    tax_base_amount=self.company_currency_id.round(line.tax_base_amount * ratio),
                )
            )
        fallback = self.company_id.collection_vat_relief_tax_id
        if not tax_lines and fallback and fallback.amount_type == "percent":
            # An invoice without tax lines of its own: its amount due is taken as VAT included.
            refund_rep = fallback.refund_repartition_line_ids.filtered(
                lambda rep: rep.repartition_type == "tax"
            )[:1]
            amount = self.currency_id.round(
                self.amount_residual * fallback.amount / (100.0 + fallback.amount)
            )
            if refund_rep.account_id and not self.currency_id.is_zero(amount):
                vals_list.append(
                    self._collection_line_vals(
                        refund_rep.account_id,
                        amount,
                        self._collection_to_company(amount, date),
                        "vat_relief",
                        name,
                        tax_repartition_line_id=refund_rep.id,
                        tax_tag_ids=[Command.set(refund_rep.tag_ids.ids)],
                    )
                )
        return vals_list

    def _collection_write_off_vals(self, date, reason, vat_relief, provision):
        """The write-off entry of one invoice: what is still due leaves the receivable."""
        self.ensure_one()
        company, currency = self.company_id, self.currency_id
        name = self.env._("Bad debt %(move)s: %(reason)s", move=self.name, reason=reason)
        lines = []
        receivables = self.line_ids.filtered(
            lambda line: line.account_type == "asset_receivable" and not line.reconciled
        )
        for account, account_lines in receivables.grouped("account_id").items():
            amount = sum(account_lines.mapped("amount_residual_currency"))
            lines.append(
                self._collection_line_vals(
                    account, -amount, -self._collection_to_company(amount, date), "write_off", name
                )
            )
        if vat_relief and self.amount_total:
            lines += self._collection_vat_relief_lines(self.amount_residual / self.amount_total, date, name)
        provision_amount, provision_balance = provision
        if provision_amount or provision_balance:
            lines.append(
                self._collection_line_vals(
                    company.collection_allowance_account_id,
                    provision_amount,
                    provision_balance,
                    "allowance",
                    name,
                )
            )
        # The rest is the loss (including the exchange effect on the provision). When the
        # provision was larger than the loss, the excess goes back to the doubtful-debt expense.
        rest = currency.round(-sum(line["amount_currency"] for line in lines))
        rest_balance = self.company_currency_id.round(-sum(line["balance"] for line in lines))
        if not (currency.is_zero(rest) and self.company_currency_id.is_zero(rest_balance)):
            excess = self.company_currency_id.compare_amounts(rest_balance, 0) < 0
            account = (
                company.collection_doubtful_expense_account_id
                if excess
                else company.collection_bad_debt_account_id
            )
            lines.append(
                self._collection_line_vals(
                    account, rest, rest_balance, "expense" if excess else "bad_debt", name
                )
            )
        return {
            "move_type": "entry",
            "journal_id": company.collection_journal_id.id,
            "company_id": company.id,
            "date": date,
            "ref": name,
            "collection_entry_type": "write_off",
            "line_ids": [Command.create(vals) for vals in lines],
        }

    def _collection_write_off(self, date, reason, vat_relief=False):
        """Write the invoices off as bad debt: one entry each, reconciled with the invoice."""
        self._collection_check_invoices("write_off")
        relief = {move: bool(vat_relief) and move._collection_vat_relief_allowed(date) for move in self}
        for move in self:
            self._collection_check_lock_date(move.company_id, date, has_tax=relief[move])
        provisions = self._collection_provision_balances()
        entries = self.env["account.move"].create(
            [move._collection_write_off_vals(date, reason, relief[move], provisions[move]) for move in self]
        )
        entries.action_post()
        for move, entry in zip(self, entries, strict=True):
            lines = (entry.line_ids + move.line_ids).filtered(
                lambda line: line.account_type == "asset_receivable" and not line.reconciled
            )
            for _account, account_lines in lines.grouped("account_id").items():
                account_lines.reconcile()
            move._message_log(
                body=Markup("%s %s") % (self.env._("Written off as bad debt:"), entry._get_html_link())
            )
        return entries

    # --- recovery -----------------------------------------------------------------------------

    def _collection_outstanding_credits(self):
        """Open credits (payments not matched yet) of the invoice's customer on receivable accounts."""
        self.ensure_one()
        return self.env["account.move.line"].search(
            [
                ("company_id", "=", self.company_id.id),
                ("partner_id", "=", self.commercial_partner_id.id),
                ("account_type", "=", "asset_receivable"),
                ("parent_state", "=", "posted"),
                ("reconciled", "=", False),
                ("amount_residual", "<", 0),
            ],
            order="date, id",
        )

    def _collection_recover(self, date, amount, credit_lines):
        """Book `amount` (invoice currency) paid after the write-off and match it with the payment.

        Dr receivable / Cr bad-debt recovered income, and Cr output VAT again for the same share
        of the VAT relief (with the invoice's own repartition lines and tags).
        """
        self.ensure_one()
        self._collection_check_accountant()
        company, currency = self.company_id, self.currency_id
        if self.collection_status != "written_off":
            raise UserError(
                self.env._(
                    "%(move)s is not written off: register the payment on it as usual.",
                    move=self.display_name,
                )
            )
        self._collection_check_settings(company, COLLECTION_SETTINGS["recovery"])
        remaining = self.collection_written_off_amount - self.collection_recovered_amount
        if currency.compare_amounts(amount, 0) <= 0 or currency.compare_amounts(amount, remaining) > 0:
            raise UserError(
                self.env._(
                    "The amount to recover must be positive and at most %(remaining)s, what is still written off.",
                    remaining=remaining,
                )
            )
        if not credit_lines:
            raise UserError(self.env._("Choose the payment that brought the money in."))
        has_vat = not currency.is_zero(self.collection_vat_relief_amount)
        self._collection_check_lock_date(company, date, has_tax=has_vat)
        name = self.env._("Recovery of bad debt %(move)s", move=self.name)
        receivable = self.line_ids.filtered(lambda line: line.account_type == "asset_receivable")[
            :1
        ].account_id
        lines = [
            self._collection_line_vals(
                receivable, amount, self._collection_to_company(amount, date), "recovered", name
            )
        ]
        if has_vat:
            # The last recovery gives back all of the relief still held, so the VAT evens out.
            if currency.compare_amounts(amount, remaining) == 0:
                ratio = None
            else:
                ratio = amount / self.collection_written_off_amount
            relief_lines = self.collection_entry_line_ids.filtered(
                lambda line: (
                    line.parent_state == "posted" and line.collection_role in ("vat_relief", "vat_recovered")
                )
            )
            # Relief lines carry the refund repartition, recoveries the invoice one: pair them.
            by_repartition = defaultdict(lambda: self.env["account.move.line"])
            for line in relief_lines:
                rep = line.tax_repartition_line_id
                by_repartition[
                    rep if rep.document_type == "invoice" else self._collection_twin_repartition(rep)
                ] |= line
            for repartition, rep_lines in by_repartition.items():
                relieved = sum(
                    rep_lines.filtered(lambda line: line.collection_role == "vat_relief").mapped(
                        "amount_currency"
                    )
                )
                held = sum(rep_lines.mapped("amount_currency"))
                vat = currency.round(held if ratio is None else relieved * ratio)
                if currency.is_zero(vat):
                    continue
                lines.append(
                    self._collection_line_vals(
                        rep_lines[0].account_id,
                        -vat,
                        -self._collection_to_company(vat, date),
                        "vat_recovered",
                        name,
                        tax_repartition_line_id=repartition.id,
                        tax_tag_ids=[Command.set(repartition.tag_ids.ids)],
                    )
                )
        rest = currency.round(-sum(line["amount_currency"] for line in lines))
        rest_balance = self.company_currency_id.round(-sum(line["balance"] for line in lines))
        lines.append(
            self._collection_line_vals(
                company.collection_recovery_account_id, rest, rest_balance, "recovery", name
            )
        )
        entry = self.env["account.move"].create(
            {
                "move_type": "entry",
                "journal_id": company.collection_journal_id.id,
                "company_id": company.id,
                "date": date,
                "ref": name,
                "collection_entry_type": "recovery",
                "line_ids": [Command.create(vals) for vals in lines],
            }
        )
        entry.action_post()
        (entry.line_ids.filtered(lambda line: line.collection_role == "recovered") + credit_lines).reconcile()
        self._message_log(
            body=Markup("%s %s (%s)")
            % (
                self.env._("Payment after write-off booked as recovery:"),
                entry._get_html_link(),
                ", ".join(credit_lines.move_id.mapped("display_name")),
            )
        )
        return entry

    # --- Odoo's reversal of collection entries ------------------------------------------------

    def _reverse_moves(self, default_values_list=None, cancel=False):
        if not default_values_list:
            default_values_list = [{} for _move in self]
        for move, default_values in zip(self, default_values_list, strict=True):
            if move.collection_entry_type:
                default_values.setdefault(
                    "collection_entry_type", COLLECTION_REVERSAL_TYPE[move.collection_entry_type]
                )
        write_offs = self.filtered(lambda move: move.collection_entry_type == "write_off")
        if write_offs:
            invoices = write_offs.line_ids.collection_invoice_id
            recovered = invoices.filtered(
                lambda inv: not inv.currency_id.is_zero(inv.collection_recovered_amount)
            )
            if recovered:
                raise UserError(
                    self.env._(
                        "Reverse the recovery entries of %(invoices)s before their write-off.",
                        invoices=", ".join(recovered.mapped("display_name")),
                    )
                )
        reversals = super()._reverse_moves(default_values_list=default_values_list, cancel=cancel)
        for reversal in reversals.filtered("collection_entry_type"):
            for invoice in reversal.line_ids.collection_invoice_id:
                invoice._message_log(
                    body=Markup("%s %s")
                    % (
                        dict(COLLECTION_ENTRY_TYPES)[reversal.collection_entry_type] + ":",
                        reversal._get_html_link(),
                    )
                )
        return reversals

    # --- actions ------------------------------------------------------------------------------

    def _collection_action_open(self):
        action = self.env["ir.actions.actions"]._for_xml_id("account.action_move_journal_line")
        action.update({"domain": [("id", "in", self.ids)], "context": {"create": False}})
        if len(self) == 1:
            action.update({"view_mode": "form", "views": [(False, "form")], "res_id": self.id})
        return action

    def action_collection_entries(self):
        self.ensure_one()
        return self.collection_entry_ids._collection_action_open()

    def _collection_wizard_action(self, xml_id):
        self._collection_check_accountant()
        action = self.env["ir.actions.actions"]._for_xml_id(xml_id)
        action["context"] = {"active_model": "account.move", "active_ids": self.ids}
        return action

    def action_collection_doubtful(self):
        return self._collection_wizard_action("account_collection.collection_doubtful_action")

    def action_collection_write_off(self):
        return self._collection_wizard_action("account_collection.collection_write_off_action")

    def action_collection_recovery(self):
        self.ensure_one()
        return self._collection_wizard_action("account_collection.collection_recovery_action")
