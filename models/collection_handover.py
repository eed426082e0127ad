import csv
import io

from markupsafe import Markup

from odoo import Command, api, fields, models
from odoo.exceptions import UserError

from .res_partner_handover import RECEIVER_ACCOUNTS

HANDOVER_KINDS = [
    ("agency", "Collection agency"),
    ("lawyer", "Lawyer"),
    ("factoring", "Factoring"),
]
HANDOVER_STATES = [
    ("draft", "Draft"),
    ("handed_over", "Handed over"),
    ("collecting", "Collecting"),
    ("partial", "Partly recovered"),
    ("recovered", "Recovered"),
    ("returned", "Returned"),
    ("closed", "Closed"),
]
# While a hand-over is in one of these states its invoices belong to the receiver: our own
# reminders stop and no other hand-over may take them.
HANDOVER_ACTIVE_STATES = ("handed_over", "collecting", "partial")
HANDOVER_ROLES = [
    ("receivable", "Customer receivable"),
    ("bank", "Received"),
    ("commission", "Commission"),
    ("advance", "Advance receivable from factor"),
    ("fee", "Factoring fee"),
    ("reserve", "Factor reserve"),
    ("liability", "Liability to factor"),
]


class CollectionHandover(models.Model):
    """Invoices handed over to a collection agency or a lawyer, or sold to a factoring company."""

    _name = "collection.handover"
    _description = "Collections hand-over"
    _inherit = ["mail.thread", "mail.activity.mixin"]
    _order = "date desc, id desc"
    _check_company_auto = True

    name = fields.Char(required=True, readonly=True, copy=False, default=lambda self: self.env._("New"))
    kind = fields.Selection(HANDOVER_KINDS, required=True, default="agency", tracking=True)
    company_id = fields.Many2one(
        "res.company", required=True, readonly=True, default=lambda self: self.env.company, index=True
    )
    partner_id = fields.Many2one(
        "res.partner", string="Customer", required=True, index=True, domain="[('parent_id', '=', False)]"
    )
    receiver_id = fields.Many2one(
        "res.partner",
        string="Handed over to",
        required=True,
        tracking=True,
        domain="[('collection_receiver_kind', '=', receiver_kind)]",
    )
    receiver_kind = fields.Selection(
        [("agency", "Collection agency"), ("lawyer", "Lawyer"), ("factor", "Factoring company")],
        compute="_compute_receiver_kind",
    )
    move_ids = fields.Many2many(
        "account.move",
        "collection_handover_account_move_rel",
        "handover_id",
        "move_id",
        string="Invoices",
        check_company=True,
        domain="[('move_type', '=', 'out_invoice'), ('state', '=', 'posted'), "
        "('commercial_partner_id', '=', partner_id), ('payment_state', 'in', ('not_paid', 'partial'))]",
    )
    currency_id = fields.Many2one("res.currency", compute="_compute_currency_id", store=True)
    amount_open = fields.Monetary(string="Still open", compute="_compute_amount_open")
    amount_handed_over = fields.Monetary(
        readonly=True, copy=False, help="What the invoices still owed when they were handed over."
    )
    commission_rate = fields.Float(
        string="Commission (%)",
        digits=(5, 2),
        compute="_compute_rates",
        store=True,
        readonly=False,
        tracking=True,
    )
    advance_rate = fields.Float(
        string="Advance (%)",
        digits=(5, 2),
        compute="_compute_rates",
        store=True,
        readonly=False,
        tracking=True,
    )
    fee_rate = fields.Float(
        string="Factoring fee (%)", digits=(5, 2), compute="_compute_rates", store=True, readonly=False
    )
    recourse = fields.Boolean(
        string="With recourse",
        help="The factor may sell the invoices back when the customer does not pay: they stay in our "
        "receivables, and what the factor advanced is a liability until then.",
    )
    date = fields.Date(
        string="Hand-over date", default=fields.Date.context_today, required=True, tracking=True
    )
    date_returned = fields.Date(readonly=True, copy=False)
    date_closed = fields.Date(readonly=True, copy=False)
    state = fields.Selection(
        HANDOVER_STATES, default="draft", required=True, readonly=True, tracking=True, copy=False
    )
    notify_customer = fields.Boolean(
        string="Send a notice to the customer",
        default=True,
        help="Email the customer a letter saying that his file was passed to the receiver.",
    )
    note = fields.Html()
    line_ids = fields.One2many("account.move.line", "collection_handover_id", readonly=True)
    entry_ids = fields.Many2many("account.move", compute="_compute_entries", string="Journal entries")
    entry_count = fields.Integer(compute="_compute_entries")
    amount_recovered = fields.Monetary(
        compute="_compute_amounts",
        store=True,
        help="What left the customer's receivable through this hand-over.",
    )
    amount_commission = fields.Monetary(string="Commission and fees", compute="_compute_amounts", store=True)
    amount_reserve = fields.Monetary(string="Reserve held by factor", compute="_compute_amounts", store=True)
    amount_liability = fields.Monetary(string="Owed to factor", compute="_compute_amounts", store=True)
    recovery_rate = fields.Float(
        string="Recovery rate (%)", compute="_compute_amounts", store=True, aggregator="avg", digits=(5, 2)
    )
    dossier_attachment_ids = fields.Many2many("ir.attachment", string="Dossier", readonly=True, copy=False)

    @api.depends("receiver_id", "kind")
    def _compute_receiver_kind(self):
        for handover in self:
            handover.receiver_kind = "factor" if handover.kind == "factoring" else handover.kind

    @api.depends("move_ids")
    def _compute_currency_id(self):
        for handover in self:
            handover.currency_id = handover.move_ids.currency_id[:1] or handover.company_id.currency_id

    @api.depends("move_ids.amount_residual")
    def _compute_amount_open(self):
        for handover in self:
            handover.amount_open = sum(handover.move_ids.mapped("amount_residual"))

    @api.depends("receiver_id")
    def _compute_rates(self):
        for handover in self:
            receiver = handover.receiver_id
            handover.commission_rate = receiver.collection_commission_rate
            handover.advance_rate = receiver.collection_advance_rate
            handover.fee_rate = receiver.collection_factoring_fee_rate

    @api.depends("line_ids")
    def _compute_entries(self):
        for handover in self:
            handover.entry_ids = handover.line_ids.move_id
            handover.entry_count = len(handover.entry_ids)

    @api.depends(
        "line_ids.parent_state",
        "line_ids.amount_currency",
        "line_ids.collection_handover_role",
        "amount_handed_over",
    )
    def _compute_amounts(self):
        for handover in self:
            totals = dict.fromkeys(dict(HANDOVER_ROLES), 0.0)
            for line in handover.line_ids:
                if line.parent_state == "posted":
                    totals[line.collection_handover_role] += line.amount_currency
            currency = handover.currency_id or handover.company_id.currency_id
            handover.amount_recovered = currency.round(-totals["receivable"])
            handover.amount_commission = currency.round(totals["commission"] + totals["fee"])
            handover.amount_reserve = currency.round(totals["reserve"])
            handover.amount_liability = currency.round(-totals["liability"])
            handover.recovery_rate = (
                100.0 * handover.amount_recovered / handover.amount_handed_over
                if handover.amount_handed_over
                else 0.0
            )

    @api.onchange("kind")
    def _onchange_kind(self):
        if self.receiver_id and self.receiver_id.collection_receiver_kind != self.receiver_kind:
            self.receiver_id = False

    @api.ondelete(at_uninstall=False)
    def _unlink_only_draft(self):
        if any(handover.state != "draft" for handover in self):
            raise UserError(self.env._("Only draft hand-overs can be deleted: return or close the others."))

    # ------------------------------------------------------------------------------------------
    # Checks: everything is refused before anything is sent or posted
    # ------------------------------------------------------------------------------------------

    def _accounts_key(self):
        self.ensure_one()
        if self.kind != "factoring":
            return self.kind
        return "factor_recourse" if self.recourse else "factor_no_recourse"

    def _account(self, field_name):
        self.ensure_one()
        return self.receiver_id._collection_receiver_account(self.company_id, field_name)

    def _journal(self):
        self.ensure_one()
        return self.receiver_id._collection_receiver_journal(self.company_id)

    def _check_receiver(self):
        self.ensure_one()
        receiver = self.receiver_id
        if receiver.collection_receiver_kind != self.receiver_kind:
            raise UserError(
                self.env._(
                    "%(receiver)s is not flagged as %(kind)s: set “Receives hand-overs as” on its contact form.",
                    receiver=receiver.display_name,
                    kind=dict(self._fields["kind"]._description_selection(self.env))[self.kind],
                )
            )
        contact = receiver._collection_dossier_contact()
        if (
            not contact.email
            or not (contact.street or receiver.street)
            or not (contact.city or receiver.city)
        ):
            raise UserError(
                self.env._(
                    "%(receiver)s has no complete address for the dossier: set its street, city and email "
                    "(or the contact that receives dossiers) on its contact form.",
                    receiver=receiver.display_name,
                )
            )
        names = RECEIVER_ACCOUNTS[self._accounts_key()]
        labels = self.env["res.company"].fields_get(names, ["string"])
        missing = [labels[name]["string"] for name in names if not self._account(name)]
        if not self._journal():
            missing.append(self.env._("Collection entries journal"))
        if missing:
            raise UserError(
                self.env._(
                    "%(receiver)s needs the %(accounts)s: set them on its contact form (Accounting tab) or as "
                    "the defaults of %(company)s in Accounting > Configuration > Settings, block Hand-over "
                    "entries.",
                    receiver=receiver.display_name,
                    accounts=", ".join(missing),
                    company=self.company_id.name,
                )
            )

    def _check_invoices(self):
        self.ensure_one()
        if not self.move_ids:
            raise UserError(self.env._("Add the invoices to hand over."))
        problems = [
            f"- {move.display_name}: {problem}"
            for move in self.move_ids
            if (problem := move._collection_handover_refusal(self))
        ]
        if problems:
            raise UserError(
                self.env._(
                    "These invoices cannot be handed over:\n%(problems)s", problems="\n".join(problems)
                )
            )
        if len(self.move_ids.currency_id) > 1:
            raise UserError(
                self.env._(
                    "Hand over the invoices of one currency at a time: make one hand-over per currency."
                )
            )

    def _check_rates(self):
        self.ensure_one()
        if self.kind == "factoring":
            if (
                not 0 < self.advance_rate <= 100
                or self.fee_rate < 0
                or self.advance_rate + self.fee_rate > 100
            ):
                raise UserError(
                    self.env._(
                        "The advance must be more than 0 and at most 100%, the fee positive, and the advance "
                        "plus the fee at most 100% of the invoices sold."
                    )
                )
        elif not 0 <= self.commission_rate <= 100:
            raise UserError(self.env._("The commission must be between 0 and 100%."))

    def _check_date(self, date, operation):
        self.ensure_one()
        Move = self.env["account.move"]
        Move._collection_check_lock_date(self.company_id, date, sale=True)
        if self.state != "draft" and date < self.date:
            raise UserError(
                self.env._(
                    "You cannot date %(operation)s %(date)s, before the hand-over of %(date_handover)s.",
                    operation=operation,
                    date=fields.Date.to_string(date),
                    date_handover=fields.Date.to_string(self.date),
                )
            )

    def _check_state(self, states, operation):
        self.ensure_one()
        if self.state not in states:
            raise UserError(
                self.env._(
                    "%(handover)s is %(state)s: %(operation)s is not possible now.",
                    handover=self.display_name,
                    state=dict(self._fields["state"]._description_selection(self.env))[self.state],
                    operation=operation,
                )
            )

    def _check_kind(self, kinds, operation):
        self.ensure_one()
        if self.kind not in kinds:
            raise UserError(
                self.env._(
                    "%(operation)s does not apply to a hand-over of kind %(kind)s.",
                    operation=operation,
                    kind=dict(self._fields["kind"]._description_selection(self.env))[self.kind],
                )
            )

    # ------------------------------------------------------------------------------------------
    # Confirm: the dossier, the notice, and for factoring the sale
    # ------------------------------------------------------------------------------------------

    def action_confirm(self):
        for handover in self:
            handover._check_state(["draft"], self.env._("Confirming"))
            if handover.kind == "factoring":
                # Selling receivables is an accounting entry: accountants only.
                self.env["account.move"]._collection_check_accountant()
            handover._check_receiver()
            handover._check_invoices()
            handover._check_rates()
            if handover.kind == "factoring":
                handover._check_date(handover.date, self.env._("the sale to the factor"))
        for handover in self:
            handover._confirm()
        return True

    def _confirm(self):
        self.ensure_one()
        self.write(
            {
                "name": self.env["ir.sequence"].next_by_code("collection.handover") or self.name,
                "amount_handed_over": self.currency_id.round(sum(self.move_ids.mapped("amount_residual"))),
                "state": "handed_over",
            }
        )
        self.move_ids._collection_writer().write({"collection_handover_id": self.id})
        if self.kind == "factoring":
            self._post_factoring_sale()
        self._send_dossier()
        if self.notify_customer:
            self._send_notice()
        for move in self.move_ids:
            move._message_log(body=Markup("%s %s") % (self.env._("Handed over:"), self._get_html_link()))
        self._refresh_customer()

    def _dossier_report(self):
        return self.env.ref("account_collection.action_report_collection_dossier")

    def _send_dossier(self):
        """Email the receiver the dossier: the PDF and the same data as CSV."""
        self.ensure_one()
        pdf, _type = self.env["ir.actions.report"]._render_qweb_pdf(self._dossier_report(), self.ids)
        name = self.name.replace("/", "-")
        attachments = self.env["ir.attachment"].create(
            [
                {
                    "name": f"{name}.pdf",
                    "raw": pdf,
                    "mimetype": "application/pdf",
                    "res_model": self._name,
                    "res_id": self.id,
                },
                {
                    "name": f"{name}.csv",
                    "raw": self._dossier_csv(),
                    "mimetype": "text/csv",
                    "res_model": self._name,
                    "res_id": self.id,
                },
            ]
        )
        self.dossier_attachment_ids = [Command.set(attachments.ids)]
        contact = self.receiver_id._collection_dossier_contact()
        receiver = self.with_context(lang=contact.lang or self.env.lang)
        self.message_post(
            subject=receiver.env._(
                "Dossier %(name)s: %(customer)s", name=self.name, customer=self.partner_id.name
            ),
            body=receiver.env._(
                "Please find attached the dossier of %(customer)s: the invoices handed over to you, "
                "with their full collection history, as PDF and CSV.",
                customer=self.partner_id.name,
            ),
            partner_ids=contact.ids,
            attachment_ids=attachments.ids,
            message_type="comment",
            subtype_xmlid="mail.mt_comment",
        )

    def _send_notice(self):
        """Email the customer the notice that his file was passed to the receiver."""
        self.ensure_one()
        customer = self.partner_id
        # The invoice address where it has its own email, as for the reminders.
        recipient = customer.child_ids.filtered(lambda child: child.type == "invoice" and child.email)[:1]
        recipient = recipient or customer
        if not recipient.email:
            self.message_post(
                body=self.env._("No notice sent: %(customer)s has no email address.", customer=customer.name)
            )
            return
        pdf, _type = self.env["ir.actions.report"]._render_qweb_pdf(
            "account_collection.action_report_collection_handover_notice", self.ids
        )
        attachment = self.env["ir.attachment"].create(
            {
                "name": self.env._("Notice %(name)s.pdf", name=self.name.replace("/", "-")),
                "raw": pdf,
                "mimetype": "application/pdf",
                "res_model": self._name,
                "res_id": self.id,
            }
        )
        lang_env = self.with_context(lang=customer.lang or self.env.lang).env
        self.message_post(
            subject=lang_env._("Your file has been passed to %(receiver)s", receiver=self.receiver_id.name),
            body=self._notice_text(lang_env),
            partner_ids=recipient.ids,
            attachment_ids=attachment.ids,
            message_type="comment",
            subtype_xmlid="mail.mt_comment",
        )

    def _notice_text(self, env=None):
        env = env or self.env
        if self.kind == "factoring":
            return env._(
                "We have assigned our invoices listed in the attached letter to %(receiver)s. From now on, "
                "please pay them to %(receiver)s only.",
                receiver=self.receiver_id.name,
            )
        return env._(
            "Despite our reminders, the invoices listed in the attached letter are still unpaid. We have "
            "passed your file to %(receiver)s, who will contact you. Please settle with them from now on.",
            receiver=self.receiver_id.name,
        )

    # --- dossier content ------------------------------------------------------------------------

    def _dossier_values(self):
        """Everything the receiver needs: the customer, each invoice, and the full history."""
        self.ensure_one()
        customer = self.partner_id
        today = self.date or fields.Date.context_today(self)
        invoices = [
            {
                "move": move,
                "name": move.name,
                "date": move.invoice_date,
                "date_due": move.invoice_date_due,
                "currency": move.currency_id,
                "total": move.amount_total,
                "residual": move.amount_residual,
                "days_late": max((today - move.invoice_date_due).days, 0) if move.invoice_date_due else 0,
            }
            for move in self.move_ids.sorted(lambda move: (move.invoice_date_due or move.date, move.name))
        ]
        history = []
        Communication = self.env["collection.communication"].sudo()
        for comm in Communication.search(
            [("company_id", "=", self.company_id.id), ("partner_id", "=", customer.id)], order="date, id"
        ):
            channels = [
                label
                for flag, label in (
                    (comm.channel_email, self.env._("email")),
                    (comm.channel_sms, self.env._("SMS")),
                    (comm.channel_letter, self.env._("letter")),
                    (comm.channel_call, self.env._("call")),
                )
                if flag
            ]
            history.append(
                {
                    "date": comm.date,
                    "kind": self.env._("Reminder"),
                    "what": comm.level_id.name or "",
                    "channels": ", ".join(channels),
                    "amount": comm.currency_id.format(comm.amount_claimed),
                    "state": dict(comm._fields["state"]._description_selection(self.env)).get(comm.state, ""),
                }
            )
        for promise in (
            self.env["collection.promise"]
            .sudo()
            .search(
                [("company_id", "=", self.company_id.id), ("partner_id", "=", customer.id)], order="date, id"
            )
        ):
            history.append(
                {
                    "date": promise.create_date.date(),
                    "kind": self.env._("Promise to pay"),
                    "what": self.env._(
                        "%(amount)s by %(date)s",
                        amount=promise.currency_id.format(promise.amount),
                        date=fields.Date.to_string(promise.date),
                    ),
                    "channels": "",
                    "amount": promise.currency_id.format(promise.amount),
                    "state": dict(promise._fields["state"]._description_selection(self.env)).get(
                        promise.state, ""
                    ),
                }
            )
        for dispute in (
            self.env["collection.dispute"]
            .sudo()
            .search(
                [("company_id", "=", self.company_id.id), ("partner_id", "=", customer.id)], order="date, id"
            )
        ):
            history.append(
                {
                    "date": dispute.date,
                    "kind": self.env._("Dispute"),
                    "what": dict(dispute._fields["reason"]._description_selection(self.env)).get(
                        dispute.reason, ""
                    )
                    + (f": {dispute.note}" if dispute.note else ""),
                    "channels": "",
                    "amount": "",
                    "state": dict(dispute._fields["state"]._description_selection(self.env)).get(
                        dispute.state, ""
                    ),
                }
            )
        # Calls are logged as notes in the customer's chatter by the call wizard.
        for message in (
            self.env["mail.message"]
            .sudo()
            .search(
                [
                    ("model", "=", "res.partner"),
                    ("res_id", "=", customer.id),
                    ("message_type", "=", "comment"),
                    ("body", "ilike", "Collections call"),
                ],
                order="date, id",
            )
        ):
            history.append(
                {
                    "date": message.date.date(),
                    "kind": self.env._("Call"),
                    "what": message.preview or "",
                    "channels": self.env._("phone"),
                    "amount": "",
                    "state": message.author_id.name or "",
                }
            )
        history.sort(key=lambda row: row["date"])
        return {
            "customer": customer,
            "address_lines": self.env["collection.communication"]._address_lines(customer),
            "invoices": invoices,
            "total": sum(row["residual"] for row in invoices),
            "history": history,
        }

    def _dossier_csv(self):
        """The dossier as CSV: one row per invoice, then one row per event of the history."""
        values = self._dossier_values()
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow(
            [
                "type",
                "date",
                "reference",
                "due_date",
                "days_late",
                "currency",
                "total",
                "open",
                "channels",
                "state",
            ]
        )
        for row in values["invoices"]:
            writer.writerow(
                [
                    "invoice",
                    fields.Date.to_string(row["date"]),
                    row["name"],
                    fields.Date.to_string(row["date_due"]),
                    row["days_late"],
                    row["currency"].name,
                    f"{row['total']:.{row['currency'].decimal_places}f}",
                    f"{row['residual']:.{row['currency'].decimal_places}f}",
                    "",
                    "",
                ]
            )
        for row in values["history"]:
            writer.writerow(
                [
                    row["kind"],
                    fields.Date.to_string(row["date"]),
                    row["what"],
                    "",
                    "",
                    "",
                    row["amount"],
                    "",
                    row["channels"],
                    row["state"],
                ]
            )
        return buffer.getvalue().encode()

    # ------------------------------------------------------------------------------------------
    # Entries
    # ------------------------------------------------------------------------------------------

    def _line_vals(self, account, amount, balance, role, name, partner, move=None, **extra):
        return {
            "account_id": account.id,
            "partner_id": partner.id,
            "currency_id": self.currency_id.id,
            "amount_currency": amount,
            "balance": balance,
            "name": name,
            "collection_handover_id": self.id,
            "collection_handover_role": role,
            **({"collection_handover_invoice_id": move.id} if move else {}),
            **extra,
        }

    def _to_company(self, amount, date):
        return self.currency_id._convert(amount, self.company_id.currency_id, self.company_id, date)

    def _amount_line(self, account, amount, date, role, name, partner, credit=False):
        """A journal item of `amount` (invoice currency) converted at `date`; `credit` books it on the
        credit side (the amount and its conversion negated, so both sides round alike)."""
        sign = -1 if credit else 1
        return self._line_vals(
            account, sign * amount, sign * self._to_company(amount, date), role, name, partner
        )

    def _receivable_lines(self, allocation, date, name):
        """Cr the customer's receivable of each invoice for its allocated amount."""
        lines = []
        for move, amount in allocation.items():
            receivable = move.line_ids.filtered(
                lambda line: line.account_type == "asset_receivable" and not line.reconciled
            )[:1].account_id
            lines.append(
                self._line_vals(
                    receivable,
                    -amount,
                    -self._to_company(amount, date),
                    "receivable",
                    name,
                    move.commercial_partner_id,
                    move=move,
                )
            )
        return lines

    def _allocate(self, amount):
        """Spread `amount` over the open invoices, the oldest due first."""
        allocation = {}
        rest = amount
        for move in self.move_ids.sorted(lambda move: (move.invoice_date_due or move.date, move.id)):
            if self.currency_id.compare_amounts(rest, 0) <= 0:
                break
            part = min(rest, move.amount_residual)
            if self.currency_id.compare_amounts(part, 0) > 0:
                allocation[move] = self.currency_id.round(part)
                rest = self.currency_id.round(rest - part)
        return allocation

    def _post_entry(self, lines, date, name):
        """Post one balanced entry (the last line takes the rounding) and reconcile the receivables."""
        company_currency = self.company_id.currency_id
        rest = company_currency.round(-sum(line["balance"] for line in lines))
        lines[-1]["balance"] = company_currency.round(lines[-1]["balance"] + rest)
        # Only the addon links journal items to a hand-over (see account_move_handover.py).
        entry = (
            self.env["account.move"]
            ._collection_writer()
            .create(
                {
                    "move_type": "entry",
                    "journal_id": self._journal().id,
                    "company_id": self.company_id.id,
                    "date": date,
                    "ref": name,
                    "line_ids": [Command.create(vals) for vals in lines],
                }
            )
            .with_env(self.env)
        )
        entry.action_post()
        for move in self.move_ids:
            receivables = (entry.line_ids + move.line_ids).filtered(
                lambda line, move=move: (
                    line.account_type == "asset_receivable"
                    and not line.reconciled
                    and (line.move_id == move or line.collection_handover_invoice_id == move)
                )
            )
            if receivables.move_id - move:
                for _account, account_lines in receivables.grouped("account_id").items():
                    account_lines.reconcile()
        entry._message_log(body=Markup("%s %s") % (self.env._("Hand-over entry of"), self._get_html_link()))
        self.message_post(body=Markup("%s %s") % (name, entry._get_html_link()))
        return entry

    def _refresh_customer(self):
        """The cockpit columns of the customer follow the hand-over's state."""
        for handover in self:
            handover.partner_id.with_company(handover.company_id)._collection_refresh_status()

    def _bank_account(self, journal, outbound=False):
        """Where money received (or paid) through `journal` is booked before the bank statement matches it."""
        methods = (
            journal.outbound_payment_method_line_ids if outbound else journal.inbound_payment_method_line_ids
        )
        return methods.payment_account_id[:1] or journal.default_account_id

    def _check_bank_journal(self, journal):
        if not journal or journal.type not in ("bank", "cash") or not self._bank_account(journal):
            raise UserError(self.env._("Choose the bank or cash journal that received the money."))
        if journal.company_id != self.company_id:
            raise UserError(self.env._("Choose a journal of %(company)s.", company=self.company_id.name))

    def _post_factoring_sale(self):
        """Sell the invoices: without recourse they leave the receivables, with recourse the
        advance and the fee become a liability to the factor and the invoices stay open."""
        self.ensure_one()
        currency, date, factor = self.currency_id, self.date, self.receiver_id
        total = self.amount_handed_over
        advance = currency.round(total * self.advance_rate / 100.0)
        fee = currency.round(total * self.fee_rate / 100.0)
        name = self.env._("Invoices sold to %(factor)s (%(name)s)", factor=factor.name, name=self.name)
        lines = [
            self._amount_line(
                self._account("collection_factor_receivable_account_id"),
                advance,
                date,
                "advance",
                name,
                factor,
            ),
        ]
        if not currency.is_zero(fee):
            lines.append(
                self._amount_line(
                    self._account("collection_factor_fee_account_id"), fee, date, "fee", name, factor
                )
            )
        if self.recourse:
            owed = advance + fee
            lines.append(
                self._amount_line(
                    self._account("collection_factor_liability_account_id"),
                    owed,
                    date,
                    "liability",
                    name,
                    factor,
                    credit=True,
                )
            )
        else:
            receivables = self._receivable_lines(
                {move: move.amount_residual for move in self.move_ids}, date, name
            )
            reserve = currency.round(total - advance - fee)
            if not currency.is_zero(reserve):
                lines.append(
                    self._amount_line(
                        self._account("collection_factor_reserve_account_id"),
                        reserve,
                        date,
                        "reserve",
                        name,
                        factor,
                    )
                )
            # The receivables close at today's rate; the factor's lines take the rounding.
            lines = receivables + lines
        return self._post_entry(lines, date, name)

    def _book_recovery(self, date, amount, commission, journal):
        """An agency or lawyer collected `amount` (gross, invoice currency) and kept `commission`:
        Dr bank (net received), Dr collection costs / Cr receivable, matched with the invoices."""
        self.ensure_one()
        self.env["account.move"]._collection_check_accountant()
        operation = self.env._("the recovery")
        self._check_kind(["agency", "lawyer"], self.env._("Recording a recovery"))
        self._check_state(HANDOVER_ACTIVE_STATES, self.env._("Recording a recovery"))
        currency = self.currency_id
        open_amount = self.amount_open
        if currency.compare_amounts(amount, 0) <= 0 or currency.compare_amounts(amount, open_amount) > 0:
            raise UserError(
                self.env._(
                    "The amount recovered must be positive and at most %(open)s, what the invoices handed over "
                    "still owe.",
                    open=currency.format(open_amount),
                )
            )
        if currency.compare_amounts(commission, 0) < 0 or currency.compare_amounts(commission, amount) > 0:
            raise UserError(self.env._("The commission must be between zero and the amount recovered."))
        self._check_receiver()
        self._check_bank_journal(journal)
        self._check_date(date, operation)
        receiver = self.receiver_id
        name = self.env._("Recovered by %(receiver)s (%(name)s)", receiver=receiver.name, name=self.name)
        net = currency.round(amount - commission)
        lines = self._receivable_lines(self._allocate(amount), date, name)
        if not currency.is_zero(commission):
            lines.append(
                self._amount_line(
                    self._account("collection_commission_account_id"),
                    commission,
                    date,
                    "commission",
                    name,
                    receiver,
                )
            )
        if not currency.is_zero(net):
            lines.append(self._amount_line(self._bank_account(journal), net, date, "bank", name, receiver))
        entry = self._post_entry(lines, date, name)
        self._update_recovery_state()
        return entry

    def _update_recovery_state(self):
        for handover in self:
            if handover.state not in HANDOVER_ACTIVE_STATES:
                continue
            open_amount = sum(handover.move_ids.mapped("amount_residual"))
            handover.state = "recovered" if handover.currency_id.is_zero(open_amount) else "partial"
        self._refresh_customer()

    def _book_settlement(self, date, amount, journal):
        """The factor's final settlement: what it pays now closes the reserve (without recourse),
        or the liability and the invoices the customer paid to it (with recourse)."""
        self.ensure_one()
        self.env["account.move"]._collection_check_accountant()
        operation = self.env._("the final settlement")
        self._check_kind(["factoring"], self.env._("The final settlement"))
        self._check_state(HANDOVER_ACTIVE_STATES, self.env._("The final settlement"))
        self._check_receiver()
        self._check_bank_journal(journal)
        self._check_date(date, operation)
        currency, factor = self.currency_id, self.receiver_id
        name = self.env._("Final settlement by %(factor)s (%(name)s)", factor=factor.name, name=self.name)
        if self.recourse:
            owed = self.amount_liability
            open_amount = self.amount_open
            due = currency.round(open_amount - owed)
            lines = self._receivable_lines({move: move.amount_residual for move in self.move_ids}, date, name)
            lines.append(
                self._amount_line(
                    self._account("collection_factor_liability_account_id"),
                    owed,
                    date,
                    "liability",
                    name,
                    factor,
                )
            )
        else:
            due = self.amount_reserve
            lines = [
                self._amount_line(
                    self._account("collection_factor_reserve_account_id"),
                    due,
                    date,
                    "reserve",
                    name,
                    factor,
                    credit=True,
                )
            ]
        if currency.compare_amounts(amount, 0) < 0 or currency.compare_amounts(amount, due) > 0:
            raise UserError(
                self.env._(
                    "The factor's settlement must be between zero and %(due)s, what it still owes.",
                    due=currency.format(due),
                )
            )
        kept = currency.round(due - amount)
        if not currency.is_zero(kept):
            lines.append(
                self._amount_line(
                    self._account("collection_factor_fee_account_id"), kept, date, "fee", name, factor
                )
            )
        if not currency.is_zero(amount):
            lines.append(self._amount_line(self._bank_account(journal), amount, date, "bank", name, factor))
        entry = self._post_entry(lines, date, name)
        self.state = "recovered"
        self._refresh_customer()
        return entry

    def _book_buyback(self, date, journal):
        """Recourse: the customer did not pay the factor, we buy the invoices back. What we owe the
        factor is paid; the invoices stay ours and open, free for our own collection again."""
        self.ensure_one()
        self.env["account.move"]._collection_check_accountant()
        self._check_kind(["factoring"], self.env._("The buy-back"))
        if not self.recourse:
            raise UserError(
                self.env._("Invoices sold without recourse cannot be bought back from the factor.")
            )
        self._check_state(HANDOVER_ACTIVE_STATES, self.env._("The buy-back"))
        self._check_receiver()
        if (
            not journal
            or journal.type not in ("bank", "cash")
            or not self._bank_account(journal, outbound=True)
        ):
            raise UserError(self.env._("Choose the bank or cash journal that pays the factor."))
        self._check_date(date, self.env._("the buy-back"))
        currency, factor = self.currency_id, self.receiver_id
        owed = self.amount_liability
        name = self.env._("Buy-back from %(factor)s (%(name)s)", factor=factor.name, name=self.name)
        lines = [
            self._amount_line(
                self._account("collection_factor_liability_account_id"), owed, date, "liability", name, factor
            ),
            self._amount_line(
                self._bank_account(journal, outbound=True), owed, date, "bank", name, factor, credit=True
            ),
        ]
        if currency.is_zero(owed):
            entry = self.env["account.move"]
        else:
            entry = self._post_entry(lines, date, name)
        self.write({"state": "returned", "date_returned": date})
        self._refresh_customer()
        return entry

    # ------------------------------------------------------------------------------------------
    # Buttons
    # ------------------------------------------------------------------------------------------

    def action_collecting(self):
        for handover in self:
            handover._check_state(["handed_over"], self.env._("Marking as collecting"))
        self.state = "collecting"

    def _wizard(self, operation):
        self.ensure_one()
        self.env["account.move"]._collection_check_accountant()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "account_collection.collection_handover_entry_action"
        )
        action["context"] = {"active_model": self._name, "active_id": self.id, "default_operation": operation}
        return action

    def action_recovery(self):
        return self._wizard("recovery")

    def action_settlement(self):
        return self._wizard("settlement")

    def action_buyback(self):
        return self._wizard("buyback")

    def action_return(self):
        """The receiver gives the file back as uncollectible: offer the write-off of what is left."""
        self.ensure_one()
        self._check_kind(["agency", "lawyer"], self.env._("Returning as uncollectible"))
        self._check_state(HANDOVER_ACTIVE_STATES, self.env._("Returning as uncollectible"))
        self.write({"state": "returned", "date_returned": fields.Date.context_today(self)})
        self.message_post(
            body=self.env._("Returned as uncollectible by %(receiver)s.", receiver=self.receiver_id.name)
        )
        self._refresh_customer()
        open_moves = self.move_ids.filtered(
            lambda move: (
                not move.currency_id.is_zero(move.amount_residual)
                and move.collection_status not in ("written_off", "recovered")
            )
        )
        user = self.env.user
        if open_moves and (
            user.has_group("account.group_account_user") or user.has_group("account.group_account_manager")
        ):
            return open_moves.action_collection_write_off()
        return True

    def action_close(self):
        for handover in self:
            handover._check_state(["partial", "recovered", "returned"], self.env._("Closing"))
        self.write({"state": "closed", "date_closed": fields.Date.context_today(self)})
        self._refresh_customer()

    def action_entries(self):
        self.ensure_one()
        return self.entry_ids._collection_action_open()

    def action_print_dossier(self):
        self.ensure_one()
        return self._dossier_report().report_action(self)

    def action_open_invoices(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id("account.action_move_out_invoice_type")
        action["domain"] = [("id", "in", self.move_ids.ids)]
        action["context"] = {"create": False}
        return action
