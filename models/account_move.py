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

# Set in the context by the addon's own methods (and its handling of Odoo's reversal) to write
# the accounting flags below. An object, not a string: a client cannot send it through the API.
COLLECTION_WRITE = object()
COLLECTION_WRITE_KEY = "collection_entry_write"
# Fields that decide what the addon's entries mean: only its own methods set them.
COLLECTION_PROTECTED_MOVE_FIELDS = (
    "collection_entry_type",
    "collection_provision_rate",
    "collection_provision_kind",
)

PAUSE_REASONS = [
    ("excluded", "Excluded"),
    ("dispute", "Disputed"),
    ("promise", "Promise to pay"),
]


def _collection_flag_value(field, value):
    """A flag's value comparable between a record and what `create`/`write` receive (None: unset)."""
    if value is None or (isinstance(value, models.BaseModel) and not value):
        return False
    if field.type == "many2one":
        return value.id if isinstance(value, models.BaseModel) else value or False
    if field.type == "float":
        return round(float(value or 0.0), 6)
    return value or False


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
    collection_provision_rate = fields.Float(
        string="Provision rate",
        copy=False,
        readonly=True,
        digits=(16, 6),
        help="Share of the amount due (excluding VAT unless the company includes it) that is "
        "provided for: payments and credit notes release the provision at this rate, undoing them "
        "restores it.",
    )
    collection_provision_kind = fields.Selection(
        [("specific", "Doubtful (specific)"), ("general", "General (provision matrix)")],
        string="Provision kind",
        copy=False,
        readonly=True,
        help="Specific: the accountant marked this invoice as doubtful. General: a portfolio "
        "provision of the provision matrix, by age, not a judgement on this invoice.",
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
        [
            ("provisioned", "General provision"),
            ("doubtful", "Doubtful"),
            ("written_off", "Written off"),
            ("recovered", "Recovered"),
        ],
        compute="_compute_collection_amounts",
        store=True,
        help="General provision: the provision matrix provides for it by age. Doubtful: marked "
        "as doubtful, a specific provision is booked. Written off: closed as bad debt (never counted as "
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
        "collection_provision_kind",
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
                move.collection_status = (
                    "provisioned" if move.collection_provision_kind == "general" else "doubtful"
                )
            else:
                move.collection_status = False

    # --- the addon's accounting flags are its own -----------------------------------------------

    def _collection_writer(self):
        """These records in an environment allowed to set the addon's accounting flags."""
        return self.with_context(**{COLLECTION_WRITE_KEY: COLLECTION_WRITE})

    @api.model
    def _collection_check_protected(self, records, vals_list, field_names):
        """Refuse setting the addon's flags outside its own methods, whatever the caller's rights.

        `readonly` only protects the screens: through the API a billing user could otherwise tag
        lines or change a provision rate and so change what payments release or what counts as
        written off. Writing the value a record already has is allowed (clients resend values).
        """
        if self.env.context.get(COLLECTION_WRITE_KEY) is COLLECTION_WRITE:
            return
        for vals in vals_list:
            for name in field_names:
                if name not in vals:
                    continue
                field = records._fields[name]
                new = _collection_flag_value(field, vals[name])
                current = [_collection_flag_value(field, rec[name]) for rec in records] or [False]
                if all(value == new for value in current):
                    continue
                raise AccessError(
                    self.env._(
                        "%(field)s is set by the collection actions only (Mark as Doubtful, Write Off, "
                        "Book Recovery, the provision matrix, or Odoo's Reverse on their entries): use "
                        "them instead of editing it.",
                        field=field._description_string(self.env),
                    )
                )

    @api.model_create_multi
    def create(self, vals_list):
        self._collection_check_protected(self.browse(), vals_list, COLLECTION_PROTECTED_MOVE_FIELDS)
        return super().create(vals_list)

    def write(self, vals):
        self._collection_check_protected(self, [vals], COLLECTION_PROTECTED_MOVE_FIELDS)
        return super().write(vals)

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
    def _collection_check_lock_date(self, company, date, has_tax=False, sale=False):
        """Refuse `date` inside a lock date that applies to the entry.

        Every entry respects the global and hard lock dates and those of its journal. One that
        changes VAT respects the tax lock date; one that changes the receivable of a sale (a
        write-off, a recovery) respects the sales lock date too, although it is posted in the
        miscellaneous journal: it changes what the sales ledger shows for that period.
        """
        journal = company.collection_journal_id
        locks = company._get_lock_date_violations(
            date,
            fiscalyear=True,
            sale=sale or journal.type == "sale",
            purchase=journal.type == "purchase",
            tax=has_tax,
            hard=True,
        )
        locks.sort()
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
        # No customer on income and expense lines: Odoo proposes the account of a new invoice or
        # credit note line from the customer's most used income or expense account, and would
        # otherwise book his next credit note on the doubtful-debt expense. The invoice link
        # (collection_invoice_id) keeps the line traceable to the customer.
        partner = (
            self.env["res.partner"]
            if account.internal_group in ("income", "expense")
            else self.commercial_partner_id
        )
        return {
            "account_id": account.id,
            "partner_id": partner.id,
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

    def _collection_provision_entry_vals(self, amount, date, name):
        """A provision entry of `amount` (invoice currency) for this invoice, at the rate of `date`."""
        self.ensure_one()
        return {
            "move_type": "entry",
            "journal_id": self.company_id.collection_journal_id.id,
            "company_id": self.company_id.id,
            "date": date,
            "ref": name,
            "collection_entry_type": "provision",
            "line_ids": self._collection_provision_lines(
                amount, self._collection_to_company(amount, date), name
            ),
        }

    def _collection_provision_target(self, rate=None):
        """The provision the invoice carries at `rate` (default: its own) on what is due now."""
        self.ensure_one()
        rate = self.collection_provision_rate if rate is None else rate
        return self.currency_id.round(self.amount_residual * self._collection_untaxed_share() * rate)

    @api.model
    def _collection_check_not_before(self, date, limits, operation):
        """Refuse `date` before any of `limits` ({label: date}) of one invoice."""
        for label, limit in limits.items():
            if limit and date < limit:
                raise UserError(
                    self.env._(
                        "You cannot date %(operation)s %(date)s, before %(what)s (%(limit)s): "
                        "choose %(limit)s or later.",
                        operation=operation,
                        date=fields.Date.to_string(date),
                        what=label,
                        limit=fields.Date.to_string(limit),
                    )
                )

    # --- provisions ---------------------------------------------------------------------------

    def _collection_prepare_doubtful_vals(self, date, percentage, reason):
        """The provision entries Mark as Doubtful posts (the wizard previews them)."""
        provisions = self._collection_provision_balances()
        vals_list = []
        for move in self:
            self._collection_check_lock_date(move.company_id, date)
            self._collection_check_not_before(
                date,
                {self.env._("the invoice date of %(move)s", move=move.display_name): move.invoice_date},
                self.env._("the provision"),
            )
            currency = move.currency_id
            target = move._collection_provision_target(percentage / 100.0)
            amount = currency.round(target - provisions[move][0])
            if currency.compare_amounts(amount, 0) <= 0:
                raise UserError(
                    self.env._(
                        "%(move)s already has a provision of %(amount)s, which covers what you ask. "
                        "Use Undo Doubtful first to lower it.",
                        move=move.display_name,
                        amount=provisions[move][0],
                    )
                )
            name = self.env._("Doubtful debt %(move)s: %(reason)s", move=move.name, reason=reason)
            vals_list.append(move._collection_provision_entry_vals(amount, date, name))
        return vals_list

    def _collection_mark_doubtful(self, date, percentage, reason):
        """Provision `percentage` of the amount due of each invoice: one entry per invoice."""
        self._collection_check_invoices("provision")
        vals_list = self._collection_prepare_doubtful_vals(date, percentage, reason)
        entries = self.env["account.move"]._collection_writer().create(vals_list)
        entries.action_post()
        self._collection_writer().write(
            {"collection_provision_rate": percentage / 100.0, "collection_provision_kind": "specific"}
        )
        for move, entry in zip(self, entries, strict=True):
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
        entries = self.env["account.move"]._collection_writer().create(vals_list)
        entries.action_post()
        for move, entry in zip(invoices, entries, strict=True):
            move._message_log(
                body=Markup("%s %s") % (self.env._("Provision released:"), entry._get_html_link())
            )
        return entries

    def _collection_sync_provision(self):
        """Bring the provisions of the invoices whose amount due changed back to their rate.

        Payments and credit notes release pro rata (paying 40% of what is due releases 40% of
        the provision); unmatching them restores it. So the allowance always equals the rate of
        each open provided invoice times what it still owes. Written-off invoices are left
        alone: their provision was consumed by the write-off.
        """
        invoices = self.filtered(
            lambda move: (
                move.move_type == "out_invoice"
                and move.state == "posted"
                and move.collection_status not in ("written_off", "recovered")
                and (move.collection_provision_rate or move.collection_provision_amount)
            )
        )
        if not invoices:
            return
        today = fields.Date.context_today(self)
        releases, restores = defaultdict(dict), defaultdict(list)
        for move in invoices:
            currency = move.currency_id
            difference = currency.round(
                move._collection_provision_target() - move.collection_provision_amount
            )
            if currency.compare_amounts(difference, 0) < 0:
                receivables = move.line_ids.filtered(lambda line: line.account_type == "asset_receivable")
                paid_on = max(receivables.matched_credit_ids.mapped("max_date") or [today])
                releases[self._collection_open_date(move.company_id, paid_on)][move] = -difference
            elif currency.compare_amounts(difference, 0) > 0:
                restores[self._collection_open_date(move.company_id, today)].append((move, difference))
        for date, amounts in releases.items():
            self._collection_release(amounts, date, self.env._("payment received"))
        vals_list, restored = [], self.browse()
        for date, pairs in restores.items():
            for move, amount in pairs:
                name = self.env._("Provision restored %(move)s: payment unmatched", move=move.name)
                vals_list.append(move._collection_provision_entry_vals(amount, date, name))
                restored |= move
        if vals_list:
            entries = self.env["account.move"]._collection_writer().create(vals_list)
            entries.action_post()
            for move, entry in zip(restored, entries, strict=True):
                move._message_log(
                    body=Markup("%s %s") % (self.env._("Provision restored:"), entry._get_html_link())
                )

    def action_collection_undo_doubtful(self):
        """Release the whole remaining provision of the selected invoices, today."""
        self._collection_check_accountant()
        invoices = self.filtered(lambda move: move.collection_status in ("doubtful", "provisioned"))
        if not invoices:
            raise UserError(self.env._("None of the selected invoices is marked as doubtful."))
        invoices._collection_check_invoices("undo")
        today = fields.Date.context_today(self)
        for company in invoices.company_id:
            self._collection_check_lock_date(company, today)
        entries = invoices._collection_release(
            {move: move.collection_provision_amount for move in invoices}, today, self.env._("undone by hand")
        )
        invoices._collection_writer().write(
            {"collection_provision_rate": 0.0, "collection_provision_kind": False}
        )
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

    def _collection_vat_relief_lines(self, ratio, name):
        """Debit lines reversing `ratio` of the invoice's output VAT, as a credit note would.

        Each tax line is reversed on its account with the refund repartition line of its tax
        and that line's tags, so the relief lands in the same boxes of the VAT return. The relief
        gives back what was declared: the invoice's VAT in company currency, at the invoice's
        rate, not at the write-off date's (the exchange effect stays on the receivable). Its base
        has a credit note's sign.
        """
        self.ensure_one()
        vals_list = []
        company_currency = self.company_currency_id
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
                    company_currency.round(-line.balance * ratio),
                    "vat_relief",
                    name,
                    tax_repartition_line_id=refund_rep.id,
                    tax_tag_ids=[Command.set(refund_rep.tag_ids.ids)],
                    tax_base_amount=company_currency.round(-line.tax_base_amount * ratio),
                )
            )
        fallback = self.company_id.collection_vat_relief_tax_id
        if not tax_lines and fallback and fallback.amount_type == "percent" and self.amount_total:
            # An invoice without tax lines of its own: its amount due is taken as VAT included.
            refund_rep = fallback.refund_repartition_line_ids.filtered(
                lambda rep: rep.repartition_type == "tax"
            )[:1]
            amount = self.currency_id.round(
                self.amount_residual * fallback.amount / (100.0 + fallback.amount)
            )
            invoice_rate = abs(self.amount_total_signed) / self.amount_total
            if refund_rep.account_id and not self.currency_id.is_zero(amount):
                vals_list.append(
                    self._collection_line_vals(
                        refund_rep.account_id,
                        amount,
                        company_currency.round(amount * invoice_rate),
                        "vat_relief",
                        name,
                        tax_repartition_line_id=refund_rep.id,
                        tax_tag_ids=[Command.set(refund_rep.tag_ids.ids)],
                        tax_base_amount=company_currency.round(
                            (self.amount_residual - amount) * invoice_rate
                        ),
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
            relief_lines = self._collection_vat_relief_lines(self.amount_residual / self.amount_total, name)
            # The VAT leaves at the invoice's rate, the rest of the receivable at today's: the
            # difference of rate on the VAT stays on the receivable, and Odoo's exchange
            # difference entry settles it when the write-off is matched with the invoice.
            if lines and relief_lines:
                declared = sum(line["balance"] for line in relief_lines)
                at_date = self._collection_to_company(
                    sum(line["amount_currency"] for line in relief_lines), date
                )
                lines[0]["balance"] = self.company_currency_id.round(
                    lines[0]["balance"] - (declared - at_date)
                )
            lines += relief_lines
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

    def _collection_last_dates(self):
        """{invoice: (last provision date, last payment or credit note matched)}, for date checks."""
        rows = self.env["account.move.line"]._read_group(
            [
                ("collection_invoice_id", "in", self.ids),
                ("collection_role", "=", "allowance"),
                ("parent_state", "=", "posted"),
                # Releases follow payments, which are checked on their own.
                ("move_id.collection_entry_type", "=", "provision"),
            ],
            ["collection_invoice_id"],
            ["date:max"],
        )
        provided = dict(rows)
        result = {}
        for move in self:
            receivables = move.line_ids.filtered(lambda line: line.account_type == "asset_receivable")
            matched = receivables.matched_credit_ids.credit_move_id.mapped("date")
            result[move] = (provided.get(move), max(matched) if matched else None)
        return result

    def _collection_write_off(self, date, reason, vat_relief=False):
        """Write the invoices off as bad debt: one entry each, reconciled with the invoice."""
        self._collection_check_invoices("write_off")
        vals_list = self._collection_prepare_write_off_vals(date, reason, vat_relief)
        entries = self.env["account.move"]._collection_writer().create(vals_list)
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

    def _collection_prepare_write_off_vals(self, date, reason, vat_relief=False):
        """The write-off entries of the invoices (the wizard previews them)."""
        relief = {move: bool(vat_relief) and move._collection_vat_relief_allowed(date) for move in self}
        last_dates = self._collection_last_dates()
        for move in self:
            # A write-off settles the receivable of a sale: the sales lock date applies too.
            self._collection_check_lock_date(move.company_id, date, has_tax=relief[move], sale=True)
            provided_on, paid_on = last_dates[move]
            self._collection_check_not_before(
                date,
                {
                    self.env._("the invoice date of %(move)s", move=move.display_name): move.invoice_date,
                    self.env._("its last provision"): provided_on,
                    self.env._("its last payment or credit note"): paid_on,
                },
                self.env._("the write-off"),
            )
        provisions = self._collection_provision_balances()
        return [
            move._collection_write_off_vals(date, reason, relief[move], provisions[move]) for move in self
        ]

    # --- recovery -----------------------------------------------------------------------------

    def _collection_credit_domain(self):
        """Open credits the recovery of this invoice may use: its own customer, company and account."""
        self.ensure_one()
        accounts = self.line_ids.filtered(lambda line: line.account_type == "asset_receivable").account_id
        return [
            ("company_id", "=", self.company_id.id),
            ("partner_id", "child_of", self.commercial_partner_id.id),
            ("account_id", "in", accounts.ids),
            ("parent_state", "=", "posted"),
            ("reconciled", "=", False),
            ("amount_residual", "<", 0),
        ]

    def _collection_outstanding_credits(self):
        """Open credits (payments not matched yet) of the invoice's customer on its receivable account."""
        self.ensure_one()
        return self.env["account.move.line"].search(self._collection_credit_domain(), order="date, id")

    def _collection_credits_open_amount(self, credit_lines, date):
        """What `credit_lines` still hold, in the invoice's currency (at `date` for other currencies)."""
        self.ensure_one()
        total = 0.0
        for line in credit_lines:
            if line.currency_id == self.currency_id:
                total -= line.amount_residual_currency
            else:
                total -= self.company_currency_id._convert(
                    line.amount_residual, self.currency_id, self.company_id, date
                )
        return self.currency_id.round(total)

    def _collection_recover(self, date, amount, credit_lines):
        """Book `amount` (invoice currency) paid after the write-off and match it with the payment."""
        self.ensure_one()
        entry = (
            self.env["account.move"]
            ._collection_writer()
            .create(self._collection_prepare_recovery_vals(date, amount, credit_lines))
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

    def _collection_prepare_recovery_vals(self, date, amount, credit_lines):
        """The recovery entry of `amount` (the wizard previews it), after every check.

        Dr receivable / Cr bad-debt recovered income, and Cr output VAT again for the same share
        of the VAT relief (with the invoice's own repartition lines and tags), at the value the
        relief had: the exchange effect stays on the receivable.
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
        if not credit_lines:
            raise UserError(self.env._("Choose the payment that brought the money in."))
        # Whatever the caller sends: only this customer's open credits on this receivable.
        allowed = credit_lines.filtered_domain(self._collection_credit_domain())
        if allowed != credit_lines:
            raise UserError(
                self.env._(
                    "%(items)s cannot pay %(move)s: a recovery only uses open payments or credit notes "
                    "of %(customer)s, in %(company)s, on the invoice's receivable account. Choose "
                    "among those.",
                    items=", ".join((credit_lines - allowed).mapped("display_name")),
                    move=self.display_name,
                    customer=self.commercial_partner_id.display_name,
                    company=company.name,
                )
            )
        remaining = self.collection_written_off_amount - self.collection_recovered_amount
        available = self._collection_credits_open_amount(credit_lines, date)
        if currency.compare_amounts(amount, 0) <= 0 or currency.compare_amounts(amount, remaining) > 0:
            raise UserError(
                self.env._(
                    "The amount to recover must be positive and at most %(remaining)s, what is still written off.",
                    remaining=currency.format(remaining),
                )
            )
        if currency.compare_amounts(amount, available) > 0:
            raise UserError(
                self.env._(
                    "The amount to recover (%(amount)s) is more than the payments chosen still hold "
                    "(%(available)s): lower it, or register the rest of the payment first.",
                    amount=currency.format(amount),
                    available=currency.format(available),
                )
            )
        written_off_on = max(
            self.collection_entry_line_ids.filtered(
                lambda line: line.parent_state == "posted" and line.collection_role == "write_off"
            ).mapped("date")
        )
        self._collection_check_not_before(
            date,
            {
                self.env._("the write-off of %(move)s", move=self.display_name): written_off_on,
                self.env._("the payment chosen"): max(credit_lines.mapped("date")),
            },
            self.env._("the recovery"),
        )
        has_vat = not currency.is_zero(self.collection_vat_relief_amount)
        # A recovery debits the receivable of a sale: the sales lock date applies too.
        self._collection_check_lock_date(company, date, has_tax=has_vat, sale=True)
        name = self.env._("Recovery of bad debt %(move)s", move=self.name)
        receivable = self.line_ids.filtered(lambda line: line.account_type == "asset_receivable")[
            :1
        ].account_id
        vat_lines = []
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
            company_currency = self.company_currency_id
            for repartition, rep_lines in by_repartition.items():
                relieved = rep_lines.filtered(lambda line: line.collection_role == "vat_relief")
                if ratio is None:
                    vat = currency.round(sum(rep_lines.mapped("amount_currency")))
                    vat_balance = company_currency.round(sum(rep_lines.mapped("balance")))
                    base = company_currency.round(sum(rep_lines.mapped("tax_base_amount")))
                else:
                    vat = currency.round(sum(relieved.mapped("amount_currency")) * ratio)
                    vat_balance = company_currency.round(sum(relieved.mapped("balance")) * ratio)
                    base = company_currency.round(sum(relieved.mapped("tax_base_amount")) * ratio)
                if currency.is_zero(vat):
                    continue
                vat_lines.append(
                    self._collection_line_vals(
                        rep_lines[0].account_id,
                        -vat,
                        -vat_balance,
                        "vat_recovered",
                        name,
                        tax_repartition_line_id=repartition.id,
                        tax_tag_ids=[Command.set(repartition.tag_ids.ids)],
                        # An invoice's sign: the base of VAT due again.
                        tax_base_amount=-base,
                    )
                )
        # The receivable takes today's rate on the net amount and the declared value of the VAT.
        vat_currency = sum(line["amount_currency"] for line in vat_lines)
        vat_balance = sum(line["balance"] for line in vat_lines)
        receivable_balance = self.company_currency_id.round(
            self._collection_to_company(amount + vat_currency, date) - vat_balance
        )
        lines = [
            self._collection_line_vals(receivable, amount, receivable_balance, "recovered", name),
            *vat_lines,
        ]
        rest = currency.round(-sum(line["amount_currency"] for line in lines))
        rest_balance = self.company_currency_id.round(-sum(line["balance"] for line in lines))
        lines.append(
            self._collection_line_vals(
                company.collection_recovery_account_id, rest, rest_balance, "recovery", name
            )
        )
        return {
            "move_type": "entry",
            "journal_id": company.collection_journal_id.id,
            "company_id": company.id,
            "date": date,
            "ref": name,
            "collection_entry_type": "recovery",
            "line_ids": [Command.create(vals) for vals in lines],
        }

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
        provisions = self.filtered(lambda move: move.collection_entry_type == "provision")
        if provisions:
            # Reversing a provision that payments partly released since would leave a negative
            # provision on the allowance: the accountant releases what is left instead.
            reversed_amounts = defaultdict(float)
            for line in provisions.line_ids.filtered(
                lambda line: line.collection_role == "allowance" and line.parent_state == "posted"
            ):
                reversed_amounts[line.collection_invoice_id] -= line.amount_currency
            invoices = self.browse([invoice.id for invoice in reversed_amounts])
            current = invoices._collection_provision_balances()
            released = invoices.filtered(
                lambda inv: inv.currency_id.compare_amounts(reversed_amounts[inv], current[inv][0]) > 0
            )
            if released:
                raise UserError(
                    self.env._(
                        "Part of this provision of %(invoices)s was released since (payments or credit "
                        "notes): reversing all of it would leave a negative provision. Use Undo Doubtful "
                        "(or the provision matrix) to release what is left.",
                        invoices=", ".join(released.mapped("display_name")),
                    )
                )
        # Odoo's reversal copies the collection flags of the entry and its lines on purpose.
        moves = self._collection_writer() if self.filtered("collection_entry_type") else self
        reversals = (
            super(AccountMove, moves)
            ._reverse_moves(default_values_list=default_values_list, cancel=cancel)
            .with_env(self.env)
        )
        # Reversing a provision or a release by hand is the accountant's new judgement: the
        # rate becomes what is provided now on what is due, so later payments keep it.
        provided = reversals.filtered(
            lambda move: move.collection_entry_type in ("provision", "release")
        ).line_ids.collection_invoice_id
        for invoice in provided:
            base = invoice.amount_residual * invoice._collection_untaxed_share()
            amount = invoice.collection_provision_amount
            invoice._collection_writer().write(
                {
                    "collection_provision_rate": amount / base if base and amount > 0 else 0.0,
                    "collection_provision_kind": invoice.collection_provision_kind if amount > 0 else False,
                }
            )
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

    def _check_draftable(self):
        res = super()._check_draftable()
        # Back to draft would take the entry out of the ledger without a trace of why, and the
        # provision of an invoice would stay on the allowance while the invoice is a draft.
        entries = self.filtered(lambda move: move.collection_entry_type and move.state == "posted")
        if entries:
            raise UserError(
                self.env._(
                    "%(entries)s are collection entries: reverse them (Reverse button) instead of "
                    "resetting them to draft, so the ledger keeps both.",
                    entries=", ".join(entries.mapped("display_name")),
                )
            )
        invoices = self.filtered(
            lambda move: (
                move.collection_status not in (False, "payment_plan")
                or not move.currency_id.is_zero(move.collection_provision_amount)
            )
        )
        if invoices:
            raise UserError(
                self.env._(
                    "%(invoices)s carry a doubtful-debt provision or a write-off: use Undo Doubtful, or "
                    "reverse the write-off (and its recoveries), before resetting them to draft.",
                    invoices=", ".join(invoices.mapped("display_name")),
                )
            )
        return res

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
